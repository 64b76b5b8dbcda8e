package calls

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/common"
)

// EndedLinger is how long an ended call stays in the pane, so that
// "busy" or "no answer" can be read before the line disappears.
const EndedLinger = 5 * time.Second

// Model is the calls pane. The root model feeds it events and samples;
// the pane itself does no I/O.
type Model struct {
	common   *common.Common
	calls    []*Call
	selected int
	// early holds cards that arrived before their call's first event: the
	// engine builds the card from the same event on another path, and it
	// can win the race. Bounded: a card whose call never comes is dropped.
	early []earlyCard
}

type earlyCard struct {
	id   string
	card *crm.Card
}

// maxEarlyCards bounds the cards kept for calls not seen yet.
const maxEarlyCards = 8

// NewModel returns an empty pane.
func NewModel(c *common.Common) Model { return Model{common: c} }

// Apply routes a call event to its call, creating the call on its first
// event. Events of unknown calls other than the first (a console started
// mid-call) create the call too, so it can still be hung up.
func (m *Model) Apply(ev phone.Event) *Call {
	if call := m.Find(ev.CallID); call != nil {
		call.Apply(ev)
		return call
	}
	call := New(ev)
	if ev.Kind != phone.CallIncoming && ev.Kind != phone.CallOutgoing {
		call.State = Talking
		call.Apply(ev)
	}
	for i, early := range m.early {
		if early.id == call.ID {
			call.Card = early.card
			m.early = append(m.early[:i:i], m.early[i+1:]...)
			break
		}
	}
	m.calls = append(m.calls, call)
	// A new ringing call is what the operator acts on next.
	if call.State == Ringing || len(m.calls) == 1 {
		m.selected = len(m.calls) - 1
	}
	return call
}

// Find returns the call with id, or nil.
func (m *Model) Find(id string) *Call {
	for _, c := range m.calls {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// SetCard attaches the caller card that arrived for a call.
func (m *Model) SetCard(id string, card *crm.Card) {
	if c := m.Find(id); c != nil {
		c.Card = card
		return
	}
	for i := range m.early {
		if m.early[i].id == id {
			m.early[i].card = card // a completed card replaces a partial one
			return
		}
	}
	if len(m.early) == maxEarlyCards {
		m.early = append(m.early[:0:0], m.early[1:]...)
	}
	m.early = append(m.early, earlyCard{id: id, card: card})
}

// SetMeter stores a level/quality sample.
func (m *Model) SetMeter(id string, meter Meter) {
	if c := m.Find(id); c != nil && c.Live() {
		c.Meter = meter
	}
}

// Prune drops calls that ended more than EndedLinger ago.
func (m *Model) Prune(now time.Time) {
	kept := m.calls[:0]
	for _, c := range m.calls {
		if c.Live() || now.Sub(c.EndedAt) < EndedLinger {
			kept = append(kept, c)
		}
	}
	m.calls = kept
	m.clampSelection()
}

// Calls returns the calls in the order they started.
func (m *Model) Calls() []*Call { return m.calls }

// Selected is the call the call-control keys act on, or nil.
func (m *Model) Selected() *Call {
	if m.selected < 0 || m.selected >= len(m.calls) {
		return nil
	}
	return m.calls[m.selected]
}

// LiveIDs are the ids of the calls not ended, for meter sampling.
func (m *Model) LiveIDs(answeredOnly bool) []string {
	var ids []string
	for _, c := range m.calls {
		if c.Live() && (!answeredOnly || c.Answered()) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Move changes the selection by delta, staying inside the list.
func (m *Model) Move(delta int) {
	m.selected += delta
	m.clampSelection()
}

func (m *Model) clampSelection() {
	if m.selected >= len(m.calls) {
		m.selected = len(m.calls) - 1
	}
	if m.selected < 0 {
		m.selected = 0
	}
}

// View draws the pane's content (without border) in width×height cells.
func (m Model) View(width, height int) string {
	st := m.common.Styles
	if len(m.calls) == 0 {
		return st.Subtle.Render("No calls. Press d to dial.")
	}
	now := m.common.Now()
	var lines []string
	for i, c := range m.calls {
		first, second := m.callLines(c, i == m.selected, width, now)
		lines = append(lines, first, second)
	}
	if len(lines) > height && height > 0 {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

func (m Model) callLines(c *Call, selected bool, width int, now time.Time) (string, string) {
	st := m.common.Styles
	marker := "  "
	if selected {
		marker = st.Accent.Render("▶ ")
	}
	name := st.Title.Render(c.Name())
	number := ""
	if c.Number != "" && c.Number != c.Name() {
		number = " " + st.Subtle.Render(c.Number)
	}
	arrow := "←"
	if c.Direction == phone.Outbound {
		arrow = "→"
	}
	state := m.stateStyle(c).Render(m.stateText(c))
	timer := formatTimer(c.Elapsed(now))
	first := joinEnds(marker+arrow+" "+name+number, state+"  "+timer, width)

	var info []string
	if c.Account != "" {
		info = append(info, c.Account)
	}
	if c.Codec != "" {
		info = append(info, c.Codec)
	}
	if c.Answered() && c.Live() {
		info = append(info, "Q "+quality(c.Meter))
	}
	var flags []string
	if c.SRTP != "" {
		flags = append(flags, st.OK.Render("SRTP"))
	}
	if c.Muted {
		flags = append(flags, st.Warn.Render("MUTED"))
	}
	if c.State == Held {
		flags = append(flags, st.Warn.Render("HELD"))
	}
	if c.RemoteHeld {
		flags = append(flags, st.Warn.Render("HELD BY FAR END"))
	}
	if c.Recording {
		flags = append(flags, st.Error.Render("● REC"))
	}
	left := "    " + st.Subtle.Render(strings.Join(info, " · "))
	if len(flags) > 0 {
		left += "  " + strings.Join(flags, " ")
	}
	right := ""
	if c.Answered() && c.Live() {
		right = "in " + meterBar(c.Meter.InLevel, 6) + " out " + meterBar(c.Meter.OutLevel, 6)
	}
	return first, joinEnds(left, right, width)
}

func (m Model) stateText(c *Call) string {
	if c.State == Ended {
		if c.Code != 0 && c.Result != phone.ResultAnswered {
			return fmt.Sprintf("%s (%d)", c.Outcome(), c.Code)
		}
		return c.Outcome()
	}
	return c.State.String()
}

func (m Model) stateStyle(c *Call) lipgloss.Style {
	st := m.common.Styles
	switch c.State {
	case Ringing, RemoteRinging, Dialling:
		return st.Accent
	case Talking:
		return st.OK
	case Held:
		return st.Warn
	}
	if c.Result != phone.ResultAnswered && c.Result != "" {
		return st.Error
	}
	return st.Subtle
}

// joinEnds puts left and right on one line of width cells, right-aligned,
// cutting left when both do not fit.
func joinEnds(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		left = truncate(left, width-lipgloss.Width(right)-1)
		gap = width - lipgloss.Width(left) - lipgloss.Width(right)
		if gap < 1 {
			gap = 1
		}
	}
	return left + strings.Repeat(" ", gap) + right
}

func formatTimer(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// meterBar draws a level 0..1 as width cells.
func meterBar(level float64, width int) string {
	full := int(level*float64(width) + 0.5)
	full = max(0, min(width, full))
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// quality turns the live MOS into four dots; "…" until the first
// measurement so that an unmeasured call does not look bad.
func quality(meter Meter) string {
	if meter.MOS <= 0 {
		return "…"
	}
	dots := 1
	switch {
	case meter.MOS >= 4.0:
		dots = 4
	case meter.MOS >= 3.6:
		dots = 3
	case meter.MOS >= 3.1:
		dots = 2
	}
	return strings.Repeat("●", dots) + strings.Repeat("○", 4-dots)
}
