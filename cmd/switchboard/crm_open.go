package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/internal/store"
)

// crmSettings converts the [crm] section into the CRM's settings. It lives
// here because package config must not depend on package crm.
func crmSettings(cfg *config.Config) crm.Settings {
	c, p := cfg.CRM, cfg.CRM.Policy
	internalDigits := c.InternalDigits
	if internalDigits == 0 {
		internalDigits = -1 // the file's "0 = no extensions" is the CRM's "negative"
	}
	statuses := make([]crm.CaseStatus, len(c.CaseStatuses))
	for i, status := range c.CaseStatuses {
		statuses[i] = crm.CaseStatus{Name: status.Name, Outcome: crm.CaseState(status.Outcome), Kinds: status.Kinds}
	}
	unknown := func(create, kind, status string) crm.UnknownNumberPolicy {
		return crm.UnknownNumberPolicy{Create: createMode(create), CaseKind: or(kind, p.CaseKind), CaseStatus: or(status, p.CaseStatus)}
	}
	return crm.Settings{
		DefaultRegion:     c.DefaultCountry,
		MaxInternalDigits: internalDigits,
		SuffixDigits:      c.SuffixDigits,
		Language:          c.Language,
		TimeZone:          c.TimeZone,
		CurrentOperator:   cfg.Operator,
		CardTimeout:       c.CardTimeout.Duration,
		CaseKinds:         c.CaseKinds,
		CaseStatuses:      statuses,
		DefaultCurrency:   c.DefaultCurrency,
		Policy: crm.Policy{
			AnsweredUnknown: unknown(p.AnsweredUnknown, p.AnsweredUnknownCaseKind, p.AnsweredUnknownCaseStatus),
			MissedUnknown:   unknown(p.MissedUnknown, p.MissedUnknownCaseKind, p.MissedUnknownCaseStatus),
			OutgoingUnknown: unknown(p.OutgoingUnknown, p.OutgoingUnknownCaseKind, p.OutgoingUnknownCaseStatus),
			RepeatCall: crm.RepeatCallPolicy{Mode: repeatMode(p.RepeatCalls),
				CaseKind: or(p.RepeatCallsCaseKind, p.CaseKind), CaseStatus: or(p.RepeatCallsCaseStatus, p.CaseStatus)},
			Missed: crm.MissedCallPolicy{CreateLead: p.MissedLead, LeadStatus: p.MissedLeadStatus,
				CallbackTask: p.MissedTask, CallbackAfter: p.CallbackAfter.Duration},
			ResponsibleIsLastOperator: p.Responsible == config.ResponsibleLast,
		},
	}
}

// createMode maps the file's words to the CRM's; config has validated them.
func createMode(word string) crm.CreateMode {
	switch word {
	case config.CreateContact:
		return crm.CreateContact
	case config.CreateContactAndCase:
		return crm.CreateContactAndCase
	}
	return crm.CreateNothing
}

func repeatMode(word string) crm.RepeatMode {
	switch word {
	case config.RepeatAlways:
		return crm.RepeatAlways
	case config.RepeatIfNoneOpen:
		return crm.RepeatIfNoneOpen
	}
	return crm.RepeatNever
}

func or(value, fallback string) string {
	if value != "" {
		return value
	}
	return fallback
}

// newCRM starts the CRM on an open database. The configuration was
// validated already, so a refusal here is still the file's fault: exit 2.
func newCRM(db *store.DB, cfg *config.Config) (*crm.CRM, error) {
	c, err := crm.New(db, crmSettings(cfg))
	if err != nil {
		return nil, withExit(exitUsage, fmt.Errorf("%s: [crm]: %w", cfg.Path, err))
	}
	return c, nil
}

// withCRM is how the CRM commands run: configuration, database and CRM
// opened, work done, everything closed again, and the error given its exit
// code.
func (a *app) withCRM(ctx context.Context, work func(c *crm.CRM, cfg *config.Config) error) error {
	return crmExit(a.withDatabase(ctx, func(_ *store.DB, c *crm.CRM, cfg *config.Config) error {
		return work(c, cfg)
	}))
}

// withDatabase opens the configuration, the database and the CRM on it,
// runs work and closes them again.
func (a *app) withDatabase(ctx context.Context, work func(db *store.DB, c *crm.CRM, cfg *config.Config) error) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	c, err := newCRM(db, cfg)
	if err != nil {
		_ = db.Close()
		return err
	}
	err = work(db, c, cfg)
	_ = c.Close() // prepared statements only; nothing to lose
	if closeErr := db.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("close database: %w", closeErr)
	}
	return err
}

// crmExit gives CRM errors their exit code: input the CRM refuses (a bad
// number, an unknown status) is a usage error; a rejected import, a missing
// record or a failing database are failures.
func crmExit(err error) error {
	var coded *exitError
	switch {
	case err == nil, errors.As(err, &coded), errors.Is(err, crm.ErrImportRejected):
		return err
	case errors.Is(err, crm.ErrInvalid):
		return withExit(exitUsage, err)
	}
	return err
}

// outputJSONKey marks, in a command's context, that it prints JSON lines.
type outputJSONKey struct{}

// withJSONOutput records the running command's --json flag, so that a
// session prints the CRM's events in the same format as the phone's.
func withJSONOutput(ctx context.Context, on bool) context.Context {
	return context.WithValue(ctx, outputJSONKey{}, on)
}

func jsonOutput(ctx context.Context) bool {
	on, _ := ctx.Value(outputJSONKey{}).(bool)
	return on
}

// crmLocation is the zone in which the CLI reads and shows clock times: the
// CRM's time_zone, else the machine's.
func crmLocation(c *crm.CRM) *time.Location {
	if zone := c.Settings().TimeZone; zone != "" {
		if location, err := time.LoadLocation(zone); err == nil {
			return location
		}
	}
	return time.Local
}

// syncWriter serialises writes. A session prints the phone's events and the
// CRM's notices from different goroutines; each writes whole lines in one
// Write, and the lock keeps those lines whole on any writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// serialized wraps w in a syncWriter once.
func serialized(w io.Writer) io.Writer {
	if _, done := w.(*syncWriter); done {
		return w
	}
	return &syncWriter{w: w}
}

// sessionNotices prints a session's CRM notices on stdout, in the session's
// format, from one goroutine of its own.
type sessionNotices struct {
	outbox *engine.Outbox
	done   chan struct{}
}

func (a *app) printNotices(asJSON bool, location *time.Location) *sessionNotices {
	n := &sessionNotices{outbox: engine.NewOutbox(), done: make(chan struct{})}
	out := a.stdout
	go func() {
		defer close(n.done)
		n.outbox.Drain(func(notice engine.Notice) {
			// One Write per notice, so lines never interleave with the
			// phone's events printed by the command's own goroutine.
			if text := formatNotice(notice, asJSON, location); text != "" {
				_, _ = io.WriteString(out, text)
			}
		})
	}()
	return n
}

func (n *sessionNotices) push(notice engine.Notice) { n.outbox.Push(notice) }

// stop prints what is queued and returns; the engine has stopped by then.
func (n *sessionNotices) stop() {
	n.outbox.Close()
	<-n.done
}

// formatNotice is the text of one notice, newline included, or "" when it
// is not worth a line.
func formatNotice(notice engine.Notice, asJSON bool, location *time.Location) string {
	if notice.Kind == engine.NoticeCard && !cardWorthShowing(*notice.Card) {
		return ""
	}
	if asJSON {
		line, err := json.Marshal(notice)
		if err != nil {
			return ""
		}
		return string(line) + "\n"
	}
	switch notice.Kind {
	case engine.NoticeCard:
		return "card: " + cardLine(*notice.Card, location) + "\n"
	case engine.NoticeCreated:
		return "crm: " + createdLine(*notice.Created) + "\n"
	case engine.NoticeTaskDue:
		return taskDueLine(*notice.Due, location) + "\n"
	case engine.NoticeRule:
		line := "rule " + notice.Rule + ": " + notice.Text + "\n"
		if notice.Bell {
			line = "\a" + line
		}
		return line
	}
	return ""
}

// cardWorthShowing: a card adds to the call.incoming line when the number
// is a contact's, is blacklisted, has tasks or earlier calls, or is a real
// number whose place and local time are known. The card of a stranger's
// extension or of an unreadable number is empty, and printing it would only
// be noise between a call's events.
func cardWorthShowing(card crm.Card) bool {
	return card.Known || card.Blacklisted || len(card.OpenTasks) > 0 || card.PreviousCalls.Count > 0 ||
		card.NumberKind == numbers.KindE164
}

func createdLine(result crm.PolicyResult) string {
	var made []string
	if result.ContactCreated {
		made = append(made, fmt.Sprintf("contact #%d", result.ContactID))
	}
	if result.CaseCreated {
		made = append(made, fmt.Sprintf("case #%d", result.CaseID))
	}
	if result.TaskCreated {
		made = append(made, fmt.Sprintf("callback task #%d", result.TaskID))
	}
	return "created " + strings.Join(made, ", ") + " for call " + result.CallID
}

func taskDueLine(due crm.TaskDue, location *time.Location) string {
	when := "due now"
	if due.Overdue {
		when = "overdue since " + formatTime(due.Task.DueAt, location)
	}
	return fmt.Sprintf("task #%d %s: %s", due.Task.ID, when, taskSummary(due.Task))
}
