package history

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// rowView shows a page of calls the way bubbles' table does (its columns,
// styles and keys), but renders each row once per page, size and theme
// instead of on every key. The table renders twice its height of rows, two
// lipgloss renders per cell, on each cursor move: about 4 ms a key at 132
// columns, a quarter of a frame, where this takes two rows.
type rowView struct {
	keys   table.KeyMap
	styles table.Styles
	cols   []table.Column
	rows   []table.Row
	// rendered caches each row without the cursor's style; "" = not drawn
	// yet (rows far below the screen are drawn when they are reached).
	rendered []string
	header   string // drawn when the columns or styles change
	// height is the rows shown below the header; offset the first of them.
	cursor, offset, height int
}

func newRowView(styles table.Styles) rowView {
	return rowView{keys: table.DefaultKeyMap(), styles: styles, height: 1}
}

func (v *rowView) SetStyles(s table.Styles) {
	v.styles = s
	v.header = v.renderHeader()
	v.clearCache()
}

func (v *rowView) SetColumns(cols []table.Column) {
	v.cols = cols
	v.header = v.renderHeader()
	v.clearCache()
}

// SetRows replaces the rows; the cursor stays where it was, within them.
func (v *rowView) SetRows(rows []table.Row) {
	v.rows = rows
	v.clearCache()
	v.SetCursor(v.cursor)
}

// SetHeight sets the lines of the whole view, header included.
func (v *rowView) SetHeight(lines int) {
	v.height = max(1, lines-1)
	v.scrollToCursor()
}

func (v *rowView) Columns() []table.Column { return v.cols }
func (v *rowView) Cursor() int             { return v.cursor }

func (v *rowView) SetCursor(i int) {
	v.cursor = max(0, min(i, len(v.rows)-1))
	v.scrollToCursor()
}

// Update moves the cursor on the table's keys.
func (v *rowView) Update(msg tea.Msg) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return
	}
	switch {
	case key.Matches(k, v.keys.LineUp):
		v.SetCursor(v.cursor - 1)
	case key.Matches(k, v.keys.LineDown):
		v.SetCursor(v.cursor + 1)
	case key.Matches(k, v.keys.PageUp):
		v.SetCursor(v.cursor - v.height)
	case key.Matches(k, v.keys.PageDown):
		v.SetCursor(v.cursor + v.height)
	case key.Matches(k, v.keys.HalfPageUp):
		v.SetCursor(v.cursor - v.height/2)
	case key.Matches(k, v.keys.HalfPageDown):
		v.SetCursor(v.cursor + v.height/2)
	case key.Matches(k, v.keys.GotoTop):
		v.SetCursor(0)
	case key.Matches(k, v.keys.GotoBottom):
		v.SetCursor(len(v.rows) - 1)
	}
}

func (v *rowView) scrollToCursor() {
	switch {
	case v.cursor < v.offset:
		v.offset = v.cursor
	case v.cursor >= v.offset+v.height:
		v.offset = v.cursor - v.height + 1
	}
	v.offset = max(0, min(v.offset, len(v.rows)-v.height))
}

func (v *rowView) clearCache() {
	v.rendered = make([]string, len(v.rows))
}

// View draws the header and the rows in sight; the cursor's row in the
// selected style. Rows are drawn into the cache the first time they show:
// the cache's array is shared by the model's copies, and a new page gets a
// new one, so what a copy finds there is always its own page's.
func (v rowView) View() string {
	var b strings.Builder
	b.WriteString(v.header)
	end := min(len(v.rows), v.offset+v.height)
	for i := v.offset; i < end; i++ {
		if v.rendered[i] == "" {
			v.rendered[i] = v.renderRow(v.rows[i])
		}
		b.WriteByte('\n')
		if i == v.cursor {
			b.WriteString(v.styles.Selected.Render(v.rendered[i]))
		} else {
			b.WriteString(v.rendered[i])
		}
	}
	for i := end - v.offset; i < v.height; i++ {
		b.WriteByte('\n') // keep the height, as the table's viewport does
	}
	return b.String()
}

func (v *rowView) renderHeader() string {
	cells := make([]string, 0, len(v.cols))
	for _, col := range v.cols {
		if col.Width > 0 {
			cells = append(cells, v.styles.Header.Render(fitCell(col.Title, col.Width)))
		}
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, cells...)
}

// renderRow pads each cell to its column with one space either side (the
// table's cell style) by hand: the cells are plain text or already styled,
// and a lipgloss render per cell is what made the table slow.
func (v *rowView) renderRow(row table.Row) string {
	var b strings.Builder
	for i, value := range row {
		if i >= len(v.cols) || v.cols[i].Width <= 0 {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(fitCell(value, v.cols[i].Width))
		b.WriteByte(' ')
	}
	return b.String()
}

// fitCell truncates text to width cells (with "…") and pads it with spaces.
func fitCell(text string, width int) string {
	text = ansi.Truncate(text, width, "…")
	if pad := width - ansi.StringWidth(text); pad > 0 {
		text += strings.Repeat(" ", pad)
	}
	return text
}
