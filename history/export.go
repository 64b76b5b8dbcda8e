package history

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// exportPageSize: large pages keep the number of queries low; each page
// is still a bounded keyset query, so an export never holds a read
// transaction open for the whole history.
const exportPageSize = MaxPageSize

// All iterates over every call matching the filter, in the sort's order,
// page by page. It stops at the first error, which it yields with a zero
// Call.
func (r *Repo) All(ctx context.Context, filter Filter, sort Sort) iter.Seq2[Call, error] {
	return func(yield func(Call, error) bool) {
		page := Page{Size: exportPageSize, Sort: sort}
		for {
			calls, next, err := r.List(ctx, filter, page)
			if err != nil {
				yield(Call{}, err)
				return
			}
			for _, call := range calls {
				if !yield(call, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			page.Cursor = next
		}
	}
}

// csvHeader names the CSV columns: the JSON names of Call's fields, plus
// the derived durations.
var csvHeader = []string{
	"id", "started_at", "direction", "account", "dialled_line", "remote_number", "remote_e164", "display_name",
	"contact_id", "case_id", "task_id", "operator", "result", "sip_code", "sip_reason", "hangup_by",
	"ringing_at", "answered_at", "ended_at", "ring_ms", "talk_ms", "transfer_target", "codec",
	"loss_pct", "jitter_ms", "delay_ms", "mos", "recording", "disposition", "tags", "notes", "called_back_at",
	"local_uri", "remote_uri",
}

// CSVWriter writes calls as CSV, a header row first. Times are RFC 3339 in
// the writer's location (UTC if nil), "" when unknown.
type CSVWriter struct {
	out      *csv.Writer
	loc      *time.Location
	wroteHdr bool
}

// NewCSVWriter returns a CSV writer; call Flush when done.
func NewCSVWriter(w io.Writer, loc *time.Location) *CSVWriter {
	if loc == nil {
		loc = time.UTC
	}
	return &CSVWriter{out: csv.NewWriter(w), loc: loc}
}

// Write writes one call (after the header, on the first call).
func (w *CSVWriter) Write(call Call) error {
	if !w.wroteHdr {
		if err := w.out.Write(csvHeader); err != nil {
			return fmt.Errorf("history: write csv: %w", err)
		}
		w.wroteHdr = true
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(w.loc).Format(time.RFC3339Nano)
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	figure := func(f float64) string {
		if !call.Quality.Measured() {
			return ""
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	record := []string{
		call.ID, when(call.StartedAt), call.Direction, call.Account, call.DialledLine, call.RemoteNumber, call.RemoteE164, call.DisplayName,
		id(call.ContactID), id(call.CaseID), id(call.TaskID), call.Operator, call.Result, id(int64(call.SIPCode)), call.SIPReason, call.HangupBy,
		when(call.RingingAt), when(call.AnsweredAt), when(call.EndedAt),
		strconv.FormatInt(call.RingTime().Milliseconds(), 10), strconv.FormatInt(call.TalkTime().Milliseconds(), 10),
		call.TransferTarget, call.Codec,
		figure(call.Quality.LossPercent), figure(call.Quality.JitterMillis), figure(call.Quality.DelayMillis), figure(call.Quality.MOS),
		call.Recording, call.Disposition, call.Tags, call.Notes, when(call.CalledBackAt),
		call.LocalURI, call.RemoteURI,
	}
	for i := range record {
		record[i] = defuseFormula(record[i])
	}
	if err := w.out.Write(record); err != nil {
		return fmt.Errorf("history: write csv: %w", err)
	}
	return nil
}

// Flush writes any buffered data and reports a write error.
func (w *CSVWriter) Flush() error {
	if !w.wroteHdr {
		// An empty export still says what its columns would be.
		if err := w.out.Write(csvHeader); err != nil {
			return fmt.Errorf("history: write csv: %w", err)
		}
		w.wroteHdr = true
	}
	w.out.Flush()
	if err := w.out.Error(); err != nil {
		return fmt.Errorf("history: write csv: %w", err)
	}
	return nil
}

// ExportCSV writes every call matching the filter as CSV.
func (r *Repo) ExportCSV(ctx context.Context, w io.Writer, filter Filter, sort Sort, loc *time.Location) error {
	out := NewCSVWriter(w, loc)
	for call, err := range r.All(ctx, filter, sort) {
		if err != nil {
			return err
		}
		if err := out.Write(call); err != nil {
			return err
		}
	}
	return out.Flush()
}

// defuseFormula stops spreadsheets from running a cell as a formula. Display
// names and numbers come from the remote caller, so "=HYPERLINK(...)" in a
// caller id must stay text. Phone numbers ("+49 30 ...", "-1") are left
// alone: they cannot be formulas.
func defuseFormula(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '@', '\t', '\r':
		return "'" + cell
	case '+', '-':
		for _, r := range cell[1:] {
			if (r < '0' || r > '9') && r != ' ' && r != '.' {
				return "'" + cell
			}
		}
	}
	return cell
}
