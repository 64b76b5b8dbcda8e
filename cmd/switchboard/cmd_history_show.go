package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/history"
)

// statsDefaultDays is the period "history stats" covers without --since.
const statsDefaultDays = 30

func (a *app) historyShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CALLID",
		Short: "Show everything recorded about one call",
		Args:  exactArgs(1, "give the call's ID (the last column of switchboard history)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				call, err := h.calls.Get(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				var recording *history.Recording
				if call.Recording != "" {
					checked := history.CheckRecording(call)
					recording = &checked
				}
				if asJSON {
					return printCallJSON(a.stdout, call, recording)
				}
				return h.printCall(cmd.Context(), a.stdout, call, recording)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the call as JSON")
	return cmd
}

// printCallJSON writes the call's JSON with the recording's check added
// as "recording_status" (status, bytes, problem).
func printCallJSON(w io.Writer, call history.Call, recording *history.Recording) error {
	encoded, err := json.Marshal(call)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &fields); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	if recording != nil {
		status, err := json.Marshal(struct {
			Status  history.RecordingStatus `json:"status"`
			Bytes   int64                   `json:"bytes"`
			Problem string                  `json:"problem,omitempty"`
		}{recording.Status, recording.Bytes, recording.Problem})
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		fields["recording_status"] = status
	}
	return printJSON(w, fields)
}

// printCall writes one call as "field: value" lines, leaving out what is
// not known.
func (h *historyEnv) printCall(ctx context.Context, w io.Writer, call history.Call, recording *history.Recording) error {
	contact := ""
	if call.ContactID != 0 {
		contact = fmt.Sprintf("#%d %s", call.ContactID, h.contactNames(ctx, []history.Call{call})[call.ContactID])
	}
	quality := ""
	if call.Quality.Measured() {
		quality = fmt.Sprintf("MOS %.1f, loss %.1f %%, jitter %.0f ms", call.Quality.MOS, call.Quality.LossPercent, call.Quality.JitterMillis)
	}
	sip := ""
	if call.SIPCode != 0 {
		sip = strings.TrimSpace(fmt.Sprintf("%d %s", call.SIPCode, call.SIPReason))
	}
	recordingLine := call.Recording
	if recording != nil && recording.Status != history.RecordingOK {
		recordingLine += fmt.Sprintf(" (%s: %s)", recording.Status, recording.Problem)
	}
	calledBack := ""
	if !call.CalledBackAt.IsZero() {
		calledBack = formatTime(call.CalledBackAt, h.location)
	}
	fields := []struct{ name, value string }{
		{"call", call.ID}, {"account", call.Account}, {"direction", call.Direction}, {"result", resultWord(call)},
		{"number", call.RemoteNumber}, {"normalised", call.RemoteE164}, {"name", call.DisplayName},
		{"dialled line", call.DialledLine}, {"contact", contact}, {"case", idText(call.CaseID)}, {"task", idText(call.TaskID)},
		{"operator", call.Operator}, {"local", call.LocalURI}, {"remote", call.RemoteURI},
		{"started", formatSeconds(call.StartedAt, h.location)}, {"ringing", formatSeconds(call.RingingAt, h.location)},
		{"answered", formatSeconds(call.AnsweredAt, h.location)}, {"ended", formatSeconds(call.EndedAt, h.location)},
		{"ring time", formatSpan(call.RingTime())}, {"talk time", formatSpan(call.TalkTime())},
		{"sip", sip}, {"hung up by", call.HangupBy}, {"transferred to", call.TransferTarget},
		{"codec", call.Codec}, {"quality", quality}, {"recording", recordingLine},
		{"disposition", call.Disposition}, {"tags", call.Tags}, {"called back", calledBack},
	}
	for _, field := range fields {
		if field.value == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%-15s %s\n", field.name+":", field.value); err != nil {
			return err
		}
	}
	if call.Notes != "" {
		_, err := fmt.Fprintf(w, "notes:\n  %s\n", strings.ReplaceAll(call.Notes, "\n", "\n  "))
		return err
	}
	return nil
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("#%d", id)
}

func formatSeconds(at time.Time, location *time.Location) string {
	if at.IsZero() {
		return ""
	}
	return at.In(location).Format("2006-01-02 15:04:05")
}

func (a *app) historyStatsCommand() *cobra.Command {
	var since, until string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [--since …] [--until …] [--json]",
		Short: "Statistics of a period: per day, per hour, per line, DID, operator and disposition",
		Long: fmt.Sprintf(`Without --since, the last %d days including today. Days and hours are those of
the CRM's time zone (crm.time_zone), else the machine's.`, statsDefaultDays),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				now := time.Now()
				local := now.In(h.location)
				query := history.StatsQuery{Location: h.location, Until: now,
					From: time.Date(local.Year(), local.Month(), local.Day()-statsDefaultDays+1, 0, 0, 0, 0, h.location)}
				var err error
				if since != "" {
					if query.From, err = parseSince("--since", since, now, h.location); err != nil {
						return err
					}
				}
				if until != "" {
					if query.Until, err = parseSince("--until", until, now, h.location); err != nil {
						return err
					}
				}
				if !query.From.Before(query.Until) {
					return usageErrorf("the period is empty: --since %s is not before --until %s",
						formatTime(query.From, h.location), formatTime(query.Until, h.location))
				}
				if query.OpenTaskNumbers, err = h.crm.OpenTaskNumbers(cmd.Context()); err != nil {
					return err
				}
				stats, err := h.calls.Statistics(cmd.Context(), query)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, stats)
				}
				return printStats(a.stdout, stats, h.location)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", `start of the period: "2025-03-01", "2025-03-01 08:00", RFC 3339 or "7d" ago`)
	fl.StringVar(&until, "until", "", "end of the period, not included (default now)")
	fl.BoolVar(&asJSON, "json", false, "print the statistics as JSON (durations in nanoseconds)")
	return cmd
}

func statsHeader() []string {
	return []string{"", "CALLS", "ANSWERED", "MISSED", "NOT CALLED BACK", "AVG RING", "AVG TALK", "TALK"}
}

func statsRow(label string, f history.Figures) []string {
	return []string{label, fmt.Sprint(f.Total), fmt.Sprint(f.Answered), fmt.Sprint(f.Missed), fmt.Sprint(f.MissedNotCalledBack),
		formatSpan(f.AvgRingTime), formatSpan(f.AvgTalkTime), formatSpan(f.TalkTime)}
}

func printStats(w io.Writer, stats history.Stats, location *time.Location) error {
	fmt.Fprintf(w, "%s to %s (%s)\n\n", formatTime(stats.From, location), formatTime(stats.Until, location), stats.Location)
	rows := [][]string{statsRow("total", stats.Total)}
	for _, day := range stats.Days {
		if day.Total > 0 {
			rows = append(rows, statsRow(day.Day.Format("2006-01-02 Mon"), day.Figures))
		}
	}
	if err := printTable(w, statsHeader(), rows); err != nil {
		return err
	}
	rows = rows[:0]
	for hour, figures := range stats.Hours {
		if figures.Total > 0 {
			rows = append(rows, statsRow(fmt.Sprintf("%02d:00", hour), figures))
		}
	}
	sections := []struct {
		title string
		rows  [][]string
	}{{"per hour of the day", rows}}
	for _, breakdown := range []struct {
		title string
		keys  []history.KeyFigures
		none  string
	}{
		{"per line (account)", stats.Accounts, "(none)"},
		{"per dialled number (DID)", stats.DialledLines, "(outgoing / none)"},
		{"per operator", stats.Operators, "(none)"},
		{"per disposition", stats.Dispositions, "(none)"},
	} {
		var keyRows [][]string
		for _, key := range breakdown.keys {
			label := key.Key
			if label == "" {
				label = breakdown.none
			}
			keyRows = append(keyRows, statsRow(label, key.Figures))
		}
		sections = append(sections, struct {
			title string
			rows  [][]string
		}{breakdown.title, keyRows})
	}
	for _, section := range sections {
		if len(section.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", section.title)
		if err := printTable(w, statsHeader(), section.rows); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) historyMissedCommand() *cobra.Command {
	var since string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "missed [--since …] [--json]",
		Short: "Missed calls nobody called back yet (and no open task covers): the to-do list",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usageErrorf("--limit must not be negative")
			}
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				query := history.CallbackQuery{Limit: limit}
				var err error
				if since != "" {
					if query.Since, err = parseSince("--since", since, time.Now(), h.location); err != nil {
						return err
					}
				}
				if query.OpenTaskNumbers, err = h.crm.OpenTaskNumbers(cmd.Context()); err != nil {
					return err
				}
				missed, err := h.calls.MissedNotCalledBack(cmd.Context(), query)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, orEmpty(missed))
				}
				if len(missed) == 0 {
					_, err := fmt.Fprintln(a.stdout, "no missed calls waiting for a call back")
					return err
				}
				calls := make([]history.Call, len(missed))
				for i, m := range missed {
					calls[i] = m.Call
				}
				names := h.contactNames(cmd.Context(), calls)
				rows := make([][]string, 0, len(missed))
				for _, m := range missed {
					rows = append(rows, []string{formatTime(m.StartedAt, h.location), m.Number, names[m.ContactID],
						fmt.Sprint(m.Attempts), formatTime(m.FirstMissedAt, h.location), m.ID})
				}
				return printTable(a.stdout, []string{"LAST MISSED", "NUMBER", "CONTACT", "ATTEMPTS", "FIRST MISSED", "ID"}, rows)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", `only missed calls since: "2025-03-01", RFC 3339 or "7d" ago`)
	fl.IntVar(&limit, "limit", 0, "show at most this many numbers (0: all)")
	fl.BoolVar(&asJSON, "json", false, "print the list as a JSON array")
	return cmd
}
