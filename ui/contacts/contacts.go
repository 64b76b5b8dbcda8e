// Package contacts is the contacts screen: a searchable list of contacts
// and, for the one opened, its card (every number with its local time,
// open cases, tasks, notes and recent calls). Create and edit forms are in
// form.go; they live on the root model's overlay stack. Like every screen
// it only shows what the backend returned: searching, loading a card and
// saving are the root model's commands.
package contacts

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
	hist "github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/common"
)

// ListLimit is how many contacts one search shows: the list is for
// finding, not for scrolling through a million names.
const ListLimit = 200

// CallsLimit is how many of a contact's calls the card shows.
const CallsLimit = 20

// Details is what the card shows beyond the contact itself.
type Details struct {
	Contact crm.Contact
	Numbers []NumberInfo // one per Contact.Numbers, in order
	Cases   []crm.Case   // open cases
	Tasks   []crm.Task   // open tasks
}

// NumberInfo is one of the contact's numbers with what is known of it.
type NumberInfo struct {
	Phone     crm.Phone
	Formatted string
	LocalTime numbers.LocalTime
	Place     string // location or country ("London", "United Kingdom")
}

// NumberCheck is a number as typed into a form, normalised.
type NumberCheck struct {
	Formatted string // how it will be stored and dialled
	Valid     bool
	Problem   string // why it is not valid
}

// Model is the contacts screen: the list, or one contact's card.
type Model struct {
	common *common.Common
	search textinput.Model

	query   string // the query of the results shown
	list    []crm.Contact
	cursor  int
	loaded  bool
	err     error
	inCard  bool
	card    card
	width   int
	height  int
	pending string // the query asked for last
}

// card is the opened contact's card.
type card struct {
	id        int64
	details   Details
	loaded    bool
	err       error
	calls     []hist.Call
	callsDone bool
	callsErr  error
	number    int // the number under the cursor
}

// New returns an empty contacts screen.
func New(c *common.Common) Model {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "name, company, e-mail or number"
	return Model{common: c, search: in}
}

// SetSize fits the screen into width×height cells.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.search.SetWidth(max(10, min(60, width-4)))
}

// Query is what the search box holds: the list's query.
func (m Model) Query() string { return strings.TrimSpace(m.search.Value()) }

// SearchFocused reports whether typing goes to the search box.
func (m Model) SearchFocused() bool { return m.search.Focused() && !m.inCard }

// FocusSearch puts the cursor in the search box.
func (m *Model) FocusSearch() tea.Cmd { return m.search.Focus() }

// BlurSearch takes the cursor out of the search box.
func (m *Model) BlurSearch() { m.search.Blur() }

// UpdateSearch gives a key to the search box; changed reports whether the
// query changed (a new search is due).
func (m Model) UpdateSearch(msg tea.Msg) (Model, bool, tea.Cmd) {
	before := m.Query()
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	return m, m.Query() != before, cmd
}

// Searching records the query asked for, so that older answers that
// arrive later are dropped.
func (m *Model) Searching(query string) { m.pending = query }

// SetResults shows the answer to a search. An answer to a query other
// than the last asked is stale and dropped.
func (m *Model) SetResults(query string, list []crm.Contact, err error) {
	if query != m.pending {
		return
	}
	m.query, m.loaded, m.err = query, true, err
	if err != nil {
		return
	}
	m.list = list
	m.cursor = min(m.cursor, max(0, len(list)-1))
}

// Move moves the cursor: over the list, or over the card's numbers.
func (m *Model) Move(delta int) {
	if m.inCard {
		n := len(m.card.details.Contact.Numbers)
		m.card.number = max(0, min(n-1, m.card.number+delta))
		return
	}
	m.cursor = max(0, min(len(m.list)-1, m.cursor+delta))
}

// Selected is the contact under the list's cursor, or nil.
func (m Model) Selected() *crm.Contact {
	if m.cursor < 0 || m.cursor >= len(m.list) {
		return nil
	}
	return &m.list[m.cursor]
}

// OpenCard shows the card of contact id; its details follow (SetDetails).
func (m *Model) OpenCard(id int64) {
	m.search.Blur()
	m.inCard = true
	m.card = card{id: id}
}

// CloseCard goes back to the list.
func (m *Model) CloseCard() { m.inCard, m.card = false, card{} }

// InCard reports whether a card is shown.
func (m Model) InCard() bool { return m.inCard }

// CardID is the id of the contact whose card is shown (0 when none).
func (m Model) CardID() int64 {
	if !m.inCard {
		return 0
	}
	return m.card.id
}

// Card is the card's contact, and whether it has loaded.
func (m Model) Card() (crm.Contact, bool) {
	return m.card.details.Contact, m.inCard && m.card.loaded && m.card.err == nil
}

// SetDetails shows the card's details (dropped when another card is open).
func (m *Model) SetDetails(id int64, d Details, err error) {
	if !m.inCard || id != m.card.id {
		return
	}
	m.card.details, m.card.loaded, m.card.err = d, true, err
	m.card.number = min(m.card.number, max(0, len(d.Contact.Numbers)-1))
}

// SetCalls shows the card's recent calls.
func (m *Model) SetCalls(id int64, calls []hist.Call, err error) {
	if !m.inCard || id != m.card.id {
		return
	}
	m.card.calls, m.card.callsDone, m.card.callsErr = calls, true, err
}

// SelectedNumber is the card's number under the cursor ("" when none).
func (m Model) SelectedNumber() string {
	ns := m.card.details.Contact.Numbers
	if !m.inCard || m.card.number >= len(ns) {
		return ""
	}
	if ns[m.card.number].Key != "" {
		return ns[m.card.number].Key
	}
	return ns[m.card.number].Raw
}

// View draws the screen.
func (m Model) View() string {
	if m.inCard {
		return m.cardView()
	}
	return m.listView()
}

func (m Model) listView() string {
	st := m.common.Styles
	count := ""
	if m.loaded && m.err == nil {
		count = fmt.Sprintf("  %d shown", len(m.list))
		if len(m.list) == ListLimit {
			count = fmt.Sprintf("  first %d · type to narrow", ListLimit)
		}
	}
	lines := []string{st.Title.Render("Contacts") + st.Subtle.Render(count), m.search.View()}
	switch {
	case m.err != nil:
		return strings.Join(append(lines, st.Error.Render("Could not search: "+m.err.Error())), "\n")
	case !m.loaded:
		return strings.Join(append(lines, st.Subtle.Render("loading…")), "\n")
	case len(m.list) == 0 && m.query == "":
		return strings.Join(append(lines, st.Subtle.Render("No contacts yet. + adds one.")), "\n")
	case len(m.list) == 0:
		return strings.Join(append(lines, st.Subtle.Render("Nobody matches "+m.query+".")), "\n")
	}
	rows := max(1, m.height-len(lines))
	first := max(0, min(m.cursor-rows/2, len(m.list)-rows))
	nameW := max(12, min(32, m.width*2/5))
	companyW := max(8, min(24, m.width/4))
	for i := first; i < len(m.list) && i < first+rows; i++ {
		c := m.list[i]
		number := ""
		if len(c.Numbers) > 0 {
			number = c.Numbers[0].Raw
			if len(c.Numbers) > 1 {
				number += fmt.Sprintf(" +%d", len(c.Numbers)-1)
			}
		}
		row := cell(c.Name, nameW) + " " + cell(c.Company, companyW) + " " + number
		if i == m.cursor && !m.search.Focused() {
			row = st.Selected.Render(cell(row, max(1, m.width)))
		} else if i == m.cursor {
			row = st.Accent.Render("▸ " + row)
		}
		lines = append(lines, row)
	}
	return strings.Join(lines, "\n")
}

// cell cuts or pads s to width cells.
func cell(s string, width int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if lipgloss.Width(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-lipgloss.Width(s))
}
