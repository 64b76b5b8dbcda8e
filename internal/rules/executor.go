package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/phone"
)

const (
	// DefaultQueue bounds the events waiting for the rules; more are
	// dropped with a logged reason rather than holding up the phone.
	DefaultQueue = 64
	// eventBound limits the work one event may take (card, history,
	// actions), so a slow database cannot pile events up for ever.
	eventBound = 10 * time.Second
	// tagRetries covers the engine writing the call's history row on its
	// own goroutine: a tag may come before the row exists.
	tagRetries    = 10
	tagRetryPause = 100 * time.Millisecond
)

// CRM creates what the actions ask for (*crm.CRM).
type CRM interface {
	AddTask(ctx context.Context, input crm.TaskInput) (crm.Task, error)
	AddContact(ctx context.Context, input crm.ContactInput) (crm.Contact, error)
	AddCase(ctx context.Context, input crm.CaseInput) (crm.Case, error)
}

// Tagger tags calls in the history (*history.Repo).
type Tagger interface {
	AddTag(ctx context.Context, callID, tag string) error
}

// Notifier shows the operator a line (the console, or serve's output).
type Notifier interface {
	Notify(ctx context.Context, rule, callID, text string, bell bool)
}

// WebhookPublisher queues a payload for one configured webhook.
type WebhookPublisher interface {
	PublishTo(url, name string, payload []byte)
}

// HookRunner starts a command with the event's data; it must not wait.
type HookRunner interface {
	RunHook(command []string, timeout time.Duration, event string, payload []byte, fields map[string]string)
}

// Performers are what the actions act through; nil ones make their
// actions fail with a logged reason.
type Performers struct {
	CRM      CRM
	Tagger   Tagger
	Notifier Notifier
	Webhooks WebhookPublisher
	Hooks    HookRunner
	// WebhookURL resolves a rule's webhook name to its URL.
	WebhookURL func(nameOrURL string) (string, bool)
}

// Executor runs the rules for phone events on its own goroutine.
type Executor struct {
	rules    []Rule
	gatherer Gatherer
	perform  Performers
	log      *slog.Logger
	queue    chan phone.Event
	done     chan struct{}
	close    sync.Once
}

// NewExecutor starts the executor; Close stops it.
func NewExecutor(rules []Rule, gatherer Gatherer, perform Performers, log *slog.Logger) *Executor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gatherer.Windows = RepeatWindows(rules)
	e := &Executor{rules: rules, gatherer: gatherer, perform: perform, log: log,
		queue: make(chan phone.Event, DefaultQueue), done: make(chan struct{})}
	go e.work()
	return e
}

// Submit queues an event; it never blocks. Events no rule can be on are
// ignored.
func (e *Executor) Submit(ev phone.Event) {
	if !Relevant(ev.Kind) {
		return
	}
	select {
	case e.queue <- ev:
	default:
		e.log.Warn("rules: event dropped, the rules are behind", "event", ev.Kind, "call", ev.CallID, "queue", cap(e.queue))
	}
}

// Close runs what is queued and stops. Submit must not be called after.
func (e *Executor) Close() {
	e.close.Do(func() { close(e.queue) })
	<-e.done
}

func (e *Executor) work() {
	defer close(e.done)
	for ev := range e.queue {
		ctx, cancel := context.WithTimeout(context.Background(), eventBound)
		e.handle(ctx, ev)
		cancel()
	}
}

func (e *Executor) handle(ctx context.Context, ev phone.Event) {
	facts, err := e.gatherer.Facts(ctx, ev)
	if err != nil {
		e.log.Error("rules: facts not gathered; no rule runs for the event", "event", ev.Kind, "call", ev.CallID, "error", err)
		return
	}
	for _, r := range e.rules {
		if !Match(r, facts) {
			continue
		}
		e.log.Info("rule fired", "rule", r.Name, "event", ev.Kind, "call", ev.CallID)
		e.run(ctx, r, &facts, ev)
	}
}

// run performs a rule's actions in order; one failing does not stop the
// rest (a dead webhook must not cost the callback task).
func (e *Executor) run(ctx context.Context, r Rule, facts *Facts, ev phone.Event) {
	for _, action := range r.Actions {
		if err := e.perform.act(ctx, r, action, facts, ev); err != nil {
			e.log.Warn("rule action failed", "rule", r.Name, "action", action.Do, "call", ev.CallID, "error", err)
		}
	}
}

var errNotWired = errors.New("not available in this session")

func (p Performers) act(ctx context.Context, r Rule, a config.RuleAction, f *Facts, ev phone.Event) error {
	switch a.Do {
	case "task":
		if p.CRM == nil {
			return errNotWired
		}
		input := crm.TaskInput{ContactID: f.ContactID, SourceCallID: f.CallID, Note: a.Note, In: a.In.Duration, CreatedBy: "rule:" + r.Name}
		if f.ContactID == 0 {
			input.Number = f.Number
		}
		_, err := p.CRM.AddTask(ctx, input)
		return err
	case "contact":
		if p.CRM == nil {
			return errNotWired
		}
		if f.Known {
			return nil
		}
		name := firstNonEmpty(a.Name, f.Name, f.Number)
		contact, err := p.CRM.AddContact(ctx, crm.ContactInput{Name: name, Numbers: []crm.PhoneInput{{Number: f.Number}},
			SourceLine: f.Line, CreatedBy: "rule:" + r.Name})
		if err != nil {
			return err
		}
		f.Known, f.ContactID = true, contact.ID // later actions link to it
		return nil
	case "case":
		if p.CRM == nil {
			return errNotWired
		}
		input := crm.CaseInput{Kind: a.Kind, Status: a.Status, Title: firstNonEmpty(a.Title, "Call from "+f.Number),
			ContactID: f.ContactID, SourceCallID: f.CallID, CreatedBy: "rule:" + r.Name}
		if f.ContactID == 0 {
			input.Number = f.Number
		}
		created, err := p.CRM.AddCase(ctx, input)
		if err == nil && f.CaseID == 0 {
			f.CaseID, f.CaseStatus = created.ID, created.Status
		}
		return err
	case "tag":
		if p.Tagger == nil {
			return errNotWired
		}
		return tagWhenRecorded(ctx, p.Tagger, f.CallID, a.Tag)
	case "notify":
		if p.Notifier == nil {
			return errNotWired
		}
		p.Notifier.Notify(ctx, r.Name, f.CallID, a.Text, a.Bell)
		return nil
	case "webhook":
		if p.Webhooks == nil || p.WebhookURL == nil {
			return errNotWired
		}
		url, found := p.WebhookURL(a.Webhook)
		if !found {
			return fmt.Errorf("webhook %q is not configured", a.Webhook)
		}
		payload, err := json.Marshal(struct {
			Event string      `json:"event"`
			Rule  string      `json:"rule"`
			Call  phone.Event `json:"call"`
		}{"rule.fired", r.Name, ev})
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		p.Webhooks.PublishTo(url, "rule.fired", payload)
		return nil
	case "hook":
		if p.Hooks == nil {
			return errNotWired
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		p.Hooks.RunHook(a.Command, a.Timeout.Duration, string(ev.Kind), payload, map[string]string{"RULE": r.Name})
		return nil
	}
	return fmt.Errorf("unknown action %q", a.Do)
}

func tagWhenRecorded(ctx context.Context, tagger Tagger, callID, tag string) error {
	var err error
	for range tagRetries {
		if err = tagger.AddTag(ctx, callID, tag); !errors.Is(err, history.ErrNotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tag %s: %w", callID, ctx.Err())
		case <-time.After(tagRetryPause):
		}
	}
	return err
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Firing is one rule that would fire, for rules test.
type Firing struct {
	Rule    string   `json:"rule"`
	Actions []string `json:"actions"`
}

// Evaluate lists the rules that would fire for the facts, without acting.
func Evaluate(rules []Rule, f Facts) []Firing {
	var firings []Firing
	for _, r := range rules {
		if !Match(r, f) {
			continue
		}
		firing := Firing{Rule: r.Name}
		for _, a := range r.Actions {
			if a.Do == "contact" && f.Known {
				firing.Actions = append(firing.Actions, "contact: skipped, the caller is known")
				continue
			}
			firing.Actions = append(firing.Actions, Describe(a))
		}
		firings = append(firings, firing)
	}
	return firings
}
