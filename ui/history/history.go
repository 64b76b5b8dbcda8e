// Package history is the history screen: a table of calls, newest first,
// missed calls in red and the missed calls nobody called back marked. The
// rows come from the backend (one page at a time); this package only
// shows them and keeps the filter the next page is asked with.
package history

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	hist "github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/common"
)

// NotCalledBackMark flags an incoming missed call with no later answered
// call: the operator's to-do list at a glance, visible without colour.
const NotCalledBackMark = "!"

// Model is the history screen.
type Model struct {
	common     *common.Common
	table      rowView
	calls      []hist.Call
	missedOnly bool
	number     string // a number the list is narrowed to ("open history" on the popup)
	loaded     bool
	err        error
	// Paging: cursor is the page shown ("" = the first), next the page
	// after it ("" = this is the last), back the cursors of the pages
	// before it, for going back.
	cursor, next string
	back         []string
	playing      string // id of the call whose recording plays
}

// New returns an empty history screen.
func New(c *common.Common) Model {
	return Model{common: c, table: newRowView(c.Styles.Table())}
}

// Filter is what the backend is asked for.
func (m Model) Filter() hist.Filter {
	f := hist.Filter{Number: m.number}
	if m.missedOnly {
		f.Direction = hist.DirectionIn
		f.Results = []string{hist.ResultMissed}
	}
	return f
}

// Page is the page the backend is asked for: the one shown.
func (m Model) Page() hist.Page {
	return hist.Page{Size: hist.DefaultPageSize, Cursor: m.cursor}
}

// ToggleMissedOnly switches between all calls and missed calls, from the
// first page.
func (m *Model) ToggleMissedOnly() {
	m.missedOnly = !m.missedOnly
	m.firstPage()
}

// SetNumber narrows the list to one number ("" = every number), from the
// first page.
func (m *Model) SetNumber(number string) {
	if number != m.number {
		m.firstPage()
	}
	m.number = number
}

func (m *Model) firstPage() { m.cursor, m.next, m.back = "", "", nil }

// HasNext and HasPrev tell whether there is a page after or before the
// one shown.
func (m Model) HasNext() bool { return m.next != "" }
func (m Model) HasPrev() bool { return len(m.back) > 0 }

// NextPage moves to the page after this one; false on the last page.
// Ask the backend for Page() after it.
func (m *Model) NextPage() bool {
	if m.next == "" {
		return false
	}
	m.back = append(m.back, m.cursor)
	m.cursor, m.next = m.next, ""
	return true
}

// PrevPage moves to the page before this one; false on the first.
func (m *Model) PrevPage() bool {
	if len(m.back) == 0 {
		return false
	}
	m.cursor = m.back[len(m.back)-1]
	m.back = m.back[:len(m.back)-1]
	return true
}

// SetCalls shows the first page of calls (or the error of asking for it).
func (m *Model) SetCalls(calls []hist.Call, err error) { m.SetPage(calls, "", err) }

// SetPage shows a page of calls with the cursor of the next one ("" on the
// last page), or the error of asking for it.
func (m *Model) SetPage(calls []hist.Call, next string, err error) {
	m.loaded, m.err = true, err
	if err != nil {
		return
	}
	keep := m.table.Cursor()
	same := len(calls) == len(m.calls) && len(calls) > 0 && calls[0].ID == m.calls[0].ID
	m.calls, m.next = calls, next
	m.table.SetRows(m.rows())
	if same && keep < len(calls) {
		// The same page again (after a note or a code was given): the
		// cursor stays on the row the operator was working on.
		m.table.SetCursor(keep)
		return
	}
	m.table.SetCursor(0)
}

// SetPlaying marks the call whose recording plays ("" = none).
func (m *Model) SetPlaying(callID string) { m.playing = callID }

// Selected is the call under the cursor, or nil.
func (m Model) Selected() *hist.Call {
	i := m.table.Cursor()
	if i < 0 || i >= len(m.calls) {
		return nil
	}
	return &m.calls[i]
}

// Update moves the cursor.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.table.Update(msg)
	return m, nil
}

// SetSize fits the table into width×height cells.
func (m *Model) SetSize(width, height int) {
	m.table.SetColumns(columns(width))
	m.table.SetHeight(max(3, height-1))
	m.table.SetRows(m.rows())
}

func columns(width int) []table.Column {
	// Fixed columns first; the name and notes share what is left, so a
	// wide terminal shows more notes and not wider dates.
	fixed := []table.Column{
		{Title: " ", Width: 1},
		{Title: "When", Width: 12},
		{Title: "", Width: 1},
		{Title: "Number", Width: 16},
		{Title: "Result", Width: 11},
		{Title: "Talk", Width: 5},
	}
	used := 0
	for _, c := range fixed {
		used += c.Width + 2 // the cell padding
	}
	rest := max(8, width-used-4)
	name := rest
	notes := 0
	if rest > 40 {
		name = rest / 2
		notes = rest - name
	}
	cols := append(fixed[:4:4], table.Column{Title: "Name", Width: name})
	cols = append(cols, fixed[4:]...)
	if notes > 0 {
		cols = append(cols, table.Column{Title: "Notes", Width: notes})
	}
	return cols
}

func (m Model) rows() []table.Row {
	withNotes := len(m.table.Columns()) > 7
	rows := make([]table.Row, 0, len(m.calls))
	loc := m.common.Location
	for _, c := range m.calls {
		mark := ""
		missed := c.Result == hist.ResultMissed
		if missed && c.Direction == hist.DirectionIn && c.CalledBackAt.IsZero() {
			mark = NotCalledBackMark
		}
		dir := "←"
		if c.Direction == hist.DirectionOut {
			dir = "→"
		}
		result := c.Result
		if result == hist.ResultLive {
			result = "live"
		}
		if missed {
			result = m.common.Styles.Missed.Render(result)
			mark = m.common.Styles.Missed.Render(mark)
		}
		number := c.RemoteNumber
		if number == "" {
			number = c.RemoteE164
		}
		row := table.Row{mark, c.StartedAt.In(loc).Format("02 Jan 15:04"), dir, number, c.DisplayName, result, talk(c.TalkTime())}
		if withNotes {
			notes := strings.ReplaceAll(c.Notes, "\n", " ")
			if c.Disposition != "" {
				notes = strings.TrimSpace("[" + c.Disposition + "] " + notes)
			}
			if c.Recording != "" {
				notes = "♪ " + notes
			}
			row = append(row, notes)
		}
		rows = append(rows, row)
	}
	return rows
}

func talk(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// View draws the screen.
func (m Model) View() string {
	st := m.common.Styles
	title := "All calls"
	if m.missedOnly {
		title = "Missed calls"
	}
	if m.number != "" {
		title += " with " + m.number
	}
	info := fmt.Sprintf("  page %d · %d shown · %s not called back", len(m.back)+1, len(m.calls), NotCalledBackMark)
	if m.next != "" {
		info += " · ] more"
	}
	head := st.Title.Render(title) + st.Subtle.Render(info)
	if m.playing != "" {
		head += st.Accent.Render("  ▶ playing")
	}
	switch {
	case m.err != nil:
		return head + "\n" + st.Error.Render("Could not load the history: "+m.err.Error())
	case !m.loaded:
		return head + "\n" + st.Subtle.Render("loading…")
	case len(m.calls) == 0:
		return head + "\n" + st.Subtle.Render("No calls.")
	}
	return head + "\n" + m.table.View()
}

// Restyle takes the current theme (after the terminal said light or dark).
func (m Model) Restyle() Model {
	m.table.SetStyles(m.common.Styles.Table())
	m.table.SetRows(m.rows())
	return m
}
