package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// Repo stores call records. It holds all of the SQL for the calls table, so a
// different database backend only needs a different Repo. It is safe for
// concurrent use.
type Repo struct {
	db    *sql.DB
	stmts *stmtCache
	// commonNotesAt is the number of matches from which a notes search
	// walks the calls in order instead of sorting every match (see
	// Repo.notesAreCommon). A field so tests can force either plan.
	commonNotesAt int
}

// NewRepo returns a call-history repository on an opened (migrated) database.
func NewRepo(db *store.DB) *Repo {
	return &Repo{db: db.SQL(), stmts: newStmtCache(db.SQL()), commonNotesAt: defaultCommonNotesAt}
}

// rowid breaks ties between calls started in the same millisecond (or with
// unknown start) in favour of the one recorded last. (Statements over whole
// rows are built from callColumns, in columns.go.)
var recentCallsSQL = selectCallSQL + ` ORDER BY started_at DESC, rowid DESC LIMIT ?`

const (
	// MAX() keeps the heartbeat monotonic if two arrive out of order; the
	// result filter stops a heartbeat racing the hang-up from touching a
	// finished call.
	touchCallSQL = `UPDATE calls SET last_alive_at = MAX(COALESCE(last_alive_at, 0), ?)
WHERE id = ? AND result = ''`

	callExistsSQL = `SELECT EXISTS (SELECT 1 FROM calls WHERE id = ?)`

	// An interrupted call ended, at the earliest, at the last moment we know
	// it was alive: normally the last heartbeat, or the start when there was
	// none. Taking the latest known time (rather than last_alive_at alone)
	// keeps ended_at from falling before an answer recorded after the last
	// heartbeat, which would make TalkTime meaningless. An ended_at already
	// recorded wins; "now" is the fallback for a row with no times at all.
	markInterruptedSQL = `UPDATE calls SET
    result = 'interrupted',
    ended_at = COALESCE(
        ended_at,
        NULLIF(MAX(COALESCE(last_alive_at, 0), COALESCE(answered_at, 0), COALESCE(ringing_at, 0), COALESCE(started_at, 0)), 0),
        ?)
WHERE result = ''`
)

// Start records a new call. It is idempotent: starting an id that already
// exists changes nothing, so the phone may safely replay its "call started"
// event. Only a duplicate id is ignored; any other failure is reported. The
// read-only fields (Tags, CalledBackAt) are ignored.
func (r *Repo) Start(ctx context.Context, call Call) error {
	if err := call.validate(); err != nil {
		return fmt.Errorf("history: start: %w", err)
	}
	if _, err := r.stmts.exec(ctx, insertCallSQL, insertValues(&call)...); err != nil {
		return fmt.Errorf("history: start call %s: %w", call.ID, err)
	}
	return nil
}

// Update applies an event to a stored call: apply receives the stored record
// and sets only the fields the event knows about. The read, apply and write
// happen in one transaction, so concurrent events for the same call cannot
// lose each other's fields. Once a call has a final result, that outcome is
// kept (see keepFirstOutcome). The id and the read-only fields (Tags,
// CalledBackAt) cannot be changed. Only the columns that changed are
// written.
func (r *Repo) Update(ctx context.Context, id string, apply func(*Call)) (err error) {
	if apply == nil {
		return fmt.Errorf("history: update call %s: nil update function", id)
	}
	// Prepared before the transaction: see stmtCache.inTx.
	r.stmts.warm(ctx, getCallSQL)
	// The store begins write transactions IMMEDIATE, so this takes the write
	// lock up front and waits (busy_timeout) for it instead of failing when
	// it would otherwise have to upgrade from a read lock.
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: update call %s: begin: %w", id, err)
	}
	defer func() {
		if err != nil {
			// Rolling back an already failed transaction can only fail in
			// ways that add nothing to err.
			_ = tx.Rollback()
		}
	}()

	get, release, _, err := r.stmts.inTx(ctx, tx, getCallSQL)
	if err != nil {
		return fmt.Errorf("history: update call %s: %w", id, err)
	}
	defer release()
	stored, _, err := scanCall(get.QueryRowContext(ctx, id))
	if err != nil {
		return fmt.Errorf("history: update call %s: %w", id, err)
	}
	updated := stored
	apply(&updated)
	updated.ID = id
	updated.Tags, updated.CalledBackAt = stored.Tags, stored.CalledBackAt // read-only
	keepFirstOutcome(stored, &updated)
	if err = updated.validate(); err != nil {
		return fmt.Errorf("history: update: %w", err)
	}
	assignments, args := changedColumns(&stored, &updated)
	if assignments == "" {
		return tx.Commit() // nothing to write
	}

	updateSQL := "UPDATE calls SET " + assignments + " WHERE id = ?"
	update, releaseUpdate, cached, err := r.stmts.inTx(ctx, tx, updateSQL)
	if err != nil {
		return fmt.Errorf("history: update call %s: %w", id, err)
	}
	defer releaseUpdate()
	if _, err = update.ExecContext(ctx, append(args, id)...); err != nil {
		return fmt.Errorf("history: update call %s: %w", id, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("history: update call %s: commit: %w", id, err)
	}
	if !cached {
		r.stmts.warm(ctx, updateSQL) // for the next event of this kind
	}
	return nil
}

// Touch records that the call was still alive at the given time. The phone
// calls it periodically during a call; after a crash, the last heartbeat is
// where the call is assumed to have ended. Touching a finished call is a
// no-op; touching an unknown id returns ErrNotFound.
func (r *Repo) Touch(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("history: touch call %s: %w: zero time", id, ErrInvalidCall)
	}
	result, err := r.stmts.exec(ctx, touchCallSQL, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("history: touch call %s: %w", id, err)
	}
	changed, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("history: touch call %s: %w", id, err)
	}
	if changed > 0 {
		return nil
	}
	// Nothing changed: either the call is already final (fine) or it does
	// not exist (a bug in the caller worth reporting).
	var exists bool
	if err := r.stmts.queryRow(ctx, callExistsSQL, id).Scan(&exists); err != nil {
		return fmt.Errorf("history: touch call %s: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("history: touch call %s: %w", id, ErrNotFound)
	}
	return nil
}

// Get returns one call; the error wraps ErrNotFound if there is none.
func (r *Repo) Get(ctx context.Context, id string) (Call, error) {
	call, _, err := scanCall(r.stmts.queryRow(ctx, getCallSQL, id))
	if err != nil {
		return Call{}, fmt.Errorf("history: get call %s: %w", id, err)
	}
	return call, nil
}

// Recent returns up to limit calls, newest first (by start time).
func (r *Repo) Recent(ctx context.Context, limit int) ([]Call, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("history: recent calls: limit %d must be positive", limit)
	}
	rows, err := r.stmts.query(ctx, recentCallsSQL, limit)
	if err != nil {
		return nil, fmt.Errorf("history: recent calls: %w", err)
	}
	defer rows.Close()

	calls := make([]Call, 0, min(limit, 256))
	for rows.Next() {
		call, _, err := scanCall(rows)
		if err != nil {
			return nil, fmt.Errorf("history: recent calls: %w", err)
		}
		calls = append(calls, call)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: recent calls: %w", err)
	}
	return calls, nil
}

// MarkInterrupted closes every call that is still live, with result
// "interrupted". Call it once at start-up, before the phone takes calls: a
// live row at that point means the previous process was killed mid-call.
// The end time is the call's last sign of life (see markInterruptedSQL);
// now is used only for a row with no recorded time at all. It returns the
// number of calls closed.
//
// Only the process that owns the phone may call it: a second instance
// sharing the database would close the first instance's live calls.
func (r *Repo) MarkInterrupted(ctx context.Context, now time.Time) (int, error) {
	if now.IsZero() {
		return 0, fmt.Errorf("history: mark interrupted calls: %w: zero time", ErrInvalidCall)
	}
	result, err := r.db.ExecContext(ctx, markInterruptedSQL, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("history: mark interrupted calls: %w", err)
	}
	closed, err := result.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("history: mark interrupted calls: %w", err)
	}
	return int(closed), nil
}
