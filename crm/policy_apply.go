package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/crm/numbers"
)

// Call directions: the same strings as package history uses.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// CallOutcome is what the engine knows about a call when it ends.
type CallOutcome struct {
	CallID       string    `json:"call_id"`
	Direction    string    `json:"direction"`              // DirectionIn or DirectionOut
	Number       string    `json:"number"`                 // the remote number, as received or dialled
	DialledLine  string    `json:"dialled_line,omitempty"` // the line (DID) an incoming call came to
	Answered     bool      `json:"answered"`
	Operator     string    `json:"operator,omitempty"`      // who answered (or placed) the call
	LastOperator string    `json:"last_operator,omitempty"` // who had it last, after transfers
	At           time.Time `json:"at"`                      // when the call started; zero = now
}

// Why ApplyCallPolicies did nothing for a call.
const (
	SkippedInvalidNumber = "invalid_number" // anonymous or unreadable caller
	SkippedInternal      = "internal"       // a colleague's extension
	SkippedBlacklisted   = "blacklisted"
)

// PolicyResult says what ApplyCallPolicies did.
type PolicyResult struct {
	CallID string `json:"call_id"`
	// Replayed is true when the call had been handled before; the result
	// is the one recorded then and nothing new was created.
	Replayed       bool   `json:"replayed"`
	Known          bool   `json:"known"` // the number belonged to a contact already
	ContactID      int64  `json:"contact_id,omitempty"`
	ContactCreated bool   `json:"contact_created"`
	CaseID         int64  `json:"case_id,omitempty"`
	CaseCreated    bool   `json:"case_created"`
	TaskID         int64  `json:"task_id,omitempty"`
	TaskCreated    bool   `json:"task_created"` // false with a TaskID: an open callback task was reused
	Skipped        string `json:"skipped,omitempty"`
}

// ApplyCallPolicies runs the configured policies for a finished call, in
// one transaction, and links the call to its contact. It is idempotent per
// call id: replaying a call returns the first result and creates nothing.
func (c *CRM) ApplyCallPolicies(ctx context.Context, outcome CallOutcome) (PolicyResult, error) {
	outcome.CallID = strings.TrimSpace(outcome.CallID)
	if outcome.CallID == "" {
		return PolicyResult{}, fmt.Errorf("crm: apply call policies: %w: empty call id", ErrInvalid)
	}
	if outcome.Direction != DirectionIn && outcome.Direction != DirectionOut {
		return PolicyResult{}, fmt.Errorf("crm: apply call policies to %s: %w: direction %q", outcome.CallID, ErrInvalid, outcome.Direction)
	}
	if outcome.At.IsZero() {
		outcome.At = c.now()
	}
	number := c.numbers.Normalize(outcome.Number)
	result := PolicyResult{CallID: outcome.CallID}
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		replayed, found, err := loadPolicyRun(ctx, tx, outcome.CallID)
		if err != nil || found {
			result = replayed
			return err
		}
		if _, err := c.indexNewCalls(ctx, tx); err != nil {
			return err
		}
		if err := c.applyPolicies(ctx, tx, outcome, number, &result); err != nil {
			return err
		}
		if err := indexCall(ctx, tx, outcome.CallID, number, result.ContactID); err != nil {
			return err
		}
		if err := linkCallRecords(ctx, tx, outcome.CallID, result.CaseID, result.TaskID); err != nil {
			return err
		}
		return savePolicyRun(ctx, tx, result, c.now())
	})
	if err != nil {
		return PolicyResult{}, fmt.Errorf("crm: apply call policies to %s: %w", outcome.CallID, err)
	}
	return result, nil
}

func (c *CRM) applyPolicies(ctx context.Context, tx *sql.Tx, outcome CallOutcome, number numbers.Number, result *PolicyResult) error {
	switch {
	case !number.Valid():
		result.Skipped = SkippedInvalidNumber
		return nil
	case number.Kind == numbers.KindInternal:
		result.Skipped = SkippedInternal
		return nil
	}
	contactID, err := c.firstContactFor(ctx, tx, number)
	if err != nil {
		return err
	}
	result.Known, result.ContactID = contactID != 0, contactID
	// A blocked caller gets no contact, case or callback, known or not;
	// the call is still linked to its contact.
	if _, blocked, err := c.isBlocked(ctx, tx, number, outcome.At); err != nil || blocked {
		if blocked {
			result.Skipped = SkippedBlacklisted
		}
		return err
	}
	if result.Known {
		return c.applyKnownPolicies(ctx, tx, outcome, number, result)
	}
	return c.applyUnknownPolicies(ctx, tx, outcome, number, result)
}

func (c *CRM) applyKnownPolicies(ctx context.Context, tx *sql.Tx, outcome CallOutcome, number numbers.Number, result *PolicyResult) error {
	var responsible string
	if err := tx.QueryRowContext(ctx, `SELECT responsible FROM contacts WHERE id = ?`, result.ContactID).Scan(&responsible); err != nil {
		return err
	}
	if responsible == "" {
		responsible = c.responsibleFor(outcome)
	}
	if outcome.Direction != DirectionIn {
		return nil
	}
	if outcome.DialledLine != "" {
		// The source line is the line of the contact's first call.
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET source_line = ? WHERE id = ? AND source_line = ''`,
			outcome.DialledLine, result.ContactID); err != nil {
			return err
		}
	}
	if !outcome.Answered {
		return c.missedCallback(ctx, tx, outcome, number, result, responsible)
	}
	repeat := c.settings.Policy.RepeatCall
	switch repeat.Mode {
	case RepeatAlways:
	case RepeatIfNoneOpen:
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE contact_id = ? AND state = 'open'`,
			result.ContactID).Scan(&open); err != nil || open > 0 {
			return err
		}
	default:
		return nil
	}
	return c.createCallCase(ctx, tx, outcome, repeat.CaseKind, repeat.CaseStatus, result, responsible)
}

func (c *CRM) applyUnknownPolicies(ctx context.Context, tx *sql.Tx, outcome CallOutcome, number numbers.Number, result *PolicyResult) error {
	policy, callWord := c.unknownPolicyFor(outcome)
	responsible := c.responsibleFor(outcome)
	if policy.Create == CreateContact || policy.Create == CreateContactAndCase {
		sourceLine := ""
		if outcome.Direction == DirectionIn {
			sourceLine = outcome.DialledLine
		}
		valid, err := c.validateContact(ContactInput{
			Name:        fmt.Sprintf("%s (%s, %s)", c.phrases().newContact, c.clockStamp(outcome.At), callWord),
			Numbers:     []PhoneInput{{Number: outcome.Number}},
			Responsible: responsible,
			SourceLine:  sourceLine,
			CreatedBy:   AutoCreator,
		})
		if err != nil {
			return err
		}
		if result.ContactID, err = c.insertContact(ctx, tx, valid); err != nil {
			return err
		}
		result.ContactCreated = true
		if policy.Create == CreateContactAndCase {
			if err := c.createCallCase(ctx, tx, outcome, policy.CaseKind, policy.CaseStatus, result, responsible); err != nil {
				return err
			}
		}
	}
	if outcome.Direction != DirectionIn || outcome.Answered {
		return nil
	}
	missed := c.settings.Policy.Missed
	if missed.CreateLead && !result.CaseCreated {
		kind, status, err := c.settings.caseTemplate(c.settings.leadKind(), missed.LeadStatus)
		if err != nil {
			return err
		}
		if err := c.createCase(ctx, tx, CaseInput{
			Kind: kind, Status: status, Title: c.phrases().unknownLead, Comment: c.phrases().missedComment,
			ContactID: result.ContactID, Number: outcome.Number, Responsible: responsible,
			SourceCallID: outcome.CallID, CreatedBy: AutoCreator,
		}, result); err != nil {
			return err
		}
	}
	return c.missedCallback(ctx, tx, outcome, number, result, responsible)
}

// unknownPolicyFor picks the policy for this kind of call, and the words
// naming the call in a generated contact name.
func (c *CRM) unknownPolicyFor(outcome CallOutcome) (UnknownNumberPolicy, string) {
	policy, words := c.settings.Policy, c.phrases()
	switch {
	case outcome.Direction == DirectionOut:
		return policy.OutgoingUnknown, words.outgoingCall
	case outcome.Answered:
		return policy.AnsweredUnknown, words.incomingCall
	default:
		return policy.MissedUnknown, words.missedCall
	}
}

// responsibleFor is who answered, or after a transfer (by the switch) who
// had the call last, or else the current operator.
func (c *CRM) responsibleFor(outcome CallOutcome) string {
	operator := strings.TrimSpace(outcome.Operator)
	if last := strings.TrimSpace(outcome.LastOperator); c.settings.Policy.ResponsibleIsLastOperator && last != "" {
		operator = last
	}
	if operator == "" {
		operator = c.settings.CurrentOperator
	}
	return operator
}

func (c *CRM) createCallCase(ctx context.Context, tx *sql.Tx, outcome CallOutcome, kind, status string, result *PolicyResult, responsible string) error {
	kind, status, err := c.settings.caseTemplate(kind, status)
	if err != nil {
		return err
	}
	return c.createCase(ctx, tx, CaseInput{
		Kind: kind, Status: status, Title: c.phrases().callCaseTitle + " " + c.clockStamp(outcome.At),
		ContactID: result.ContactID, Number: outcome.Number, Responsible: responsible,
		SourceCallID: outcome.CallID, CreatedBy: AutoCreator,
	}, result)
}

func (c *CRM) createCase(ctx context.Context, tx *sql.Tx, input CaseInput, result *PolicyResult) error {
	valid, err := c.validateCase(input)
	if err != nil {
		return err
	}
	if result.CaseID, err = c.insertCase(ctx, tx, valid); err != nil {
		return err
	}
	result.CaseCreated = true
	return nil
}

// missedCallback adds a callback task for a missed call when the policy
// asks for one, reusing an open callback task for the same contact or
// number so that five missed calls make one reminder, not five.
func (c *CRM) missedCallback(ctx context.Context, tx *sql.Tx, outcome CallOutcome, number numbers.Number, result *PolicyResult, assignee string) error {
	missed := c.settings.Policy.Missed
	if !missed.CallbackTask {
		return nil
	}
	var existing int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM tasks
WHERE id IN (SELECT id FROM tasks WHERE contact_id = ? UNION ALL SELECT id FROM tasks WHERE number_key = ?)
  AND status = 'open' AND kind = 'callback'
ORDER BY due_at LIMIT 1`, nullID(result.ContactID), number.Key).Scan(&existing)
	if err == nil {
		result.TaskID = existing
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	valid, err := c.validateTask(TaskInput{
		Kind: TaskCallback, ContactID: result.ContactID, Number: outcome.Number, SourceCallID: outcome.CallID,
		Note: c.phrases().callbackNote, Assignee: assignee, DueAt: outcome.At.Add(missed.CallbackAfter), CreatedBy: AutoCreator,
	}, c.now())
	if err != nil {
		return err
	}
	if result.TaskID, err = c.insertTask(ctx, tx, valid); err != nil {
		return err
	}
	result.TaskCreated = true
	return nil
}

func loadPolicyRun(ctx context.Context, q querier, callID string) (PolicyResult, bool, error) {
	result := PolicyResult{CallID: callID, Replayed: true}
	err := q.QueryRowContext(ctx, `SELECT known, contact_id, contact_created, case_id, case_created, task_id, task_created, skipped
FROM call_policy_runs WHERE call_id = ?`, callID).Scan(&result.Known, &result.ContactID, &result.ContactCreated,
		&result.CaseID, &result.CaseCreated, &result.TaskID, &result.TaskCreated, &result.Skipped)
	if errors.Is(err, sql.ErrNoRows) {
		return PolicyResult{}, false, nil
	}
	if err != nil {
		return PolicyResult{}, false, err
	}
	return result, true, nil
}

func savePolicyRun(ctx context.Context, q querier, result PolicyResult, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO call_policy_runs (call_id, applied_at, known, contact_id, contact_created,
    case_id, case_created, task_id, task_created, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		result.CallID, now.UnixMilli(), result.Known, result.ContactID, result.ContactCreated, result.CaseID,
		result.CaseCreated, result.TaskID, result.TaskCreated, result.Skipped)
	return err
}

// linkCallRecords writes the case and the task of a finished call into its
// history row, where still unset: the task the call was placed for (see
// StartCallback) wins over a callback task the policies made for it.
func linkCallRecords(ctx context.Context, q querier, callID string, caseID, taskID int64) error {
	_, err := q.ExecContext(ctx, `UPDATE calls SET
    case_id = CASE WHEN case_id = 0 THEN ?2 ELSE case_id END,
    task_id = CASE WHEN task_id = 0 THEN COALESCE((SELECT task_id FROM task_calls WHERE call_id = ?1), ?3) ELSE task_id END
WHERE id = ?1`, callID, caseID, taskID)
	if err != nil {
		return fmt.Errorf("link call %s to its case and task: %w", callID, err)
	}
	return nil
}
