// Package dialer is the dial input: a number in any format or a name, the
// backend's normalisation of it ("will dial +44 20 7946 0000") and fuzzy
// suggestions from contacts and recent calls. The dialer never looks
// anything up itself: the root model asks the backend in a command and
// hands the answer back with SetHints.
package dialer

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/ui/common"
)

// Suggestion is one completion offered for what was typed.
type Suggestion struct {
	Label  string // "Anna Petrova (mobile)"
	Number string // what is dialled when it is chosen
	Source string // "contact" or "recent"
}

// Hints are the backend's answer for one query.
type Hints struct {
	Query       string
	Normalised  string // the number that will be dialled, "" when not a number
	Valid       bool
	Problem     string // why the input is not dialable, in words
	Suggestions []Suggestion
}

// maxSuggestions is how many suggestions are shown; more would push the
// calls pane off an 80×24 screen.
const maxSuggestions = 5

// Model is the dialer.
type Model struct {
	common   *common.Common
	input    textinput.Model
	hints    Hints
	selected int // -1: the typed text; else an index into hints.Suggestions
	accounts []string
	account  int
}

// New returns an empty, unfocused dialer.
func New(c *common.Common) Model {
	in := textinput.New()
	in.Prompt = "☎ "
	in.Placeholder = "number or name"
	in.CharLimit = 128
	in.SetVirtualCursor(true)
	return Model{common: c, input: in, selected: -1}
}

// SetAccounts sets the accounts to choose from; the first is used until
// the operator picks another.
func (m *Model) SetAccounts(names []string) {
	m.accounts = append([]string(nil), names...)
	if m.account >= len(m.accounts) {
		m.account = 0
	}
}

// Account is the account a call will be placed from ("" = the default).
func (m Model) Account() string {
	if len(m.accounts) == 0 {
		return ""
	}
	return m.accounts[m.account]
}

// NextAccount cycles the account.
func (m *Model) NextAccount() {
	if len(m.accounts) > 0 {
		m.account = (m.account + 1) % len(m.accounts)
	}
}

// Accounts is how many accounts there are to choose from.
func (m Model) Accounts() int { return len(m.accounts) }

// Focus gives the dialer the keyboard.
func (m *Model) Focus() tea.Cmd { return m.input.Focus() }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.input.Blur() }

// Focused reports whether the dialer has the keyboard.
func (m Model) Focused() bool { return m.input.Focused() }

// Value is the typed text.
func (m Model) Value() string { return m.input.Value() }

// Target is what Enter dials: the chosen suggestion's number, or the
// typed text.
func (m Model) Target() string {
	if m.selected >= 0 && m.selected < len(m.hints.Suggestions) {
		return m.hints.Suggestions[m.selected].Number
	}
	return strings.TrimSpace(m.input.Value())
}

// Reset empties the dialer after a call was placed.
func (m *Model) Reset() {
	m.input.Reset()
	m.hints = Hints{}
	m.selected = -1
}

// SetValue puts text into the dialer (call back from history or a task).
func (m *Model) SetValue(s string) {
	m.input.SetValue(s)
	m.hints = Hints{}
	m.selected = -1
}

// SetHints takes the backend's answer unless the text changed since it
// was asked for (a slow answer must not replace a newer one).
func (m *Model) SetHints(h Hints) bool {
	if h.Query != m.input.Value() {
		return false
	}
	m.hints = h
	if len(m.hints.Suggestions) > maxSuggestions {
		m.hints.Suggestions = m.hints.Suggestions[:maxSuggestions]
	}
	if m.selected >= len(m.hints.Suggestions) {
		m.selected = -1
	}
	return true
}

// Update handles a key while focused. changed reports that the text
// changed, so the root model asks the backend for new hints.
func (m Model) Update(msg tea.Msg) (_ Model, changed bool, cmd tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.common.Keys.Up):
			m.selected = max(-1, m.selected-1)
			return m, false, nil
		case key.Matches(k, m.common.Keys.Down):
			m.selected = min(len(m.hints.Suggestions)-1, m.selected+1)
			return m, false, nil
		}
	}
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.selected = -1
		return m, true, cmd
	}
	return m, false, cmd
}

// View draws the dialer in width cells: the input, the feedback line and
// the suggestions.
func (m Model) View(width int) string {
	st := m.common.Styles
	m.input.SetWidth(max(10, width-4))
	lines := []string{m.input.View()}
	switch {
	case m.input.Value() == "":
		hint := "press d to type a number or a name"
		if m.Focused() {
			hint = "type a number in any format, or a name"
		}
		lines = append(lines, st.Subtle.Render(hint))
	case m.hints.Query != m.input.Value():
		lines = append(lines, st.Subtle.Render("…"))
	case m.hints.Valid:
		lines = append(lines, st.OK.Render("✓ will dial "+m.hints.Normalised))
	case m.hints.Problem != "":
		lines = append(lines, st.Warn.Render("? "+m.hints.Problem))
	default:
		lines = append(lines, st.Subtle.Render("no number yet: pick a suggestion"))
	}
	if len(m.accounts) > 1 {
		lines = append(lines, st.Subtle.Render(fmt.Sprintf("from %s (%s: next account)", m.Account(), m.common.Keys.NextAccount.Help().Key)))
	}
	for i, s := range m.hints.Suggestions {
		text := fmt.Sprintf("%s  %s  %s", s.Label, s.Number, st.Subtle.Render(s.Source))
		text = ansi.Truncate(text, width-2, "…")
		if i == m.selected {
			lines = append(lines, st.Selected.Render("› "+text))
		} else {
			lines = append(lines, "  "+text)
		}
	}
	return strings.Join(lines, "\n")
}
