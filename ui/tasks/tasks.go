// Package tasks is the tasks screen: open callback and follow-up tasks,
// due and overdue ones on top. Like every screen it only shows what the
// backend returned; completing, snoozing and calling are the root model's
// commands.
package tasks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/common"
)

// Model is the tasks screen.
type Model struct {
	common *common.Common
	table  table.Model
	tasks  []crm.Task
	loaded bool
	err    error
}

// New returns an empty tasks screen.
func New(c *common.Common) Model {
	t := table.New(table.WithFocused(true))
	t.SetStyles(c.Styles.Table())
	return Model{common: c, table: t}
}

// SetTasks shows the open tasks, due ones first.
func (m *Model) SetTasks(tasks []crm.Task, err error) {
	m.loaded, m.err = true, err
	if err != nil {
		return
	}
	m.tasks = append([]crm.Task(nil), tasks...)
	sort.SliceStable(m.tasks, func(i, j int) bool { return m.tasks[i].DueAt.Before(m.tasks[j].DueAt) })
	m.table.SetRows(m.rows())
	m.table.SetCursor(0)
}

// Due counts the open tasks whose time has come (the status-line badge).
func (m Model) Due(now time.Time) int {
	n := 0
	for _, t := range m.tasks {
		if t.Status == crm.TaskOpen && !t.DueAt.After(now) {
			n++
		}
	}
	return n
}

// Selected is the task under the cursor, or nil.
func (m Model) Selected() *crm.Task {
	i := m.table.Cursor()
	if i < 0 || i >= len(m.tasks) {
		return nil
	}
	return &m.tasks[i]
}

// Update moves the cursor.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, cmd
}

// SetSize fits the table into width×height cells.
func (m *Model) SetSize(width, height int) {
	rest := max(10, width-(1+12+16+9)-2*5-4)
	who := min(rest, max(10, rest/2))
	m.table.SetColumns([]table.Column{
		{Title: " ", Width: 1},
		{Title: "Due", Width: 12},
		{Title: "Who", Width: who},
		{Title: "Number", Width: 16},
		{Title: "Kind", Width: 9},
		{Title: "Note", Width: max(0, rest-who)},
	})
	m.table.SetWidth(width)
	m.table.SetHeight(max(3, height-1))
	m.table.SetRows(m.rows())
}

func (m Model) rows() []table.Row {
	now := m.common.Now()
	rows := make([]table.Row, 0, len(m.tasks))
	for _, t := range m.tasks {
		mark := ""
		if t.Overdue(now) {
			mark = m.common.Styles.Error.Render("!")
		}
		who := t.ContactName
		if who == "" {
			who = "—"
		}
		number := t.DialNumber
		if number == "" {
			number = t.NumberRaw
		}
		rows = append(rows, table.Row{mark, t.DueAt.In(m.common.Location).Format("02 Jan 15:04"), who, number,
			strings.ReplaceAll(t.Kind, "_", "-"), strings.ReplaceAll(t.Note, "\n", " ")})
	}
	return rows
}

// View draws the screen.
func (m Model) View() string {
	st := m.common.Styles
	head := st.Title.Render("Tasks") + st.Subtle.Render(fmt.Sprintf("  %d open · %d due · ! overdue", len(m.tasks), m.Due(m.common.Now())))
	switch {
	case m.err != nil:
		return head + "\n" + st.Error.Render("Could not load the tasks: "+m.err.Error())
	case !m.loaded:
		return head + "\n" + st.Subtle.Render("loading…")
	case len(m.tasks) == 0:
		return head + "\n" + st.Subtle.Render("Nothing to do.")
	}
	return head + "\n" + m.table.View()
}

// Restyle takes the current theme (after the terminal said light or dark).
func (m Model) Restyle() Model {
	m.table.SetStyles(m.common.Styles.Table())
	m.table.SetRows(m.rows())
	return m
}
