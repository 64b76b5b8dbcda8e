package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TaskStatus is a task's life-cycle state.
type TaskStatus string

// TaskStatus values.
const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// Task kinds.
const (
	TaskCallback = "callback"  // call someone back
	TaskFollowUp = "follow_up" // anything else to do later
)

// CallbackPresets are the quick choices "call back in 10, 30 or 60
// minutes" offered on a call or card.
func CallbackPresets() []time.Duration {
	return []time.Duration{10 * time.Minute, 30 * time.Minute, 60 * time.Minute}
}

// Task is a callback reminder or follow-up.
type Task struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	DueAt        time.Time  `json:"due_at"`
	ContactID    int64      `json:"contact_id,omitempty"`
	ContactName  string     `json:"contact_name,omitempty"`
	CaseID       int64      `json:"case_id,omitempty"`
	NumberRaw    string     `json:"number_raw,omitempty"`
	DialNumber   string     `json:"dial_number,omitempty"` // the task's number, else the contact's first
	SourceCallID string     `json:"source_call_id,omitempty"`
	Note         string     `json:"note,omitempty"`
	Assignee     string     `json:"assignee,omitempty"`
	Status       TaskStatus `json:"status"`
	NotifiedAt   time.Time  `json:"notified_at,omitzero"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ClosedAt     time.Time  `json:"closed_at,omitzero"`
	Snoozes      []Snooze   `json:"snoozes,omitempty"` // filled by GetTask only
}

// Overdue reports whether an open task's time has passed.
func (t Task) Overdue(now time.Time) bool { return t.Status == TaskOpen && t.DueAt.Before(now) }

// Snooze is one postponement of a task.
type Snooze struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	At       time.Time `json:"at"`
	Operator string    `json:"operator,omitempty"`
}

// TaskInput is a new task. It needs a contact, a number or a case, and a
// due time: DueAt, or In from now ("in 10 minutes").
type TaskInput struct {
	Kind         string        `json:"kind,omitempty"` // "" = callback
	ContactID    int64         `json:"contact_id,omitempty"`
	CaseID       int64         `json:"case_id,omitempty"`
	Number       string        `json:"number,omitempty"` // any format
	SourceCallID string        `json:"source_call_id,omitempty"`
	Note         string        `json:"note,omitempty"`
	Assignee     string        `json:"assignee,omitempty"` // "" = the current operator
	DueAt        time.Time     `json:"due_at,omitzero"`
	In           time.Duration `json:"in,omitempty"`
	CreatedBy    string        `json:"created_by,omitempty"`
}

type validTask struct {
	input     TaskInput
	numberKey string
}

func (c *CRM) validateTask(input TaskInput, now time.Time) (validTask, error) {
	if input.Kind == "" {
		input.Kind = TaskCallback
	}
	if input.Kind != TaskCallback && input.Kind != TaskFollowUp {
		return validTask{}, fmt.Errorf("%w: task kind %q, want callback or follow_up", ErrInvalid, input.Kind)
	}
	if input.DueAt.IsZero() {
		if input.In < 0 {
			return validTask{}, fmt.Errorf("%w: task due in %v, in the past", ErrInvalid, input.In)
		}
		input.DueAt = now.Add(input.In)
	}
	if input.Assignee == "" {
		input.Assignee = c.settings.CurrentOperator
	}
	if input.CreatedBy == "" {
		input.CreatedBy = c.settings.CurrentOperator
	}
	for _, field := range [...]struct{ name, value string }{
		{"note", input.Note}, {"assignee", input.Assignee}, {"source call", input.SourceCallID},
		{"created by", input.CreatedBy}, {"number", input.Number},
	} {
		if err := checkText(field.name, field.value); err != nil {
			return validTask{}, err
		}
	}
	if len(input.Note) > maxCommentBytes || len(input.Assignee) > maxShortText {
		return validTask{}, fmt.Errorf("%w: note or assignee too long", ErrInvalid)
	}
	valid := validTask{input: input}
	if strings.TrimSpace(input.Number) != "" {
		number := c.numbers.Normalize(input.Number)
		if !number.Valid() {
			return validTask{}, fmt.Errorf("%w: %q", ErrInvalidNumber, input.Number)
		}
		valid.input.Number = strings.TrimSpace(input.Number)
		valid.numberKey = number.Key
	}
	if input.ContactID == 0 && valid.numberKey == "" && input.CaseID == 0 {
		return validTask{}, fmt.Errorf("%w: a task needs a contact, a number or a case", ErrInvalid)
	}
	return valid, nil
}

// AddTask stores a new task. A task with only a number is linked to the
// number's first contact, if there is one.
func (c *CRM) AddTask(ctx context.Context, input TaskInput) (Task, error) {
	valid, err := c.validateTask(input, c.now())
	if err != nil {
		return Task{}, fmt.Errorf("crm: add task: %w", err)
	}
	var id int64
	err = c.inTx(ctx, func(tx *sql.Tx) error {
		id, err = c.insertTask(ctx, tx, valid)
		return err
	})
	if err != nil {
		return Task{}, fmt.Errorf("crm: add task: %w", err)
	}
	return c.GetTask(ctx, id)
}

func (c *CRM) insertTask(ctx context.Context, q querier, valid validTask) (int64, error) {
	input := valid.input
	if input.ContactID == 0 && valid.numberKey != "" {
		contactID, err := c.firstContactFor(ctx, q, c.numbers.Normalize(input.Number))
		if err != nil {
			return 0, err
		}
		input.ContactID = contactID
	} else if input.ContactID != 0 {
		if err := requireContact(ctx, q, input.ContactID); err != nil {
			return 0, err
		}
	}
	now := c.now().UnixMilli()
	result, err := q.ExecContext(ctx, `INSERT INTO tasks (kind, due_at, contact_id, case_id, number_raw, number_key,
    source_call_id, note, assignee, status, created_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
		input.Kind, input.DueAt.UnixMilli(), nullID(input.ContactID), nullID(input.CaseID), input.Number, valid.numberKey,
		input.SourceCallID, input.Note, input.Assignee, input.CreatedBy, now, now)
	if err != nil {
		return 0, err
	}
	return result.LastInsertId()
}

const selectTaskSQL = `SELECT t.id, t.kind, t.due_at, COALESCE(t.contact_id, 0), COALESCE(c.name, ''), COALESCE(t.case_id, 0),
       t.number_raw,
       COALESCE(NULLIF(t.number_raw, ''),
                (SELECT n.raw FROM contact_numbers n WHERE n.contact_id = t.contact_id ORDER BY n.position, n.id LIMIT 1), ''),
       t.source_call_id, t.note, t.assignee, t.status, t.notified_at, t.created_by, t.created_at, t.updated_at, t.closed_at
FROM tasks t LEFT JOIN contacts c ON c.id = t.contact_id`

func scanTask(row rowScanner) (Task, error) {
	var task Task
	var dueAt, notifiedAt, createdAt, updatedAt, closedAt sql.NullInt64
	err := row.Scan(&task.ID, &task.Kind, &dueAt, &task.ContactID, &task.ContactName, &task.CaseID, &task.NumberRaw,
		&task.DialNumber, &task.SourceCallID, &task.Note, &task.Assignee, &task.Status, &notifiedAt, &task.CreatedBy,
		&createdAt, &updatedAt, &closedAt)
	if err != nil {
		return Task{}, err
	}
	task.DueAt = fromMillis(dueAt)
	task.NotifiedAt = fromMillis(notifiedAt)
	task.CreatedAt = fromMillis(createdAt)
	task.UpdatedAt = fromMillis(updatedAt)
	task.ClosedAt = fromMillis(closedAt)
	return task, nil
}

// GetTask returns a task with its snooze history.
func (c *CRM) GetTask(ctx context.Context, id int64) (Task, error) {
	task, err := scanTask(c.db.QueryRowContext(ctx, selectTaskSQL+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Task{}, fmt.Errorf("crm: get task %d: %w", id, err)
	}
	if task.Snoozes, err = c.loadSnoozes(ctx, id); err != nil {
		return Task{}, fmt.Errorf("crm: get task %d: %w", id, err)
	}
	return task, nil
}

func (c *CRM) loadSnoozes(ctx context.Context, taskID int64) ([]Snooze, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT from_due_at, to_due_at, snoozed_at, operator
FROM task_snoozes WHERE task_id = ? ORDER BY id`, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var snoozes []Snooze
	for rows.Next() {
		var snooze Snooze
		var from, to, at int64
		if err := rows.Scan(&from, &to, &at, &snooze.Operator); err != nil {
			return nil, err
		}
		snooze.From, snooze.To, snooze.At = time.UnixMilli(from).UTC(), time.UnixMilli(to).UTC(), time.UnixMilli(at).UTC()
		snoozes = append(snoozes, snooze)
	}
	return snoozes, rows.Err()
}
