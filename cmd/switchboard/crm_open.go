package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

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
	err = work(c, cfg)
	_ = c.Close() // prepared statements only; nothing to lose
	if closeErr := db.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("close database: %w", closeErr)
	}
	return crmExit(err)
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

// cardCommand prints the caller card of a number, as a ringing call gets it.
func (a *app) cardCommand() *cobra.Command {
	var asJSON bool
	var request crm.CardRequest
	cmd := &cobra.Command{
		Use:     "card NUMBER",
		Short:   "Print the caller card of a number: contact, open case, tasks, earlier calls, local time",
		Example: "  switchboard card '+7 495 123-45-67' --line 74950000000 --json",
		Args:    exactArgs(1, "card needs one NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			request.Number = args[0]
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				// The same call the engine makes while a call rings, then the
				// rest if it ran out of time: here nobody is waiting.
				card, err := c.BuildCard(cmd.Context(), request)
				if err == nil && card.Partial {
					card, err = c.CompleteCard(cmd.Context(), request)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, card)
				}
				return printCard(a.stdout, card, crmLocation(c))
			})
		},
	}
	cmd.Flags().StringVar(&request.DialledLine, "line", "", "the line (DID) the call came to")
	cmd.Flags().Int64Var(&request.ContactID, "contact", 0, "show this contact when several share the number")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the card as JSON")
	return cmd
}

// cardLine is the caller card in one line, for a session's event stream.
func cardLine(card crm.Card, location *time.Location) string {
	who := card.Formatted + " (unknown)"
	if contact := card.Contact; contact != nil {
		who = fmt.Sprintf("%s, %s #%d", card.Formatted, contact.Name, contact.ID)
		if contact.Company != "" {
			who += " (" + contact.Company + ")"
		}
	}
	parts := []string{who}
	if card.Blacklisted {
		parts = append(parts, "BLACKLISTED "+card.BlacklistReason)
	}
	if len(card.Matches) > 1 {
		parts = append(parts, fmt.Sprintf("%d contacts share this number", len(card.Matches)))
	}
	if card.OpenCase != nil {
		open := "open " + caseSummary(*card.OpenCase)
		if card.OtherOpenCases > 0 {
			open += fmt.Sprintf(" (+%d more open)", card.OtherOpenCases)
		}
		parts = append(parts, open)
	}
	if n := len(card.OpenTasks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d open task(s), next due %s", n, formatTime(card.OpenTasks[0].DueAt, location)))
	}
	if calls := card.PreviousCalls; calls.Count > 0 {
		parts = append(parts, fmt.Sprintf("%d earlier call(s), last %s %s", calls.Count, formatTime(calls.LastAt, location), calls.LastResult))
	}
	if place := describeNumber(card); place != "" {
		parts = append(parts, "from "+place)
	}
	if local := localTime(card.LocalTime); local != "" {
		parts = append(parts, "local time "+local)
	}
	if card.Partial {
		parts = append(parts, "(more to come)")
	}
	return strings.Join(parts, " · ")
}

// printCard writes the caller card as a labelled block.
func printCard(w io.Writer, card crm.Card, location *time.Location) error {
	return printLabelled(w, cardRows(card, location))
}

// cardRows are the card's lines as label and value; empty values are left
// out.
func cardRows(card crm.Card, location *time.Location) [][2]string {
	var rows [][2]string
	add := func(label, value string) {
		if value != "" {
			rows = append(rows, [2]string{label, value})
		}
	}
	number := card.Formatted
	if place := describeNumber(card); place != "" {
		number += " (" + place + ")"
	}
	add("Number", number)
	add("Line", card.DialledLine)
	if contact := card.Contact; contact != nil {
		add("Contact", fmt.Sprintf("#%d %s", contact.ID, contact.Name))
		add("Company", contact.Company)
		add("Responsible", contact.Responsible)
		add("E-mail", contact.Email)
		add("Tags", strings.Join(contact.Tags, ", "))
		add("Notes", contact.NotesExcerpt)
	} else {
		add("Contact", "unknown")
	}
	for _, match := range card.Matches {
		if card.Contact == nil || match.ContactID != card.Contact.ID {
			add("Also", fmt.Sprintf("#%d %s (same number)", match.ContactID, match.ContactName))
		}
	}
	add("Local time", localTime(card.LocalTime))
	if card.Blacklisted {
		add("Blacklisted", strings.TrimSpace("yes "+card.BlacklistReason))
	}
	if card.OpenCase != nil {
		open := caseSummary(*card.OpenCase)
		if card.OtherOpenCases > 0 {
			open += fmt.Sprintf(" and %d more open", card.OtherOpenCases)
		}
		add("Open case", open)
	}
	for _, task := range card.OpenTasks {
		add("Task", fmt.Sprintf("#%d due %s: %s", task.ID, formatTime(task.DueAt, location), taskSummary(task)))
	}
	if calls := card.PreviousCalls; calls.Count > 0 {
		add("Earlier calls", fmt.Sprintf("%d, last %s (%s)", calls.Count, formatTime(calls.LastAt, location), calls.LastResult))
	}
	add("Offer", strings.Join(card.Actions, ", "))
	return rows
}

// printLabelled writes "Label:  value" lines with the values aligned.
func printLabelled(w io.Writer, rows [][2]string) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(table, "%s:\t%s\n", row[0], row[1])
	}
	return table.Flush()
}

// describeNumber is where a number is from, as far as the data knows.
func describeNumber(card crm.Card) string {
	var parts []string
	for _, part := range []string{card.Description.Location, card.Description.Carrier} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, ", ")
}

func localTime(local numbers.LocalTime) string {
	if local.Zone == "" {
		return ""
	}
	text := local.Time.Format("15:04") + " " + local.Zone
	if !local.Certain {
		text += " (uncertain)"
	}
	return text
}

// printJSON writes v as one line of JSON.
func printJSON(w io.Writer, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

// printTable writes rows aligned under their header.
func printTable(w io.Writer, header []string, rows [][]string) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(table, strings.Join(row, "\t"))
	}
	return table.Flush()
}

// formatTime shows a time to the minute in the CRM's zone; "" for none.
func formatTime(at time.Time, location *time.Location) string {
	if at.IsZero() {
		return ""
	}
	return at.In(location).Format("2006-01-02 15:04")
}

// groupCommand is a command that only holds sub-commands; an unknown
// sub-command is a usage error, not help and success.
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

// exactArgs requires n arguments, else fails with exit 2 and message.
func exactArgs(n int, message string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s", message)
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// parseID reads the ID of a contact, case, task or blacklist entry; "#12"
// (as the human output writes it) is accepted too.
func parseID(text, what string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(text), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("%q is not a %s ID (a positive number)", text, what)
	}
	return id, nil
}

// atomicFile is written under a temporary name next to its destination and
// renamed into place by commit, so that a failed command leaves no
// half-written file behind (and an older file of that name untouched).
type atomicFile struct {
	*os.File
	path      string
	committed bool
}

func createAtomic(path string) (*atomicFile, error) {
	// CreateTemp makes the file 0600: contact data is private.
	file, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &atomicFile{File: file, path: path}, nil
}

func (f *atomicFile) commit() error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.committed = true
	return nil
}

// abort removes the temporary file unless commit has moved it into place.
func (f *atomicFile) abort() {
	if f.committed {
		return
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
}
