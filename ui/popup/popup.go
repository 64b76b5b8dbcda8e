// Package popup is the incoming-call popup: the caller card in the lower
// right corner, collapsing to one compact line after CollapseAfter and
// expanding again on a key. It only draws and keeps its own expanded
// state; the root model maps the keys to actions.
package popup

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/common"
)

// CollapseAfter is how long the popup stays expanded, whether the call was
// answered or not: long enough to read the card, short enough not to hide
// the screen for the whole call.
const CollapseAfter = 20 * time.Second

// Model is one popup, for one call.
type Model struct {
	common     *common.Common
	CallID     string
	expanded   bool
	expandedAt time.Time
}

// New opens the popup of a call, expanded.
func New(c *common.Common, callID string, now time.Time) Model {
	return Model{common: c, CallID: callID, expanded: true, expandedAt: now}
}

// Expanded reports whether the full card is shown.
func (m Model) Expanded() bool { return m.expanded }

// Toggle expands a collapsed popup (for another CollapseAfter) or
// collapses an expanded one.
func (m *Model) Toggle(now time.Time) {
	m.expanded = !m.expanded
	if m.expanded {
		m.expandedAt = now
	}
}

// Tick collapses the popup once it has been expanded for CollapseAfter.
func (m *Model) Tick(now time.Time) {
	if m.expanded && now.Sub(m.expandedAt) >= CollapseAfter {
		m.expanded = false
	}
}

// Actions says which of the popup's actions make sense for a call.
type Actions struct {
	Answer, Reject, Callback, AddContact, AddCase, OpenContact, OpenHistory bool
}

// AvailableActions are the actions for call as it is now.
func AvailableActions(call *calls.Call) Actions {
	ringing := call.State == calls.Ringing
	a := Actions{Answer: ringing, Reject: ringing, Callback: call.Number != "", AddCase: true, OpenHistory: call.Number != ""}
	card := call.Card
	switch {
	case card == nil || card.Partial:
		// Not known yet whether the number has a contact: offering
		// "+ contact" could create a duplicate.
	case card.Known && card.Contact != nil:
		a.OpenContact = true
	default:
		a.AddContact = slices.Contains(card.Actions, crm.ActionAddContact)
	}
	return a
}

// View draws the popup for call, at most maxWidth cells wide.
func (m Model) View(call *calls.Call, maxWidth int) string {
	if !m.expanded {
		return m.compact(call, maxWidth)
	}
	st := m.common.Styles
	width := min(maxWidth, 48)
	inner := width - st.Popup.GetHorizontalFrameSize()
	var lines []string
	title := "Incoming call"
	if call.Account != "" {
		title += " · " + call.Account
	}
	lines = append(lines, joinEnds(st.PopupTitle.Render(title), m.stateText(call), inner))
	lines = append(lines, cardLines(st, call, m.common.Location)...)
	lines = append(lines, "")
	lines = append(lines, actionLines(m.common, AvailableActions(call), inner)...)
	for i, l := range lines {
		lines[i] = truncate(l, inner)
	}
	return st.Popup.Width(width).Render(strings.Join(lines, "\n"))
}

func (m Model) stateText(call *calls.Call) string {
	st := m.common.Styles
	now := m.common.Now()
	switch call.State {
	case calls.Ringing:
		return st.Accent.Render("ringing " + shortTimer(call.Elapsed(now)))
	case calls.Ended:
		return st.Subtle.Render(call.Outcome())
	}
	return st.OK.Render(call.State.String() + " " + shortTimer(call.Elapsed(now)))
}

// compact is the collapsed popup: one line that still says who it is.
func (m Model) compact(call *calls.Call, maxWidth int) string {
	st := m.common.Styles
	who := call.Name()
	if call.Card != nil && call.Card.Known {
		who += " ✓"
	}
	line := fmt.Sprintf(" ☎ %s · %s · p card ", who, stripStyle(m.stateText(call)))
	return st.Selected.Render(truncate(line, min(maxWidth, 48)))
}

func shortTimer(d time.Duration) string {
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

func joinEnds(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return truncate(left+" "+right, width)
	}
	return left + strings.Repeat(" ", gap) + right
}
