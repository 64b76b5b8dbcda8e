package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// "Missed and not called back" is the operator's to-do list: incoming calls
// that rang out (ResultMissed) and were not followed by any answered call
// with the same number, in either direction, on any line. An outgoing
// attempt that was not answered does not count: the caller is still
// waiting. A new missed call after a successful call back opens the number
// again.
//
// The database keeps this current (calls.called_back_at, see the triggers in
// 0003_history.sql), so the list is read from a small partial index however
// long the history is, and the rule holds for every writer of the table.
//
// Open CRM tasks: a number with an open task is being dealt with and is left
// off the list. The tasks table belongs to package crm, which history does
// not import, and its schema is not history's to rely on; so the caller
// passes a predicate (CallbackQuery.HasOpenTask) that answers from the CRM.
// It is asked once per listed number, which is few.

// CallbackQuery asks for the missed calls not called back.
type CallbackQuery struct {
	// Since leaves out missed calls that started before it (they neither
	// list a number nor count as attempts); zero: no limit.
	Since time.Time
	// HasOpenTask reports whether the CRM has an open task for the number
	// (MissedCall.Number: the E.164 form, or the raw number when it could
	// not be normalised). nil: no number has one.
	HasOpenTask func(number string) bool
	// Limit caps the entries returned; 0: all.
	Limit int
}

// MissedCall is one entry of the to-do list: a number, with its newest
// missed call.
type MissedCall struct {
	Call   `json:"call"` // the newest missed call from the number
	Number string        `json:"number"` // E.164 when known, else the raw number
	// Attempts counts the number's missed calls since it was last answered
	// (and since CallbackQuery.Since), and FirstMissedAt is when the oldest
	// of them started.
	Attempts      int       `json:"attempts"`
	FirstMissedAt time.Time `json:"first_missed_at"`
}

// missedOpenSQL ranks the open missed calls within their number, reading
// only the partial index that holds them (INDEXED BY: the planner would
// rather walk calls_result over every missed call), and keeps each number's
// newest. A window, not max() with a bare rowid: SQLite takes a bare
// column from the max() row only when the query has no other min or max.
// %s is callSelectList.
var missedOpenSQL = fmt.Sprintf(`SELECT %s, open.attempts, open.first_missed
FROM (
    SELECT rowid AS open_rowid, started_at AS newest,
        row_number() OVER number_calls AS position,
        count(*) OVER number_calls AS attempts,
        min(started_at) OVER number_calls AS first_missed
    FROM calls INDEXED BY calls_missed_open_time
    WHERE direction = 'in' AND result = 'missed' AND called_back_at IS NULL AND started_at >= ?
      AND (remote_e164 <> '' OR remote_number <> '')
    WINDOW number_calls AS (
        PARTITION BY CASE WHEN remote_e164 <> '' THEN 'e164:' || remote_e164 ELSE 'raw:' || remote_number END
        ORDER BY started_at DESC, rowid DESC
        RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) AS open
CROSS JOIN calls ON calls.rowid = open.open_rowid
WHERE open.position = 1
ORDER BY open.newest DESC, calls.rowid DESC
LIMIT ?`, callSelectList)

// MissedNotCalledBack returns the to-do list, newest first, one entry per
// number.
func (r *Repo) MissedNotCalledBack(ctx context.Context, query CallbackQuery) ([]MissedCall, error) {
	if query.Limit < 0 {
		return nil, fmt.Errorf("history: missed calls: %w: negative limit", ErrInvalidFilter)
	}
	since := int64(0)
	if !query.Since.IsZero() {
		since = query.Since.UnixMilli()
	}
	// Rows are read before the predicate runs: it queries the CRM, likely
	// through the same connection pool, and must not wait for a connection
	// this query holds. With a limit, a margin is read for the numbers the
	// predicate drops, and everything only if that was not enough.
	fetch := -1 // SQLite: no limit
	if query.Limit > 0 {
		fetch = query.Limit
		if query.HasOpenTask != nil {
			fetch = 2*query.Limit + 16
		}
	}
	for {
		candidates, err := r.readMissedOpen(ctx, since, fetch)
		if err != nil {
			return nil, fmt.Errorf("history: missed calls: %w", err)
		}
		var missed []MissedCall
		for _, entry := range candidates {
			if query.HasOpenTask != nil && query.HasOpenTask(entry.Number) {
				continue
			}
			missed = append(missed, entry)
			if query.Limit > 0 && len(missed) == query.Limit {
				return missed, nil
			}
		}
		if fetch < 0 || len(candidates) < fetch {
			return missed, nil // all candidates seen
		}
		fetch = -1
	}
}

func (r *Repo) readMissedOpen(ctx context.Context, since int64, limit int) ([]MissedCall, error) {
	rows, err := r.stmts.query(ctx, missedOpenSQL, since, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []MissedCall
	for rows.Next() {
		var entry MissedCall
		var firstMissed sql.NullInt64
		call, _, err := scanCall(rows, &entry.Attempts, &firstMissed)
		if err != nil {
			return nil, err
		}
		entry.Call, entry.Number, entry.FirstMissedAt = call, callbackNumber(call), fromMillis(firstMissed)
		entries = append(entries, entry)
	}
	return entries, rows.Err()
}

// callbackNumber is the number a call is matched on: see the triggers.
func callbackNumber(call Call) string {
	if call.RemoteE164 != "" {
		return call.RemoteE164
	}
	return call.RemoteNumber
}
