package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventTaskDue is the name of the event raised for a due task.
const EventTaskDue = "task.due"

// TaskDue is the payload of a task.due event.
type TaskDue struct {
	Task Task `json:"task"`
	// Overdue is true when the task fell due while nobody was watching
	// (the program was not running, or the machine slept), so the UI can
	// say "overdue" rather than "now".
	Overdue bool `json:"overdue"`
}

// Clock is the time source of a DueWatcher, injectable for tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// DefaultDuePollInterval is how often a DueWatcher looks for new tasks at
// the latest; it sleeps exactly until the next known due time when that
// is sooner.
const DefaultDuePollInterval = time.Second

// dueBatchSize bounds how many tasks one transaction claims.
const dueBatchSize = 100

// DueWatcher raises task.due once per task when its time comes, also for
// tasks that fell due while the program was not running (on the next
// start, marked Overdue).
//
// Exactly once: a task is claimed by setting notified_at in a transaction,
// and notify is called inside that transaction, before it commits. A crash
// before the commit rolls the claim back and the next start notifies again
// (the UI that would have shown it died too); once committed, no later run
// or second watcher sees the task. Snoozing clears notified_at so the task
// is raised again at its new time.
type DueWatcher struct {
	crm      *CRM
	clock    Clock
	interval time.Duration
	started  time.Time
}

// NewDueWatcher returns a watcher; tasks that fell due before this moment
// are reported as overdue. clock nil means SystemClock; interval 0 means
// DefaultDuePollInterval. Create it at start-up, before the first Poll or
// Run. Poll and Run may run concurrently (each claim is its own
// transaction).
func (c *CRM) NewDueWatcher(clock Clock, interval time.Duration) *DueWatcher {
	if clock == nil {
		clock = SystemClock{}
	}
	if interval <= 0 {
		interval = DefaultDuePollInterval
	}
	return &DueWatcher{crm: c, clock: clock, interval: interval, started: clock.Now()}
}

// Run raises task.due through notify until ctx ends, and returns nil then.
// notify runs inside the claiming transaction and must return quickly
// without touching the CRM's database (hand the event to a channel or an
// event bus): the transaction holds the write lock.
func (w *DueWatcher) Run(ctx context.Context, notify func(TaskDue)) error {
	if notify == nil {
		return fmt.Errorf("crm: due watcher: %w: nil notify", ErrInvalid)
	}
	for {
		if _, err := w.Poll(ctx, notify); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wait, err := w.untilNext(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.clock.After(wait):
		}
	}
}

// Poll raises task.due for every task due now and returns how many. Run
// calls it; it is exported for tests and for a UI that wants to check at
// once (after the user added a task due immediately).
func (w *DueWatcher) Poll(ctx context.Context, notify func(TaskDue)) (int, error) {
	total := 0
	for {
		claimed, err := w.claimBatch(ctx, notify)
		total += claimed
		if err != nil {
			return total, fmt.Errorf("crm: due watcher: %w", err)
		}
		if claimed < dueBatchSize {
			return total, nil
		}
	}
}

func (w *DueWatcher) claimBatch(ctx context.Context, notify func(TaskDue)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Once notify has been called the claim must commit, even if ctx ends
	// meanwhile (the program is shutting down): database/sql would roll a
	// transaction back on cancellation, and the task would be raised again
	// on the next start although the user has seen it.
	ctx = context.WithoutCancel(ctx)
	now := w.clock.Now()
	claimed := 0
	err := w.crm.inTx(ctx, func(tx *sql.Tx) error {
		// INDEXED BY: the partial index holds only pending tasks, while the
		// planner, without statistics, would walk every open task.
		tasks, err := queryTasks(ctx, tx, strings.Replace(selectTaskSQL, "FROM tasks t", "FROM tasks t INDEXED BY tasks_pending_due", 1)+`
WHERE t.status = 'open' AND t.notified_at IS NULL AND t.due_at <= ?
ORDER BY t.due_at, t.id
LIMIT ?`, now.UnixMilli(), dueBatchSize)
		if err != nil || len(tasks) == 0 {
			return err
		}
		for i := range tasks {
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET notified_at = ? WHERE id = ? AND notified_at IS NULL`,
				now.UnixMilli(), tasks[i].ID); err != nil {
				return err
			}
			tasks[i].NotifiedAt = time.UnixMilli(now.UnixMilli()).UTC()
		}
		for _, task := range tasks {
			notify(TaskDue{Task: task, Overdue: w.overdue(task, now)})
		}
		claimed = len(tasks)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return claimed, nil
}

// overdue: the task fell due before this watcher started, or so long ago
// that the watcher cannot have been running normally (the machine slept).
func (w *DueWatcher) overdue(task Task, now time.Time) bool {
	return task.DueAt.Before(w.started) || now.Sub(task.DueAt) > 2*w.interval+time.Second
}

// untilNext is how long to sleep: until the next pending task is due, but
// no longer than the interval, so tasks added meanwhile are seen.
func (w *DueWatcher) untilNext(ctx context.Context) (time.Duration, error) {
	var next sql.NullInt64
	err := w.crm.db.QueryRowContext(ctx, `SELECT min(due_at) FROM tasks INDEXED BY tasks_pending_due
WHERE status = 'open' AND notified_at IS NULL`).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("crm: due watcher: %w", err)
	}
	if !next.Valid {
		return w.interval, nil
	}
	wait := time.UnixMilli(next.Int64).Sub(w.clock.Now())
	return max(0, min(wait, w.interval)), nil
}
