package engine

import (
	"encoding/json"
	"time"

	"github.com/switchboard/switchboard/crm"
)

// Kinds of Notice. They follow the phone's event names (subject.verb) and
// are a contract like them: --json output and the control socket carry them
// unchanged.
const (
	NoticeCard    = "call.card"   // the caller card of a call that rings or is being placed
	NoticeCreated = "crm.created" // the policies created a contact, case or task at a call's end
	NoticeTaskDue = crm.EventTaskDue
	NoticeRule    = "rule.notify" // a [[rules]] notify action: Rule and Text are set
)

// Notice is what the CRM has to say while the phone works: a caller card, what
// the policies created, a task that fell due. The field that goes with Kind is
// set; the others are nil.
type Notice struct {
	Kind    string
	Time    time.Time
	CallID  string
	Card    *crm.Card         // NoticeCard
	Created *crm.PolicyResult // NoticeCreated
	Due     *crm.TaskDue      // NoticeTaskDue
	Rule    string            // NoticeRule: the rule's name
	Text    string            // NoticeRule: the line for the operator
	Bell    bool              // NoticeRule: ring the terminal bell too
}

// MarshalJSON writes a notice as one event object, shaped like the phone's
// events: {"event": "call.card", "time": …, "call_id": …, "card": {…}}.
func (n Notice) MarshalJSON() ([]byte, error) {
	type wire struct {
		Event   string            `json:"event"`
		Time    time.Time         `json:"time"`
		CallID  string            `json:"call_id,omitempty"`
		Card    *crm.Card         `json:"card,omitempty"`
		Created *crm.PolicyResult `json:"created,omitempty"` // not "result": call.ended has a string there
		Task    *crm.Task         `json:"task,omitempty"`
		Overdue *bool             `json:"overdue,omitempty"`
		Rule    string            `json:"rule,omitempty"`
		Text    string            `json:"text,omitempty"`
		Bell    bool              `json:"bell,omitempty"`
	}
	out := wire{Event: n.Kind, Time: n.Time, CallID: n.CallID, Card: n.Card, Created: n.Created, Rule: n.Rule, Text: n.Text, Bell: n.Bell}
	if n.Due != nil {
		// overdue is always written for task.due, false included.
		out.Task, out.Overdue = &n.Due.Task, &n.Due.Overdue
	}
	return json.Marshal(out)
}
