package contacts

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/switchboard/switchboard/crm"
	hist "github.com/switchboard/switchboard/history"
)

// twoColumns is the width from which the card puts the calls beside the
// rest instead of under it.
const twoColumns = 100

func (m Model) cardView() string {
	st := m.common.Styles
	c := m.card
	switch {
	case c.err != nil:
		return st.Error.Render("Could not load the contact: " + c.err.Error())
	case !c.loaded:
		return st.Subtle.Render("loading…")
	}
	d := c.details
	title := st.Title.Render(d.Contact.Name)
	if d.Contact.Company != "" {
		title += st.Subtle.Render(" · " + d.Contact.Company)
	}
	left := []string{title}
	if d.Contact.Email != "" {
		left = append(left, d.Contact.Email)
	}
	left = append(left, m.numberLines()...)
	left = append(left, m.caseLines()...)
	left = append(left, m.taskLines()...)
	if notes := strings.TrimSpace(d.Contact.Notes); notes != "" {
		left = append(left, st.Title.Render("Notes"))
		for _, l := range strings.Split(notes, "\n") {
			left = append(left, "  "+l)
		}
	}
	right := m.callLines()
	if m.width < twoColumns {
		return strings.Join(append(left, right...), "\n")
	}
	leftW := m.width * 11 / 20
	l := lipgloss.NewStyle().Width(leftW).MaxWidth(leftW).Render(strings.Join(clip(left, leftW), "\n"))
	r := lipgloss.NewStyle().Width(m.width - leftW).Render(strings.Join(clip(right, m.width-leftW), "\n"))
	return lipgloss.JoinHorizontal(lipgloss.Top, l, r)
}

// clip cuts each line to width cells, so a column never wraps.
func clip(lines []string, width int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if lipgloss.Width(l) > width {
			l = cell(l, width)
		}
		out[i] = l
	}
	return out
}

func (m Model) numberLines() []string {
	st := m.common.Styles
	d := m.card.details
	lines := []string{st.Title.Render("Numbers")}
	if len(d.Contact.Numbers) == 0 {
		return append(lines, st.Subtle.Render("  none"))
	}
	for i, p := range d.Contact.Numbers {
		info := NumberInfo{Phone: p, Formatted: p.Raw}
		if i < len(d.Numbers) {
			info = d.Numbers[i]
		}
		label := p.Label
		if label == "" {
			label = "main"
		}
		shown := info.Formatted
		if shown == "" {
			shown = p.Raw
		}
		line := fmt.Sprintf("%-7s %-18s %s", cell(label, 7), shown, localTime(info))
		if i == m.card.number {
			line = st.Selected.Render("▸ " + line)
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	return lines
}

// localTime is "14:05 London" or "~14:05 Russia" when the zone is a guess.
func localTime(info NumberInfo) string {
	lt := info.LocalTime
	if lt.Zone == "" {
		return info.Place
	}
	clock := lt.Time.Format("15:04")
	if !lt.Certain {
		clock = "~" + clock
	}
	place := info.Place
	if place == "" {
		place = lt.Zone
	}
	return clock + " " + place
}

func (m Model) caseLines() []string {
	st := m.common.Styles
	cases := m.card.details.Cases
	if len(cases) == 0 {
		return []string{st.Title.Render("Open cases") + st.Subtle.Render(" none")}
	}
	lines := []string{st.Title.Render("Open cases")}
	for _, c := range cases {
		line := "  " + c.Title + st.Subtle.Render(" · "+c.Status)
		if c.AmountMinor != 0 {
			line += " · " + st.Warn.Render(crm.FormatAmount(c.AmountMinor, c.Currency))
		}
		lines = append(lines, line)
	}
	return lines
}

func (m Model) taskLines() []string {
	st := m.common.Styles
	tasks := m.card.details.Tasks
	if len(tasks) == 0 {
		return []string{st.Title.Render("Tasks") + st.Subtle.Render(" none")}
	}
	now := m.common.Now()
	lines := []string{st.Title.Render("Tasks")}
	for _, t := range tasks {
		mark := " "
		if t.Overdue(now) {
			mark = st.Error.Render("!")
		}
		line := fmt.Sprintf(" %s %s %s", mark, t.DueAt.In(m.common.Location).Format("02 Jan 15:04"), strings.ReplaceAll(t.Kind, "_", "-"))
		if t.Note != "" {
			line += st.Subtle.Render(" " + strings.ReplaceAll(t.Note, "\n", " "))
		}
		lines = append(lines, line)
	}
	return lines
}

func (m Model) callLines() []string {
	st := m.common.Styles
	c := m.card
	head := st.Title.Render("Calls")
	switch {
	case c.callsErr != nil:
		return []string{head, st.Error.Render("  could not load: " + c.callsErr.Error())}
	case !c.callsDone:
		return []string{head, st.Subtle.Render("  loading…")}
	case len(c.calls) == 0:
		return []string{head + st.Subtle.Render(" none")}
	}
	lines := []string{head}
	for _, call := range c.calls {
		dir := "in "
		if call.Direction == hist.DirectionOut {
			dir = "out"
		}
		outcome := call.Result
		if talk := call.TalkTime(); talk > 0 {
			s := int(talk.Seconds())
			outcome = fmt.Sprintf("%d:%02d", s/60, s%60)
		}
		line := fmt.Sprintf("  %s %s %-9s", call.StartedAt.In(m.common.Location).Format("02 Jan 15:04"), dir, outcome)
		if call.Result == hist.ResultMissed {
			line = st.Missed.Render(line)
		}
		if call.Notes != "" {
			line += st.Subtle.Render(" " + strings.ReplaceAll(call.Notes, "\n", " "))
		}
		lines = append(lines, line)
	}
	return lines
}
