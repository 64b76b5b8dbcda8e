package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/internal/webhook"
	"github.com/switchboard/switchboard/phone"
)

// SessionOptions are the parts of a running session the socket drives.
type SessionOptions struct {
	Phone *phone.Phone
	// Commands are the engine's call commands, made with the session's
	// call audio: the socket acts exactly as the console does.
	Commands  *engine.Commands
	CRM       *crm.CRM
	Accounts  []config.Account // as the phone runs them
	Recording config.Recording
	// Webhooks is the webhook deliverer, for the outbox figures of
	// status; nil when no webhook is configured.
	Webhooks Outbox
}

// Outbox is what status reads of the webhook deliverer
// (*webhook.Deliverer).
type Outbox interface {
	Queued(ctx context.Context) (int64, error)
	Stats() webhook.Stats
}

// SessionTarget is the Target over a running session.
type SessionTarget struct {
	opts      SessionOptions
	startedAt time.Time

	mu            sync.Mutex
	registrations map[string]Registration // by account, from the event stream
}

// NewSessionTarget returns the session's Target; feed it the phone's
// events through ForwardPhoneEvents so that it knows registrations.
func NewSessionTarget(opts SessionOptions) *SessionTarget {
	return &SessionTarget{opts: opts, startedAt: time.Now(), registrations: map[string]Registration{}}
}

// ForwardPhoneEvents publishes the phone's events on the server (each
// encoded once) and keeps the target's registration states, until the
// subscription closes. It drains the subscription at once, so the phone
// never waits for it (Publish does not block).
func ForwardPhoneEvents(sub *phone.Subscription, srv *Server, t *SessionTarget, log *slog.Logger) {
	for ev := range sub.C {
		t.observe(ev)
		out, err := MarshalEvent(string(ev.Kind), ev)
		if err != nil {
			log.Error("control: event not sent", "event", ev.Kind, "error", err)
			continue
		}
		srv.Publish(out)
	}
}

// PublishNotice sends a CRM notice (call.card, crm.created, task.due) to
// the subscribers. It never blocks, as CRMOptions.Notify requires.
func PublishNotice(srv *Server, n engine.Notice, log *slog.Logger) {
	out, err := MarshalEvent(n.Kind, n)
	if err != nil {
		log.Error("control: notice not sent", "event", n.Kind, "error", err)
		return
	}
	srv.Publish(out)
}

func (t *SessionTarget) observe(ev phone.Event) {
	switch ev.Kind {
	case phone.RegOK, phone.RegFailed, phone.RegRetrying, phone.RegUnregistered:
	default:
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.registrations[ev.Account] = Registration{State: string(ev.Kind), Reason: ev.Reason, Code: ev.Code, Expires: ev.Expires, At: ev.Time}
}

// classified keeps an error's message and adds the kind (ErrNotFound,
// ErrInvalid) that chooses the reply's code.
type classified struct{ err, kind error }

func (c classified) Error() string   { return c.err.Error() }
func (c classified) Unwrap() []error { return []error{c.err, c.kind} }

func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrNoSuchCall), errors.Is(err, crm.ErrNotFound):
		return classified{err: err, kind: ErrNotFound}
	case errors.Is(err, crm.ErrInvalid):
		return classified{err: err, kind: ErrInvalid}
	}
	return err
}

// Status reports the accounts, their registration, the calls, what the
// process holds and the webhook outbox.
func (t *SessionTarget) Status(ctx context.Context) (Status, error) {
	accounts, _ := t.Accounts(ctx)
	return Status{PID: os.Getpid(), StartedAt: t.startedAt, Accounts: accounts, Calls: len(t.opts.Phone.Calls()),
		Process: readProcess(t.startedAt), Webhooks: webhookStatus(ctx, t.opts.Webhooks)}, nil
}

// webhookStatus reads the outbox figures; nil without webhooks. An outbox
// that cannot be counted (the database is busy) shows queued -1: the rest
// of the status is still worth having.
func webhookStatus(ctx context.Context, o Outbox) *WebhookStatus {
	if o == nil {
		return nil
	}
	queued, err := o.Queued(ctx)
	if err != nil {
		queued = -1
	}
	s := o.Stats()
	return &WebhookStatus{Queued: queued, Delivered: s.Delivered, Dropped: s.Dropped, Lost: s.Lost}
}

// Accounts lists the accounts without any secret.
func (t *SessionTarget) Accounts(_ context.Context) ([]AccountInfo, error) {
	out := make([]AccountInfo, 0, len(t.opts.Accounts))
	for _, a := range t.opts.Accounts {
		out = append(out, t.accountInfo(a))
	}
	return out, nil
}

func (t *SessionTarget) accountInfo(a config.Account) AccountInfo {
	info := AccountInfo{Name: a.Name, User: a.User, Domain: a.Domain, Registrar: a.Registrar,
		Transport: a.Transport, Listen: a.Listen, Register: a.Register && a.Registrar != ""}
	t.mu.Lock()
	if reg, ok := t.registrations[a.Name]; ok {
		info.Registration = &reg
	}
	t.mu.Unlock()
	return info
}

func (t *SessionTarget) account(name string) (config.Account, error) {
	if name == "" && len(t.opts.Accounts) > 0 {
		return t.opts.Accounts[0], nil
	}
	for _, a := range t.opts.Accounts {
		if a.Name == name {
			return a, nil
		}
	}
	return config.Account{}, classified{err: fmt.Errorf("no account named %q", name), kind: ErrNotFound}
}

// Register reports a kept registration as it stands (the phone refreshes
// it; a second REGISTER from here would remove the binding it holds) and
// checks an account that does not keep one with one REGISTER.
func (t *SessionTarget) Register(ctx context.Context, name string) (AccountInfo, error) {
	a, err := t.account(name)
	if err != nil {
		return AccountInfo{}, err
	}
	switch {
	case a.Registrar == "":
		return AccountInfo{}, classified{err: fmt.Errorf("account %s has no registrar", a.Name), kind: ErrInvalid}
	case a.Register:
		return t.accountInfo(a), nil
	}
	granted, err := t.opts.Phone.RegisterOnce(ctx, a.Name)
	if err != nil {
		return AccountInfo{}, fmt.Errorf("register %s: %w", a.Name, err)
	}
	info := t.accountInfo(a)
	info.Registration = &Registration{State: string(phone.RegOK), Expires: int(granted / time.Second), At: time.Now()}
	return info, nil
}

// Dial places a call through the engine's commands.
func (t *SessionTarget) Dial(ctx context.Context, account, target string) (CallInfo, error) {
	call, err := t.opts.Commands.Dial(ctx, account, target)
	if err != nil {
		return CallInfo{}, classify(err)
	}
	return callInfo(call), nil
}

func (t *SessionTarget) Answer(ctx context.Context, id string) error {
	return classify(t.opts.Commands.Answer(ctx, id))
}

func (t *SessionTarget) Reject(ctx context.Context, id string, code int) error {
	return classify(t.opts.Commands.Reject(ctx, id, code))
}

func (t *SessionTarget) Hangup(ctx context.Context, id string) error {
	return classify(t.opts.Commands.Hangup(ctx, id))
}

func (t *SessionTarget) Hold(ctx context.Context, id string) error {
	return classify(t.opts.Commands.Hold(ctx, id))
}

func (t *SessionTarget) Resume(ctx context.Context, id string) error {
	return classify(t.opts.Commands.Resume(ctx, id))
}

func (t *SessionTarget) Mute(ctx context.Context, id string, muted bool) error {
	return classify(t.opts.Commands.Mute(ctx, id, muted))
}

func (t *SessionTarget) SendDTMF(ctx context.Context, id, digits string) error {
	return classify(t.opts.Commands.SendDTMF(ctx, id, digits))
}

func (t *SessionTarget) Transfer(ctx context.Context, id, target string) error {
	return classify(t.opts.Commands.Transfer(ctx, id, target))
}

// Record starts a recording named like automatic ones, or stops it.
func (t *SessionTarget) Record(_ context.Context, id string, on bool) (string, error) {
	call, ok := t.opts.Phone.Call(id)
	if !ok {
		return "", classify(fmt.Errorf("call %q: %w", id, engine.ErrNoSuchCall))
	}
	if !on {
		return "", call.StopRecording()
	}
	path, err := engine.RecordingPath(t.opts.Recording, string(call.Direction), call.Number, "", call.ID, time.Now())
	if err != nil {
		return "", err
	}
	if err := call.StartRecording(path); err != nil {
		return "", err
	}
	return path, nil
}

// Calls lists the calls in progress, ringing ones first.
func (t *SessionTarget) Calls(_ context.Context) ([]CallInfo, error) {
	calls := t.opts.Phone.Calls()
	out := make([]CallInfo, 0, len(calls))
	for _, c := range calls {
		out = append(out, callInfo(c))
	}
	slices.SortFunc(out, func(a, b CallInfo) int {
		if c := strings.Compare(a.State, b.State); c != 0 {
			return -c // ringing > dialling > active: ringing calls need an answer first
		}
		return strings.Compare(a.CallID, b.CallID)
	})
	return out, nil
}

func callInfo(c *phone.Call) CallInfo {
	return CallInfo{CallID: c.ID, Account: c.Account, Direction: string(c.Direction), State: string(c.State()),
		RemoteURI: c.RemoteURI, Number: c.Number, DisplayName: c.DisplayName, Line: c.Line,
		Held: c.Held(), RemoteHeld: c.RemoteHeld()}
}

// Card is the caller card, complete (nobody is waiting for a ring here).
func (t *SessionTarget) Card(ctx context.Context, number, line string) (any, error) {
	request := crm.CardRequest{Number: number, DialledLine: line}
	card, err := t.opts.CRM.BuildCard(ctx, request)
	if err == nil && card.Partial {
		card, err = t.opts.CRM.CompleteCard(ctx, request)
	}
	if err != nil {
		return nil, classify(err)
	}
	return card, nil
}

func (t *SessionTarget) FindContacts(ctx context.Context, query string, limit int) (any, error) {
	contacts, err := t.opts.CRM.FindContacts(ctx, query, limit)
	if err != nil {
		return nil, classify(err)
	}
	return contacts, nil
}

// createdBy marks what the socket creates, for the task's history.
const createdBy = "control"

func (t *SessionTarget) AddTask(ctx context.Context, r TaskRequest) (any, error) {
	task, err := t.opts.CRM.AddTask(ctx, crm.TaskInput{Kind: r.Kind, ContactID: r.ContactID, CaseID: r.CaseID,
		Number: r.Number, Note: r.Note, Assignee: r.Assignee, DueAt: r.Due, In: r.In, CreatedBy: createdBy})
	if err != nil {
		return nil, classify(err)
	}
	return task, nil
}

func (t *SessionTarget) ListTasks(ctx context.Context, view, assignee string, limit int) (any, error) {
	tasks, err := t.opts.CRM.ListTasks(ctx, crm.TaskFilter{View: crm.TaskView(view), Assignee: assignee, Limit: limit})
	if err != nil {
		return nil, classify(err)
	}
	return tasks, nil
}
