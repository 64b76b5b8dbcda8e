package ui

import (
	"charm.land/lipgloss/v2"
)

// composeOverlays draws the overlay stack over the base frame, bottom of
// the stack first: the popup in the lower right corner above the footer,
// notes in the lower left (so the caller card stays readable while
// typing), the rest centred.
func (m Model) composeOverlays(base string, ctx keyContext, width, height int) string {
	if len(m.overlays) == 0 {
		return base
	}
	compositor := lipgloss.NewCompositor(lipgloss.NewLayer(base))
	for i, o := range m.overlays {
		content := m.overlayView(o, ctx, width, height)
		if content == "" {
			continue
		}
		ow, oh := lipgloss.Width(content), lipgloss.Height(content)
		x, y := (width-ow)/2, (height-oh)/2
		switch o.kind {
		case overlayPopup:
			x, y = width-ow, height-oh-1
		case overlayNotes:
			x, y = 1, height-oh-1
		}
		compositor.AddLayers(lipgloss.NewLayer(content).X(max(0, x)).Y(max(0, y)).Z(i + 1))
	}
	return compositor.Render()
}

func (m Model) overlayView(o overlay, ctx keyContext, width, height int) string {
	st := m.common.Styles
	switch o.kind {
	case overlayPopup:
		call := m.calls.Find(o.popup.CallID)
		if call == nil {
			return ""
		}
		return o.popup.View(call, max(24, min(48, width-4)))
	case overlayHelp:
		// The help lists the context below the overlay, not the overlay's own.
		below := m
		below.overlays = m.overlays[:len(m.overlays)-1]
		under := below.keyContext()
		return m.help.Overlay(under.help, under.title, min(width-2, 100))
	case overlayNotes:
		title := st.Title.Render("Notes") + st.Subtle.Render(" · saved as you type · esc closes")
		if o.past {
			title = st.Title.Render("Notes") + st.Subtle.Render(" · esc saves and closes")
		}
		return st.Overlay.Render(title + "\n" + o.notes.View())
	case overlayPrompt:
		return st.Overlay.Render(st.Title.Render("Transfer") + "\n" + o.prompt.View() + "\n" + st.Subtle.Render("enter transfers · esc cancels"))
	case overlayKeypad:
		sent := o.digits
		if sent == "" {
			sent = "—"
		}
		return st.Overlay.Render(st.Title.Render("DTMF keypad") + "\n" + "sent: " + sent + "\n" + st.Subtle.Render("0-9 * # send · esc closes"))
	case overlayWrapUp:
		return m.wrapUpView(o, width)
	case overlayContactForm:
		return st.Overlay.Render(o.form.View(min(width-4-st.Overlay.GetHorizontalFrameSize(), 72)))
	}
	return ""
}
