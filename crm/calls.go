package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/crm/numbers"
)

// The calls table (package history) holds a call's normalised number
// (remote_e164, the CRM's number key) and its contact (contact_id, 0 for
// none). The phone's engine fills the number when the call starts; the CRM
// links the contact at call end (ApplyCallPolicies) and, for calls recorded
// while it did not see them, in IndexCalls, which remembers how far it got
// (the highest calls rowid seen) so that each run only reads new rows.

const (
	indexWatermarkKey = "calls_indexed_rowid"
	indexBatchSize    = 500
)

// IndexCalls indexes the calls recorded since the last run and links them
// to contacts by number. Call it at start-up; writes that add numbers run it
// too, so that "link past calls" also sees the newest calls. It returns how
// many calls it indexed.
//
// It relies on rowids only growing, which holds unless the newest call row
// is deleted and another inserted before the next run; such a call is
// simply not linked (it is still found by number on the card).
func (c *CRM) IndexCalls(ctx context.Context) (int, error) {
	var indexed int
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		indexed, err = c.indexNewCalls(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("crm: index calls: %w", err)
	}
	return indexed, nil
}

type unindexedCall struct {
	rowID     int64
	id        string
	remote    string
	e164      string
	contactID int64
}

func (c *CRM) indexNewCalls(ctx context.Context, q querier) (int, error) {
	mark, err := readWatermark(ctx, q)
	if err != nil {
		return 0, err
	}
	indexed := 0
	for {
		batch, err := readCallsAfter(ctx, q, mark)
		if err != nil || len(batch) == 0 {
			if err == nil && indexed > 0 {
				err = writeWatermark(ctx, q, mark)
			}
			return indexed, err
		}
		for _, call := range batch {
			if err := c.indexOne(ctx, q, call); err != nil {
				return indexed, err
			}
			mark = call.rowID
			indexed++
		}
	}
}

// indexOne fills in what a call row lacks: its normalised number and, when
// the number belongs to a contact, the link. A link already there (one the
// operator chose) is never replaced.
func (c *CRM) indexOne(ctx context.Context, q querier, call unindexedCall) error {
	if call.e164 != "" && call.contactID != 0 {
		return nil
	}
	number := c.numbers.Normalize(call.remote)
	if !number.Valid() {
		return nil
	}
	var contactID int64
	if call.contactID == 0 {
		var err error
		if contactID, err = c.firstContactFor(ctx, q, number); err != nil {
			return err
		}
	}
	return indexCall(ctx, q, call.id, number, contactID)
}

func readCallsAfter(ctx context.Context, q querier, mark int64) ([]unindexedCall, error) {
	// Read the whole batch before writing: the inserts run on the same
	// connection.
	rows, err := q.QueryContext(ctx, `SELECT rowid, id, remote_number, remote_e164, contact_id
FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?`,
		mark, indexBatchSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []unindexedCall
	for rows.Next() {
		var call unindexedCall
		if err := rows.Scan(&call.rowID, &call.id, &call.remote, &call.e164, &call.contactID); err != nil {
			return nil, err
		}
		batch = append(batch, call)
	}
	return batch, rows.Err()
}

func readWatermark(ctx context.Context, q querier) (int64, error) {
	var value string
	err := q.QueryRowContext(ctx, `SELECT value FROM crm_state WHERE key = ?`, indexWatermarkKey).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	mark, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("crm_state %s = %q: %w", indexWatermarkKey, value, err)
	}
	return mark, nil
}

func writeWatermark(ctx context.Context, q querier, mark int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO crm_state (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, indexWatermarkKey, strconv.FormatInt(mark, 10))
	return err
}

// indexCall fills a call row's normalised number and contact where they
// are still unknown; contactID 0 links nothing.
func indexCall(ctx context.Context, q querier, callID string, number numbers.Number, contactID int64) error {
	if !number.Valid() {
		return nil
	}
	_, err := q.ExecContext(ctx, `UPDATE calls SET
    remote_e164 = CASE WHEN remote_e164 = '' THEN ?1 ELSE remote_e164 END,
    contact_id  = CASE WHEN contact_id = 0 THEN ?2 ELSE contact_id END
WHERE id = ?3 AND (remote_e164 = '' OR (contact_id = 0 AND ?2 <> 0))`,
		number.Key, contactID, callID)
	return err
}

// Linked counts what adding a number to a contact linked to it.
type Linked struct {
	Calls int64 `json:"calls"`
	Tasks int64 `json:"tasks"`
	Cases int64 `json:"cases"`
}

// linkHistory links past calls, tasks and cases with this number that
// belong to nobody yet to contactID.
func linkHistory(ctx context.Context, q querier, contactID int64, key string, now time.Time) (Linked, error) {
	var linked Linked
	for _, step := range []struct {
		query string
		args  []any
		count *int64
	}{
		// remote_e164 <> '' repeats the condition of the partial index.
		{`UPDATE calls SET contact_id = ? WHERE remote_e164 = ? AND remote_e164 <> '' AND contact_id = 0`,
			[]any{contactID, key}, &linked.Calls},
		{`UPDATE tasks SET contact_id = ?, updated_at = ? WHERE number_key = ? AND contact_id IS NULL`,
			[]any{contactID, now.UnixMilli(), key}, &linked.Tasks},
		{`UPDATE cases SET contact_id = ?, updated_at = ? WHERE number_key = ? AND contact_id IS NULL`,
			[]any{contactID, now.UnixMilli(), key}, &linked.Cases},
	} {
		result, err := q.ExecContext(ctx, step.query, step.args...)
		if err != nil {
			return Linked{}, fmt.Errorf("link history of %s: %w", key, err)
		}
		if *step.count, err = result.RowsAffected(); err != nil {
			return Linked{}, fmt.Errorf("link history of %s: %w", key, err)
		}
	}
	return linked, nil
}

// LinkCall links a call to a contact, replacing any previous link: the
// operator picked this contact among several on one number, or attached an
// unknown caller to an existing contact.
func (c *CRM) LinkCall(ctx context.Context, callID string, contactID int64) error {
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireContact(ctx, tx, contactID); err != nil {
			return err
		}
		var remote string
		err := tx.QueryRowContext(ctx, `SELECT remote_number FROM calls WHERE id = ?`, callID).Scan(&remote)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("call %s: %w", callID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		// The number is filled in when it was missing; the link is replaced.
		_, err = tx.ExecContext(ctx, `UPDATE calls SET contact_id = ?,
    remote_e164 = CASE WHEN remote_e164 = '' THEN ? ELSE remote_e164 END
WHERE id = ?`, contactID, c.numbers.Normalize(remote).Key, callID)
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: link call %s to contact %d: %w", callID, contactID, err)
	}
	return nil
}

// CallRef is a call from history as the CRM shows it.
type CallRef struct {
	ID           string    `json:"id"`
	Direction    string    `json:"direction"`
	RemoteNumber string    `json:"remote_number"`
	StartedAt    time.Time `json:"started_at"`
	Result       string    `json:"result"`
}

// ContactCalls lists the calls linked to a contact, newest first.
func (c *CRM) ContactCalls(ctx context.Context, contactID int64, limit int) ([]CallRef, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("crm: calls of contact %d: %w: limit %d must be positive", contactID, ErrInvalid, limit)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT c.id, c.direction, c.remote_number, c.started_at, c.result
FROM calls c
WHERE c.contact_id = ?1 AND c.contact_id <> 0
ORDER BY c.started_at DESC, c.rowid DESC
LIMIT ?2`, contactID, limit)
	if err != nil {
		return nil, fmt.Errorf("crm: calls of contact %d: %w", contactID, err)
	}
	defer rows.Close()
	var calls []CallRef
	for rows.Next() {
		var call CallRef
		var startedAt sql.NullInt64
		if err := rows.Scan(&call.ID, &call.Direction, &call.RemoteNumber, &startedAt, &call.Result); err != nil {
			return nil, fmt.Errorf("crm: calls of contact %d: %w", contactID, err)
		}
		call.StartedAt = fromMillis(startedAt)
		calls = append(calls, call)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("crm: calls of contact %d: %w", contactID, err)
	}
	return calls, nil
}

// CallSummary is what the card says about earlier calls with a number.
type CallSummary struct {
	Count      int       `json:"count"`
	LastAt     time.Time `json:"last_at,omitzero"`
	LastResult string    `json:"last_result,omitempty"`
}
