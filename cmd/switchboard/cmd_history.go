package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
)

// historyEnv is what the history commands work with: the calls, the CRM
// (for numbers, contact names and open tasks) and the configuration.
type historyEnv struct {
	calls    *history.Repo
	crm      *crm.CRM
	cfg      *config.Config
	location *time.Location
	db       *store.DB
}

// withHistory opens configuration, database, CRM and history, runs work and
// closes everything again, giving the error its exit code.
func (a *app) withHistory(ctx context.Context, work func(h *historyEnv) error) error {
	err := a.withDatabase(ctx, func(db *store.DB, c *crm.CRM, cfg *config.Config) error {
		// Calls recorded while no CRM was looking get their normalised
		// number and contact first, so filters by number and contact see
		// them.
		if _, err := c.IndexCalls(ctx); err != nil {
			return err
		}
		return work(&historyEnv{calls: history.NewRepo(db), crm: c, cfg: cfg, location: crmLocation(c), db: db})
	})
	return historyExit(crmExit(err))
}

// historyExit gives history errors their exit code: a filter or value the
// history refuses is a usage error (2); an unknown call is a failure (1).
func historyExit(err error) error {
	var coded *exitError
	switch {
	case err == nil, errors.As(err, &coded):
		return err
	case errors.Is(err, history.ErrInvalidFilter), errors.Is(err, history.ErrBadCursor),
		errors.Is(err, history.ErrInvalidTag), errors.Is(err, history.ErrInvalidCall):
		return withExit(exitUsage, err)
	}
	return err
}

// historyFilterFlags are the filters every listing of calls accepts.
type historyFilterFlags struct {
	direction, results, number, operator, account, line string
	since, until, notes, disposition, tag               string
	contact                                             int64
	withRecording, withoutRecording                     bool
}

func (f *historyFilterFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.direction, "direction", "", `"in" or "out"`)
	fl.StringVar(&f.results, "result", "", "results, comma-separated: answered, missed, busy, rejected, declined,\ncancelled, no-answer, failed, blacklisted, interrupted, live")
	fl.StringVar(&f.number, "number", "", "the remote number in any format; a few digits match the end of the number")
	fl.Int64Var(&f.contact, "contact", 0, "calls linked to this contact (all their numbers)")
	fl.StringVar(&f.operator, "operator", "", "calls handled by this operator")
	fl.StringVar(&f.account, "account", "", "calls on this account (line)")
	fl.StringVar(&f.line, "line", "", "incoming calls to this dialled number (DID)")
	fl.StringVar(&f.since, "since", "", `calls started at or after: "2025-03-05", "2025-03-05 16:30", RFC 3339, or "7d" / "12h" ago`)
	fl.StringVar(&f.until, "until", "", "calls started before (same forms as --since)")
	fl.BoolVar(&f.withRecording, "with-recording", false, "only calls with a recording")
	fl.BoolVar(&f.withoutRecording, "without-recording", false, "only calls without a recording")
	fl.StringVar(&f.notes, "notes", "", "calls whose notes contain this text (any case)")
	fl.StringVar(&f.disposition, "disposition", "", "calls with this wrap-up code")
	fl.StringVar(&f.tag, "tag", "", "calls with this tag")
}

// filter turns the flags into a history filter; the CRM normalises the
// number so that any spelling of it finds the same calls.
func (f *historyFilterFlags) filter(h *historyEnv, now time.Time) (history.Filter, error) {
	if f.withRecording && f.withoutRecording {
		return history.Filter{}, usageErrorf("use only one of --with-recording and --without-recording")
	}
	filter := history.Filter{Direction: f.direction, ContactID: f.contact, Operator: f.operator, Account: f.account,
		DialledLine: f.line, NotesText: f.notes, Disposition: f.disposition, Tag: f.tag}
	if f.results != "" {
		for _, result := range strings.Split(f.results, ",") {
			result = strings.TrimSpace(result)
			if result == "live" {
				result = history.ResultLive
			}
			filter.Results = append(filter.Results, result)
		}
	}
	if f.number != "" {
		// A full number is matched exactly, whatever its spelling; a few
		// digits or an extension match the end of the number as dialled.
		if number := h.crm.Normalize(f.number); number.Kind == numbers.KindE164 {
			filter.E164 = number.Key
		} else {
			filter.Number = f.number
		}
	}
	if f.withRecording || f.withoutRecording {
		with := f.withRecording
		filter.HasRecording = &with
	}
	var err error
	if f.since != "" {
		if filter.From, err = parseSince("--since", f.since, now, h.location); err != nil {
			return filter, err
		}
	}
	if f.until != "" {
		if filter.Until, err = parseSince("--until", f.until, now, h.location); err != nil {
			return filter, err
		}
	}
	return filter, nil
}

// parseSince reads a point in time: a date or clock time as parseWhen
// takes it, or a span back from now ("7d", "36h").
func parseSince(flag, text string, now time.Time, location *time.Location) (time.Time, error) {
	days, span, ok := parseSpan(text)
	switch {
	case ok && span == 0:
		return now.In(location).AddDate(0, 0, -days), nil
	case ok && span > 0:
		return now.Add(-span), nil
	}
	at, err := parseWhen(flag, text, now, location)
	if err != nil {
		return time.Time{}, usageErrorf(`%s %q: use a date ("2025-03-05"), a time ("2025-03-05 16:30", RFC 3339) or a span back from now ("7d", "12h")`, flag, text)
	}
	return at, nil
}

func (a *app) historyCommand() *cobra.Command {
	var filters historyFilterFlags
	var sortBy, cursor string
	var limit int
	var asJSON, asCSV bool
	cmd := &cobra.Command{
		Use:   "history [filters] [--json | --csv]",
		Short: "List, search and export the call history; statistics, notes and recordings",
		Long: `Without a sub-command, history lists calls, newest first, one page at a time:
the line after the table (or "next_cursor" in --json) continues the listing.
--csv writes every matching call (no paging), for a spreadsheet.`,
		Example: `  switchboard history --result missed --since 7d
  switchboard history --number '+7 495 123-45-67' --json
  switchboard history --since 2025-03-01 --until 2025-04-01 --csv > march.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && asCSV {
				return usageErrorf("use only one of --json and --csv")
			}
			if limit < 1 || limit > history.MaxPageSize {
				return usageErrorf("--limit must be between 1 and %d", history.MaxPageSize)
			}
			sort, err := parseHistorySort(sortBy)
			if err != nil {
				return err
			}
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				filter, err := filters.filter(h, time.Now())
				if err != nil {
					return err
				}
				if asCSV {
					return h.calls.ExportCSV(cmd.Context(), a.stdout, filter, sort, h.location)
				}
				calls, next, err := h.calls.List(cmd.Context(), filter, history.Page{Size: limit, Cursor: cursor, Sort: sort})
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, struct {
						Calls      []history.Call `json:"calls"`
						NextCursor string         `json:"next_cursor"`
					}{orEmpty(calls), next})
				}
				return h.printCalls(cmd.Context(), a.stdout, calls, next)
			})
		},
	}
	filters.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&sortBy, "sort", "newest", "newest, oldest, longest or shortest (by talk time)")
	fl.IntVar(&limit, "limit", history.DefaultPageSize, "calls per page")
	fl.StringVar(&cursor, "cursor", "", "continue a listing where the previous page ended")
	fl.BoolVar(&asJSON, "json", false, `print {"calls": [...], "next_cursor": "..."}`)
	fl.BoolVar(&asCSV, "csv", false, "write every matching call as CSV")
	cmd.AddCommand(a.historyShowCommand(), a.historyStatsCommand(), a.historyMissedCommand(),
		a.historyNoteCommand(), a.historyDisposeCommand(), a.historyTagCommand(), a.historyUntagCommand(),
		a.historyRecordingsCommand(), a.historyPlayCommand(), a.historyExportCommand(), a.historyPurgeCommand())
	return cmd
}

func parseHistorySort(text string) (history.Sort, error) {
	switch text {
	case "newest", "":
		return history.SortNewest, nil
	case "oldest":
		return history.SortOldest, nil
	case "longest":
		return history.SortLongest, nil
	case "shortest":
		return history.SortShortest, nil
	}
	return "", usageErrorf("--sort %q: use newest, oldest, longest or shortest", text)
}

// printCalls writes a page of calls as a table, with the command that
// shows the next page.
func (h *historyEnv) printCalls(ctx context.Context, w io.Writer, calls []history.Call, next string) error {
	if len(calls) == 0 {
		_, err := fmt.Fprintln(w, "no calls")
		return err
	}
	names := h.contactNames(ctx, calls)
	rows := make([][]string, 0, len(calls))
	for _, call := range calls {
		who := names[call.ContactID]
		if who == "" {
			who = call.DisplayName
		}
		rows = append(rows, []string{formatTime(call.StartedAt, h.location), call.Direction, resultWord(call),
			call.RemoteNumber, who, formatSpan(call.RingTime()), formatSpan(call.TalkTime()), call.Operator,
			callMarks(call), call.ID})
	}
	if err := printTable(w, []string{"STARTED", "DIR", "RESULT", "NUMBER", "WHO", "RING", "TALK", "OPERATOR", "", "ID"}, rows); err != nil {
		return err
	}
	if next != "" {
		_, err := fmt.Fprintf(w, "more: add --cursor %s\n", next)
		return err
	}
	return nil
}

// contactNames looks up the names of the contacts on a page; a contact
// deleted meanwhile simply has no name.
func (h *historyEnv) contactNames(ctx context.Context, calls []history.Call) map[int64]string {
	names := map[int64]string{}
	for _, call := range calls {
		if call.ContactID == 0 {
			continue
		}
		if _, done := names[call.ContactID]; done {
			continue
		}
		contact, err := h.crm.GetContact(ctx, call.ContactID)
		if err == nil {
			names[call.ContactID] = contact.Name
		} else {
			names[call.ContactID] = ""
		}
	}
	return names
}

// resultWord is the result as the table shows it: a call in progress is
// "live", a missed call nobody called back is marked.
func resultWord(call history.Call) string {
	switch {
	case call.Result == history.ResultLive:
		return "live"
	case call.Result == history.ResultMissed && call.Direction == history.DirectionIn && call.CalledBackAt.IsZero():
		return "missed!"
	}
	return call.Result
}

// callMarks flags what a call carries: R recording, N notes, D disposition,
// T tags.
func callMarks(call history.Call) string {
	var marks []byte
	for _, mark := range []struct {
		on   bool
		flag byte
	}{{call.Recording != "", 'R'}, {call.Notes != "", 'N'}, {call.Disposition != "", 'D'}, {call.Tags != "", 'T'}} {
		if mark.on {
			marks = append(marks, mark.flag)
		}
	}
	return string(marks)
}

// formatSpan shows a duration as m:ss (h:mm:ss past an hour); "" for none.
func formatSpan(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	seconds := int(d.Round(time.Second) / time.Second)
	if seconds >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", seconds/3600, seconds/60%60, seconds%60)
	}
	return fmt.Sprintf("%d:%02d", seconds/60, seconds%60)
}
