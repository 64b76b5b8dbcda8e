package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TaskView selects which tasks ListTasks shows.
type TaskView string

// TaskView values.
const (
	TasksOpen    TaskView = "open"    // every open task
	TasksDue     TaskView = "due"     // open and due by the end of today
	TasksOverdue TaskView = "overdue" // open and past due
	TasksClosed  TaskView = "closed"  // done or cancelled
)

// TaskFilter selects tasks for ListTasks; zero fields do not filter.
type TaskFilter struct {
	View      TaskView  `json:"view,omitempty"` // "" = TasksOpen
	Now       time.Time `json:"now,omitzero"`   // zero = the CRM's clock
	Assignee  string    `json:"assignee,omitempty"`
	ContactID int64     `json:"contact_id,omitempty"`
	Limit     int       `json:"limit,omitempty"` // 0 = 100
}

// ListTasks lists tasks, soonest due first (closed ones: latest closed
// first). "Today" ends at midnight in the configured time zone.
func (c *CRM) ListTasks(ctx context.Context, filter TaskFilter) ([]Task, error) {
	if filter.Now.IsZero() {
		filter.Now = c.now()
	}
	if filter.Limit == 0 {
		filter.Limit = 100
	}
	if filter.Limit < 0 {
		return nil, fmt.Errorf("crm: list tasks: %w: negative limit", ErrInvalid)
	}
	var conditions []string
	var args []any
	order := "t.due_at, t.id"
	switch filter.View {
	case "", TasksOpen:
		conditions = append(conditions, "t.status = 'open'")
	case TasksDue:
		local := filter.Now.In(c.location)
		endOfDay := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, c.location)
		conditions = append(conditions, "t.status = 'open'", "t.due_at < ?")
		args = append(args, endOfDay.UnixMilli())
	case TasksOverdue:
		conditions = append(conditions, "t.status = 'open'", "t.due_at < ?")
		args = append(args, filter.Now.UnixMilli())
	case TasksClosed:
		conditions = append(conditions, "t.status <> 'open'")
		order = "t.closed_at DESC, t.id DESC"
	default:
		return nil, fmt.Errorf("crm: list tasks: %w: view %q", ErrInvalid, filter.View)
	}
	if filter.Assignee != "" {
		conditions = append(conditions, "t.assignee = ?")
		args = append(args, filter.Assignee)
	}
	if filter.ContactID != 0 {
		conditions = append(conditions, "t.contact_id = ?")
		args = append(args, filter.ContactID)
	}
	query := selectTaskSQL + " WHERE " + strings.Join(conditions, " AND ") + " ORDER BY " + order + " LIMIT ?"
	tasks, err := queryTasks(ctx, c.db, query, append(args, filter.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("crm: list tasks: %w", err)
	}
	return tasks, nil
}

func queryTasks(ctx context.Context, q querier, query string, args ...any) ([]Task, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTask)
}

// CompleteTask marks an open task done.
func (c *CRM) CompleteTask(ctx context.Context, id int64) error {
	return c.closeTask(ctx, id, TaskDone)
}

// CancelTask marks an open task cancelled.
func (c *CRM) CancelTask(ctx context.Context, id int64) error {
	return c.closeTask(ctx, id, TaskCancelled)
}

func (c *CRM) closeTask(ctx context.Context, id int64, status TaskStatus) error {
	now := c.now().UnixMilli()
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireOpenTask(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tasks SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?`,
			string(status), now, now, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: %s task %d: %w", status, id, err)
	}
	return nil
}

// SnoozeTask moves an open task's due time to until and records the
// snooze. The task will raise task.due again when the new time comes.
func (c *CRM) SnoozeTask(ctx context.Context, id int64, until time.Time) error {
	now := c.now()
	if !until.After(now) {
		return fmt.Errorf("crm: snooze task %d: %w: %v is not in the future", id, ErrInvalid, until)
	}
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		var dueAt int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT due_at, status FROM tasks WHERE id = ?`, id).Scan(&dueAt, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("task %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if TaskStatus(status) != TaskOpen {
			return fmt.Errorf("task %d is %s: %w", id, status, ErrClosed)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_snoozes (task_id, from_due_at, to_due_at, snoozed_at, operator)
VALUES (?, ?, ?, ?, ?)`, id, dueAt, until.UnixMilli(), now.UnixMilli(), c.settings.CurrentOperator); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tasks SET due_at = ?, notified_at = NULL, updated_at = ? WHERE id = ?`,
			until.UnixMilli(), now.UnixMilli(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: snooze task %d: %w", id, err)
	}
	return nil
}

// StartCallback records that callID is the call placed to carry out an
// open task, so that TaskForCall can offer closing the task when that call
// ends. Dial Task.DialNumber.
func (c *CRM) StartCallback(ctx context.Context, taskID int64, callID string) error {
	if strings.TrimSpace(callID) == "" {
		return fmt.Errorf("crm: start callback for task %d: %w: empty call id", taskID, ErrInvalid)
	}
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireOpenTask(ctx, tx, taskID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO task_calls (call_id, task_id, linked_at) VALUES (?, ?, ?)
ON CONFLICT (call_id) DO UPDATE SET task_id = excluded.task_id`, callID, taskID, c.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: start callback for task %d: %w", taskID, err)
	}
	return nil
}

// TaskForCall returns the task a call was placed for, if any.
func (c *CRM) TaskForCall(ctx context.Context, callID string) (Task, bool, error) {
	task, err := scanTask(c.db.QueryRowContext(ctx, selectTaskSQL+`
WHERE t.id = (SELECT task_id FROM task_calls WHERE call_id = ?)`, callID))
	if errors.Is(err, sql.ErrNoRows) {
		return Task{}, false, nil
	}
	if err != nil {
		return Task{}, false, fmt.Errorf("crm: task for call %s: %w", callID, err)
	}
	return task, true, nil
}

func requireOpenTask(ctx context.Context, q querier, id int64) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM tasks WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if TaskStatus(status) != TaskOpen {
		return fmt.Errorf("task %d is %s: %w", id, status, ErrClosed)
	}
	return nil
}

// OpenTaskNumbers lists the numbers that have an open task: the number key,
// or the number as written when it has none; a task for a contact without a
// number covers all of the contact's numbers. The history leaves them off
// its "missed and not called back" list, since somebody is already on it.
func (c *CRM) OpenTaskNumbers(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT CASE WHEN number_key <> '' THEN number_key ELSE number_raw END
FROM tasks WHERE status = 'open' AND (number_key <> '' OR number_raw <> '')
UNION
SELECT n.number_key FROM tasks t JOIN contact_numbers n ON n.contact_id = t.contact_id
WHERE t.status = 'open' AND t.number_key = '' AND t.number_raw = ''`)
	if err != nil {
		return nil, fmt.Errorf("crm: numbers with open tasks: %w", err)
	}
	numbers, err := scanAll(rows, func(row rowScanner) (string, error) {
		var number string
		return number, row.Scan(&number)
	})
	if err != nil {
		return nil, fmt.Errorf("crm: numbers with open tasks: %w", err)
	}
	return numbers, nil
}
