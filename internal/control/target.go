package control

import (
	"context"
	"time"
)

// Target is what the control socket drives: the running session (see
// SessionTarget) or, in tests, a fake. The server has validated every
// argument before a method is called; what is left to check (does the
// call exist, does the CRM accept the task) is the Target's, reported by
// wrapping ErrNotFound or ErrInvalid.
type Target interface {
	Status(ctx context.Context) (Status, error)
	Accounts(ctx context.Context) ([]AccountInfo, error)
	// Register reports an account's registration; one that does not keep
	// a registration is checked with one REGISTER.
	Register(ctx context.Context, account string) (AccountInfo, error)
	Dial(ctx context.Context, account, target string) (CallInfo, error)
	Answer(ctx context.Context, callID string) error
	Reject(ctx context.Context, callID string, code int) error
	Hangup(ctx context.Context, callID string) error
	Hold(ctx context.Context, callID string) error
	Resume(ctx context.Context, callID string) error
	Mute(ctx context.Context, callID string, muted bool) error
	SendDTMF(ctx context.Context, callID, digits string) error
	Transfer(ctx context.Context, callID, target string) error
	// Record starts (on) or stops the recording of a call and returns the
	// file.
	Record(ctx context.Context, callID string, on bool) (string, error)
	Calls(ctx context.Context) ([]CallInfo, error)
	Card(ctx context.Context, number, line string) (any, error)
	FindContacts(ctx context.Context, query string, limit int) (any, error)
	AddTask(ctx context.Context, task TaskRequest) (any, error)
	ListTasks(ctx context.Context, view, assignee string, limit int) (any, error)
}

// Status is the reply to status.
type Status struct {
	PID       int           `json:"pid"`
	StartedAt time.Time     `json:"started_at"`
	Accounts  []AccountInfo `json:"accounts"`
	Calls     int           `json:"calls"`
	Clients   int           `json:"clients"` // control connections, this one included
	// Process is what the process holds (memory, goroutines, descriptors).
	Process ProcessStatus `json:"process"`
	// Webhooks is the webhook outbox; nil when no webhook is configured.
	Webhooks *WebhookStatus `json:"webhooks,omitempty"`
}

// AccountInfo describes an account. It has no password field on purpose:
// nothing the socket sends can carry one.
type AccountInfo struct {
	Name         string        `json:"name"`
	User         string        `json:"user"`
	Domain       string        `json:"domain"`
	Registrar    string        `json:"registrar,omitempty"`
	Transport    string        `json:"transport"`
	Listen       string        `json:"listen"`
	Register     bool          `json:"register"` // keeps a registration
	Registration *Registration `json:"registration,omitempty"`
}

// Registration is the latest registration event of an account.
type Registration struct {
	State   string    `json:"state"` // the event: reg.ok, reg.failed, reg.retrying, reg.unregistered
	Reason  string    `json:"reason,omitempty"`
	Code    int       `json:"code,omitempty"`
	Expires int       `json:"expires,omitempty"`
	At      time.Time `json:"at"`
}

// CallInfo describes a call in progress.
type CallInfo struct {
	CallID      string `json:"call_id"`
	Account     string `json:"account"`
	Direction   string `json:"direction"`
	State       string `json:"state"`
	RemoteURI   string `json:"remote_uri"`
	Number      string `json:"number,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Line        string `json:"line,omitempty"`
	Held        bool   `json:"held,omitempty"`
	RemoteHeld  bool   `json:"remote_held,omitempty"`
}

// TaskRequest is tasks.add's arguments.
type TaskRequest struct {
	Kind      string
	Number    string
	ContactID int64
	CaseID    int64
	Note      string
	Assignee  string
	In        time.Duration
	Due       time.Time
}
