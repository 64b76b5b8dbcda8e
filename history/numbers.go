package history

import (
	"context"
	"fmt"
)

// backfillBatch is how many distinct numbers one backfill transaction
// updates: small enough that the phone's own writes never wait long for the
// write lock.
const backfillBatch = 200

const (
	unnormalisedNumbersSQL = `SELECT DISTINCT remote_number FROM calls WHERE remote_e164 = '' AND remote_number <> ''`
	setE164SQL             = `UPDATE calls SET remote_e164 = ? WHERE remote_number = ? AND remote_e164 = ''`
)

// BackfillE164 fills RemoteE164 for calls recorded without it (before the
// CRM had a normaliser, or before the column existed), using the caller's
// normaliser, which returns "" for a number it cannot normalise. Those
// calls then take part in LinkContact and in the call-back matching (the
// triggers re-evaluate them). It returns the number of calls updated. Safe
// to run again: it only looks at calls still without a normalised number.
func (r *Repo) BackfillE164(ctx context.Context, normalise func(raw string) string) (int, error) {
	if normalise == nil {
		return 0, fmt.Errorf("history: backfill e164: nil normaliser")
	}
	var numbers []string
	rows, err := r.stmts.query(ctx, unnormalisedNumbersSQL)
	if err != nil {
		return 0, fmt.Errorf("history: backfill e164: %w", err)
	}
	for rows.Next() {
		var number string
		if err := rows.Scan(&number); err != nil {
			rows.Close()
			return 0, fmt.Errorf("history: backfill e164: %w", err)
		}
		numbers = append(numbers, number)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("history: backfill e164: %w", err)
	}

	updated := 0
	for start := 0; start < len(numbers); start += backfillBatch {
		changed, err := r.setE164Batch(ctx, numbers[start:min(start+backfillBatch, len(numbers))], normalise)
		updated += changed
		if err != nil {
			return updated, fmt.Errorf("history: backfill e164: %w", err)
		}
	}
	return updated, nil
}

func (r *Repo) setE164Batch(ctx context.Context, numbers []string, normalise func(string) string) (changed int, err error) {
	r.stmts.warm(ctx, setE164SQL) // before the transaction: see stmtCache.inTx
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			changed = 0
		}
	}()
	set, release, _, err := r.stmts.inTx(ctx, tx, setE164SQL)
	if err != nil {
		return 0, err
	}
	defer release()
	for _, number := range numbers {
		e164 := normalise(number)
		if e164 == "" {
			continue
		}
		result, err := set.ExecContext(ctx, e164, number)
		if err != nil {
			return 0, err
		}
		n, err := result.RowsAffected()
		if err != nil {
			return 0, err
		}
		changed += int(n)
	}
	return changed, tx.Commit()
}
