package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// wideLayout is the width from which the dialer and the calls pane stand
// side by side instead of stacked.
const wideLayout = 110

// View draws the whole console.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "switchboard"
	return v
}

// Render is the frame as a string (golden tests compare it).
func (m Model) Render() string {
	w, h := m.common.Width, m.common.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	if m.quitting {
		return ""
	}
	ctx := m.keyContext()
	header := m.status.View(w) + "\n" + m.tabs(w)
	footer := m.footer(ctx, w)
	bodyHeight := max(1, h-lipgloss.Height(header)-lipgloss.Height(footer))
	var body string
	switch m.screen {
	case ScreenCalls:
		body = m.callsScreen(w, bodyHeight)
	case ScreenHistory:
		body = m.framedScreen(m.history.View(), w, bodyHeight)
	case ScreenTasks:
		body = m.framedScreen(m.tasks.View(), w, bodyHeight)
	case ScreenContacts:
		body = m.framedScreen(m.contacts.View(), w, bodyHeight)
	}
	body = fit(body, w, bodyHeight)
	base := header + "\n" + body + "\n" + footer
	return m.composeOverlays(base, ctx, w, h)
}

// bodySize is what a screen gets inside its frame.
func (m Model) bodySize() (int, int) {
	frameW := m.common.Styles.Pane.GetHorizontalFrameSize()
	frameH := m.common.Styles.Pane.GetVerticalFrameSize()
	// Header: status line (two with a failure) and tabs; footer: one line.
	headH := 2 + len(m.status.Failed())
	return max(10, m.common.Width-frameW), max(3, m.common.Height-headH-1-frameH)
}

func (m Model) tabs(width int) string {
	st := m.common.Styles
	var parts []string
	for s := Screen(0); s < screenCount; s++ {
		if s == m.screen {
			parts = append(parts, st.TabActive.Render(s.String()))
		} else {
			parts = append(parts, st.Tab.Render(s.String()))
		}
	}
	return ansi.Truncate(strings.Join(parts, " "), width, "…")
}

func (m Model) footer(ctx keyContext, width int) string {
	if m.toast.text != "" {
		return m.toastLine(width)
	}
	return m.help.Short(ctx.help, width)
}

func (m Model) framedScreen(content string, width, height int) string {
	st := m.common.Styles.PaneFocused
	inner := height - st.GetVerticalFrameSize()
	// fit makes the content exactly the inner size, so the style only adds
	// the frame: no Width/Height, which would wrap and measure every line
	// again (a third of a history key's time).
	return st.Render(fit(content, width-st.GetHorizontalFrameSize(), inner))
}

// callsScreen is the dialer and the calls pane, side by side on wide
// terminals and stacked on narrow ones.
func (m Model) callsScreen(width, height int) string {
	st := m.common.Styles
	dialerStyle, callsStyle := st.Pane, st.PaneFocused
	if m.dialer.Focused() {
		dialerStyle, callsStyle = st.PaneFocused, st.Pane
	}
	frameW, frameH := st.Pane.GetHorizontalFrameSize(), st.Pane.GetVerticalFrameSize()
	if width >= wideLayout {
		left := width * 2 / 5
		right := width - left
		d := dialerStyle.Width(left).Height(height).Render(fit(m.dialer.View(left-frameW), left-frameW, height-frameH))
		callsInner := height - frameH
		c := callsStyle.Width(right).Height(height).Render(fit(m.callsPane(right-frameW, callsInner), right-frameW, callsInner))
		return lipgloss.JoinHorizontal(lipgloss.Top, d, c)
	}
	dialerView := m.dialer.View(width - frameW)
	dialerHeight := min(lipgloss.Height(dialerView)+frameH, max(frameH+2, height/2))
	d := dialerStyle.Width(width).Height(dialerHeight).Render(fit(dialerView, width-frameW, dialerHeight-frameH))
	rest := max(frameH+1, height-dialerHeight)
	c := callsStyle.Width(width).Height(rest).Render(fit(m.callsPane(width-frameW, rest-frameH), width-frameW, rest-frameH))
	return d + "\n" + c
}

func (m Model) callsPane(width, height int) string {
	title := m.common.Styles.Title.Render("Calls")
	return title + "\n" + m.calls.View(width, max(1, height-1))
}

// fit cuts or pads s to exactly width×height cells, so that a component
// can never push the layout out of shape (garbage after a resize).
func fit(s string, width, height int) string {
	if height <= 0 || width <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		w := ansi.StringWidth(l)
		if w > width {
			l = ansi.Truncate(l, width, "…")
			w = ansi.StringWidth(l)
		}
		lines[i] = l + strings.Repeat(" ", max(0, width-w))
	}
	for len(lines) < height {
		lines = append(lines, strings.Repeat(" ", width))
	}
	return strings.Join(lines, "\n")
}
