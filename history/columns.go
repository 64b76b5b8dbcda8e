package history

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// column ties one column of the calls table to its Call field. Every
// statement that reads or writes whole rows is built from the one list
// below, so column order, names and conversions cannot drift apart.
type column struct {
	// name is the SQL column, or for a read-only column an expression over
	// the row of calls being read.
	name string
	// value is what is written for the call; nil for a read-only column,
	// which the database maintains.
	value func(c *Call) any
	// dest is the Scan destination for the call's field.
	dest func(c *Call) any
}

func textColumn(name string, field func(c *Call) *string) column {
	return column{name: name, value: func(c *Call) any { return *field(c) }, dest: func(c *Call) any { return field(c) }}
}

func intColumn(name string, field func(c *Call) *int) column {
	return column{name: name, value: func(c *Call) any { return *field(c) }, dest: func(c *Call) any { return field(c) }}
}

func idColumn(name string, field func(c *Call) *int64) column {
	return column{name: name, value: func(c *Call) any { return *field(c) }, dest: func(c *Call) any { return field(c) }}
}

func realColumn(name string, field func(c *Call) *float64) column {
	return column{name: name, value: func(c *Call) any { return *field(c) }, dest: func(c *Call) any { return field(c) }}
}

func timeColumn(name string, field func(c *Call) *time.Time) column {
	return column{
		name:  name,
		value: func(c *Call) any { return toMillis(*field(c)) },
		dest:  func(c *Call) any { return millisDest{field(c)} },
	}
}

// callColumns lists every column of a call record except id, which every
// statement handles itself.
var callColumns = []column{
	textColumn("account", func(c *Call) *string { return &c.Account }),
	textColumn("direction", func(c *Call) *string { return &c.Direction }),
	textColumn("local_uri", func(c *Call) *string { return &c.LocalURI }),
	textColumn("remote_uri", func(c *Call) *string { return &c.RemoteURI }),
	textColumn("remote_number", func(c *Call) *string { return &c.RemoteNumber }),
	// Derived from remote_number, never read back: it only serves the
	// suffix search (see 0003_history.sql).
	{name: "remote_digits_rev", value: func(c *Call) any { return reversedDigits(c.RemoteNumber) }},
	textColumn("remote_e164", func(c *Call) *string { return &c.RemoteE164 }),
	textColumn("display_name", func(c *Call) *string { return &c.DisplayName }),
	textColumn("dialled_line", func(c *Call) *string { return &c.DialledLine }),
	idColumn("contact_id", func(c *Call) *int64 { return &c.ContactID }),
	idColumn("case_id", func(c *Call) *int64 { return &c.CaseID }),
	idColumn("task_id", func(c *Call) *int64 { return &c.TaskID }),
	textColumn("operator", func(c *Call) *string { return &c.Operator }),
	timeColumn("started_at", func(c *Call) *time.Time { return &c.StartedAt }),
	timeColumn("ringing_at", func(c *Call) *time.Time { return &c.RingingAt }),
	timeColumn("answered_at", func(c *Call) *time.Time { return &c.AnsweredAt }),
	timeColumn("ended_at", func(c *Call) *time.Time { return &c.EndedAt }),
	timeColumn("last_alive_at", func(c *Call) *time.Time { return &c.LastAliveAt }),
	textColumn("result", func(c *Call) *string { return &c.Result }),
	intColumn("sip_code", func(c *Call) *int { return &c.SIPCode }),
	textColumn("sip_reason", func(c *Call) *string { return &c.SIPReason }),
	textColumn("hangup_by", func(c *Call) *string { return &c.HangupBy }),
	textColumn("transfer_target", func(c *Call) *string { return &c.TransferTarget }),
	textColumn("codec", func(c *Call) *string { return &c.Codec }),
	realColumn("loss_pct", func(c *Call) *float64 { return &c.Quality.LossPercent }),
	realColumn("jitter_ms", func(c *Call) *float64 { return &c.Quality.JitterMillis }),
	realColumn("delay_ms", func(c *Call) *float64 { return &c.Quality.DelayMillis }),
	realColumn("mos", func(c *Call) *float64 { return &c.Quality.MOS }),
	textColumn("recording", func(c *Call) *string { return &c.Recording }),
	textColumn("notes", func(c *Call) *string { return &c.Notes }),
	textColumn("disposition", func(c *Call) *string { return &c.Disposition }),
	// Read-only: kept by AddTag/RemoveTag and by the callback triggers.
	{
		name: "(SELECT group_concat(tag, ' ' ORDER BY tag) FROM call_tags WHERE call_tags.call_id = calls.id)",
		dest: func(c *Call) any { return nullTextDest{&c.Tags} },
	},
	{name: "called_back_at", dest: func(c *Call) any { return millisDest{&c.CalledBackAt} }},
}

// Statements built from callColumns. Values only ever travel as placeholders.
var (
	insertCallSQL = buildInsertSQL()
	// selectCallSQL reads whole rows; the rowid comes first because keyset
	// pagination needs it as the tie-breaker.
	selectCallSQL = buildSelectSQL()
	getCallSQL    = selectCallSQL + ` WHERE id = ?`
)

func buildInsertSQL() string {
	names := []string{"id"}
	for _, col := range callColumns {
		if col.value != nil {
			names = append(names, col.name)
		}
	}
	return fmt.Sprintf("INSERT INTO calls (%s) VALUES (?%s) ON CONFLICT (id) DO NOTHING",
		strings.Join(names, ", "), strings.Repeat(", ?", len(names)-1))
}

func buildSelectSQL() string {
	return "SELECT " + callSelectList + " FROM calls"
}

// callSelectList is what scanCall reads, qualified so that it also works in
// a join.
var callSelectList = buildSelectList()

func buildSelectList() string {
	names := []string{"calls.rowid", "calls.id"}
	for _, col := range callColumns {
		switch {
		case col.dest == nil:
		case strings.HasPrefix(col.name, "("):
			names = append(names, col.name) // an expression; qualifies itself
		default:
			names = append(names, "calls."+col.name)
		}
	}
	return strings.Join(names, ", ")
}

// insertValues returns the placeholders' values for insertCallSQL.
func insertValues(call *Call) []any {
	values := make([]any, 0, len(callColumns)+1)
	values = append(values, call.ID)
	for _, col := range callColumns {
		if col.value != nil {
			values = append(values, col.value(call))
		}
	}
	return values
}

// changedColumns builds "a = ?, b = ?" for the writable columns whose values
// differ between stored and updated. Writing only those keeps an event that
// sets one field from rewriting every index entry of the row, and makes
// column triggers (UPDATE OF ...) fire only for real changes.
func changedColumns(stored, updated *Call) (assignments string, values []any) {
	var set strings.Builder
	for _, col := range callColumns {
		if col.value == nil {
			continue
		}
		newValue := col.value(updated)
		if newValue == col.value(stored) {
			continue
		}
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(col.name)
		set.WriteString(" = ?")
		values = append(values, newValue)
	}
	return set.String(), values
}

// rowScanner is satisfied by *sql.Row and *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// scanCall reads one row of selectCallSQL; it also returns the rowid. extra
// receives columns selected after callSelectList.
func scanCall(row rowScanner, extra ...any) (Call, int64, error) {
	var call Call
	var rowid int64
	dests := make([]any, 0, len(callColumns)+2+len(extra))
	dests = append(dests, &rowid, &call.ID)
	for _, col := range callColumns {
		if col.dest != nil {
			dests = append(dests, col.dest(&call))
		}
	}
	dests = append(dests, extra...)
	err := row.Scan(dests...)
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, 0, ErrNotFound
	}
	if err != nil {
		return Call{}, 0, err
	}
	return call, rowid, nil
}

// millisDest scans a nullable unix-millisecond column into a time.Time.
type millisDest struct{ t *time.Time }

func (d millisDest) Scan(src any) error {
	var millis sql.NullInt64
	if err := millis.Scan(src); err != nil {
		return err
	}
	*d.t = fromMillis(millis)
	return nil
}

// nullTextDest scans text that may be NULL (an aggregate over no rows) as "".
type nullTextDest struct{ s *string }

func (d nullTextDest) Scan(src any) error {
	var text sql.NullString
	if err := text.Scan(src); err != nil {
		return err
	}
	*d.s = text.String
	return nil
}

// toMillis maps the zero time ("unknown") to NULL rather than to the unix
// millisecond value of year 1, which would sort and subtract as a real time.
func toMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMillis(millis sql.NullInt64) time.Time {
	if !millis.Valid {
		return time.Time{}
	}
	return time.UnixMilli(millis.Int64).UTC()
}

// reversedDigits keeps the digits of a number, last first: "+49 30 1234"
// becomes "43210394". A suffix search on the number is a prefix search on
// this key.
func reversedDigits(number string) string {
	digits := make([]byte, 0, len(number))
	for i := len(number) - 1; i >= 0; i-- {
		if number[i] >= '0' && number[i] <= '9' {
			digits = append(digits, number[i])
		}
	}
	return string(digits)
}
