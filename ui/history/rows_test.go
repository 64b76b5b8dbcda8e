package history

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func rowsOf(prefix string, n int) []table.Row {
	rows := make([]table.Row, n)
	for i := range rows {
		rows[i] = table.Row{fmt.Sprintf("%s%02d", prefix, i), "x"}
	}
	return rows
}

// shown is the first cell of each row line in the view.
func shown(v rowView) []string {
	var out []string
	for _, line := range strings.Split(ansi.Strip(v.View()), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

func TestRowViewScrollsWithTheCursorAndDrawsNewPages(t *testing.T) {
	v := newRowView(table.DefaultStyles())
	v.SetColumns([]table.Column{{Title: "Id", Width: 4}, {Title: "V", Width: 2}})
	v.SetHeight(4) // header + 3 rows
	v.SetRows(rowsOf("a", 10))
	if got := strings.Join(shown(v), " "); got != "a00 a01 a02" {
		t.Fatalf("first screen %q", got)
	}
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	for range 4 {
		v.Update(down)
	}
	if v.Cursor() != 4 || strings.Join(shown(v), " ") != "a02 a03 a04" {
		t.Fatalf("cursor %d, rows %v: the cursor's row must stay in sight", v.Cursor(), shown(v))
	}
	v.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	if v.Cursor() != 9 || strings.Join(shown(v), " ") != "a07 a08 a09" {
		t.Fatalf("end: cursor %d, rows %v", v.Cursor(), shown(v))
	}
	// A new, shorter page: drawn afresh (no row of the old cache), the
	// cursor kept inside it.
	v.SetRows(rowsOf("b", 5))
	if v.Cursor() != 4 || strings.Join(shown(v), " ") != "b02 b03 b04" {
		t.Fatalf("new page: cursor %d, rows %v", v.Cursor(), shown(v))
	}
	// Fewer rows than the height: the view keeps its height.
	v.SetRows(rowsOf("c", 1))
	if lines := strings.Count(v.View(), "\n"); lines != 3 {
		t.Fatalf("view of one row has %d line breaks, want 3 (the height)", lines)
	}
}
