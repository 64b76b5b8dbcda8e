package history

import (
	"context"
	"encoding/json"
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
// 0003_history.sql), so the list is read from a partial index that holds
// only the open missed calls, and the rule holds for every writer of the
// table.
//
// Open CRM tasks: a number with an open task is being dealt with and is left
// off the list (and out of the statistics' count). The tasks table belongs
// to package crm, which history does not import, and its schema is not
// history's to rely on; so the caller passes the numbers that have an open
// task. A set rather than a predicate: the statistics can then subtract the
// few task numbers' calls instead of testing every open missed call, and
// history never calls back into the CRM while it holds a connection of the
// pool both share.

// CallbackQuery asks for the missed calls not called back.
type CallbackQuery struct {
	// Since leaves out missed calls that started before it (they neither
	// list a number nor count as attempts); zero: no limit.
	Since time.Time
	// OpenTaskNumbers are the numbers (as MissedCall.Number: the E.164 form,
	// or the raw number when it could not be normalised) with an open CRM
	// task; they are left off the list.
	OpenTaskNumbers []string
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

// MarshalJSON keeps the call under "call": without it, the embedded Call's
// own MarshalJSON would be promoted and the other fields lost.
func (m MissedCall) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Call          Call      `json:"call"`
		Number        string    `json:"number"`
		Attempts      int       `json:"attempts"`
		FirstMissedAt time.Time `json:"first_missed_at"`
	}{m.Call, m.Number, m.Attempts, m.FirstMissedAt})
}

const (
	// missedOpenWalkSQL walks the open missed calls newest first through
	// the partial index, which carries the number: no table reads.
	// INDEXED BY: the planner would rather walk calls_result over every
	// missed call of the period.
	missedOpenWalkSQL = `SELECT started_at, remote_e164, remote_number
FROM calls INDEXED BY calls_missed_open_time
WHERE direction = 'in' AND result = 'missed' AND called_back_at IS NULL AND started_at >= ?
  AND (remote_e164 <> '' OR remote_number <> '')
ORDER BY started_at DESC, rowid DESC`

	// The attempts of one number, when the walk stopped before its oldest.
	missedAttemptsE164SQL = `SELECT count(*), min(started_at) FROM calls INDEXED BY calls_missed_open
WHERE remote_e164 = ? AND direction = 'in' AND result = 'missed' AND called_back_at IS NULL AND started_at >= ?`
	missedAttemptsRawSQL = `SELECT count(*), min(started_at) FROM calls INDEXED BY calls_missed_open
WHERE remote_e164 = '' AND remote_number = ? AND direction = 'in' AND result = 'missed' AND called_back_at IS NULL
  AND started_at >= ?`
)

// The newest call of each listed number, fetched by number and start time
// in one statement: ?1 is a JSON array of [e164, raw, started_at].
var missedNewestSQL = `SELECT ` + callSelectList + `
FROM json_each(?1) AS wanted CROSS JOIN calls INDEXED BY calls_missed_open
  ON calls.remote_e164 = wanted.value ->> 0 AND (calls.remote_e164 <> '' OR calls.remote_number = wanted.value ->> 1)
 AND calls.started_at = wanted.value ->> 2
WHERE calls.direction = 'in' AND calls.result = 'missed' AND calls.called_back_at IS NULL
ORDER BY calls.started_at DESC, calls.rowid DESC`

// openNumber is one number of the to-do list being assembled.
type openNumber struct {
	e164, raw     string
	newest, first int64
	attempts      int
}

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
	numbers, complete, err := r.walkOpenMissed(ctx, since, query.Limit, stringSet(query.OpenTaskNumbers))
	if err != nil {
		return nil, fmt.Errorf("history: missed calls: %w", err)
	}
	if !complete {
		// The walk stopped at the page's last number; older attempts of the
		// listed numbers were not seen.
		for _, number := range numbers {
			if err := r.countAttempts(ctx, number, since); err != nil {
				return nil, fmt.Errorf("history: missed calls: %w", err)
			}
		}
	}
	missed, err := r.newestMissed(ctx, numbers)
	if err != nil {
		return nil, fmt.Errorf("history: missed calls: %w", err)
	}
	return missed, nil
}

// walkOpenMissed collects the numbers newest first, up to limit (0: all).
// complete reports whether every open missed call since since was seen.
func (r *Repo) walkOpenMissed(ctx context.Context, since int64, limit int, openTasks map[string]bool) (numbers []*openNumber, complete bool, err error) {
	rows, err := r.stmts.query(ctx, missedOpenWalkSQL, since)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	byKey := map[string]*openNumber{}
	for rows.Next() {
		var number openNumber
		var startedAt int64
		if err := rows.Scan(&startedAt, &number.e164, &number.raw); err != nil {
			return nil, false, err
		}
		key := numberKey(number.e164, number.raw)
		if seen := byKey[key]; seen != nil {
			seen.attempts++
			seen.first = startedAt
			continue
		}
		if openTasks[callbackNumber(Call{RemoteE164: number.e164, RemoteNumber: number.raw})] {
			continue
		}
		if limit > 0 && len(numbers) == limit {
			return numbers, false, nil
		}
		number.newest, number.first, number.attempts = startedAt, startedAt, 1
		byKey[key] = &number
		numbers = append(numbers, &number)
	}
	return numbers, true, rows.Err()
}

func (r *Repo) countAttempts(ctx context.Context, number *openNumber, since int64) error {
	query, args := missedAttemptsE164SQL, []any{number.e164, since}
	if number.e164 == "" {
		query, args = missedAttemptsRawSQL, []any{number.raw, since}
	}
	return r.stmts.queryRow(ctx, query, args...).Scan(&number.attempts, &number.first)
}

// newestMissed reads the full record of each number's newest missed call.
func (r *Repo) newestMissed(ctx context.Context, numbers []*openNumber) ([]MissedCall, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	wanted := make([][3]any, len(numbers))
	byKey := map[string]*openNumber{}
	for i, number := range numbers {
		wanted[i] = [3]any{number.e164, number.raw, number.newest}
		byKey[numberKey(number.e164, number.raw)] = number
	}
	encoded, err := json.Marshal(wanted)
	if err != nil {
		return nil, err
	}
	missed := make([]MissedCall, 0, len(numbers))
	err = r.queryCalls(ctx, missedNewestSQL, []any{string(encoded)}, func(call Call, _ int64) {
		key := numberKey(call.RemoteE164, call.RemoteNumber)
		number := byKey[key]
		if number == nil || number.newest != call.StartedAt.UnixMilli() {
			return
		}
		// Two open missed calls of one number in the same millisecond: the
		// first (the later recorded) wins, as in the walk.
		delete(byKey, key)
		missed = append(missed, MissedCall{Call: call, Number: callbackNumber(call),
			Attempts: number.attempts, FirstMissedAt: time.UnixMilli(number.first).UTC()})
	})
	return missed, err
}

// numberKey tells numbers apart as the call-back rule does: by E.164 when
// known, else by the raw number (in a namespace of its own).
func numberKey(e164, raw string) string {
	if e164 != "" {
		return "e164:" + e164
	}
	return "raw:" + raw
}

// callbackNumber is the number a call is matched on: see the triggers.
func callbackNumber(call Call) string {
	if call.RemoteE164 != "" {
		return call.RemoteE164
	}
	return call.RemoteNumber
}

func stringSet(values []string) map[string]bool {
	set := make(map[string]bool, len(values))
	for _, value := range values {
		set[value] = true
	}
	return set
}
