package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/keys"
)

// openWrapUp asks for the disposition of a call that just ended, when the
// configuration wants a wrap-up. Another ringing call's popup stays above
// it, so that call can be answered at once; the prompt waits underneath
// until that popup is closed.
func (m *Model) openWrapUp(callID, name string) {
	if !m.settings.WrapUp || len(m.settings.Dispositions) == 0 {
		return
	}
	for _, o := range m.overlays {
		if o.kind == overlayWrapUp && o.callID == callID {
			return
		}
	}
	o := overlay{kind: overlayWrapUp, callID: callID, title: name}
	for i := range m.overlays {
		if m.overlays[i].kind != overlayPopup {
			continue
		}
		// Only another call that still rings stays above the prompt; the
		// card of the call that just ended goes under it (its callback
		// keys are digits too, and the prompt asks first).
		if ringing := m.calls.Find(m.overlays[i].popup.CallID); ringing != nil && ringing.ID != callID && ringing.State == calls.Ringing {
			m.overlays = slices.Insert(m.overlays, i, o)
			return
		}
	}
	m.push(o)
}

// openDisposition asks for the code of a call in the history; the cursor
// starts on the code it has.
func (m *Model) openDisposition(callID, name, current string) {
	choice := 0
	for i, code := range m.settings.Dispositions {
		if strings.EqualFold(code, current) {
			choice = i
		}
	}
	m.push(overlay{kind: overlayWrapUp, callID: callID, title: name, choice: choice, past: true})
}

func (m Model) updateWrapUp(o *overlay, k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	km := m.common.Keys
	codes := m.settings.Dispositions
	switch {
	case key.Matches(k, km.Back):
		m.pop()
		return m, nil
	case key.Matches(k, km.Up):
		o.choice = (o.choice + len(codes) - 1) % max(1, len(codes))
	case key.Matches(k, km.Down):
		o.choice = (o.choice + 1) % max(1, len(codes))
	case key.Matches(k, km.Choose):
		return m.chooseDisposition(o, o.choice)
	case key.Matches(k, km.ChooseNumber):
		if i := int(k.Code - '1'); i >= 0 && i < len(codes) {
			return m.chooseDisposition(o, i)
		}
	case key.Matches(k, km.Notes) && !o.past:
		return m, m.openNotes(o.callID)
	}
	return m, nil
}

func (m Model) chooseDisposition(o *overlay, i int) (tea.Model, tea.Cmd) {
	codes := m.settings.Dispositions
	if i < 0 || i >= len(codes) {
		return m, nil
	}
	callID, code := o.callID, codes[i]
	m.pop()
	return m, m.cmds.setDisposition(callID, code)
}

// wrapUpContext is the keys of the picker.
func (m *Model) wrapUpContext(top *overlay) keyContext {
	k := m.common.Keys
	back := k.Back
	back.SetHelp("esc", "skip")
	if top.past {
		back.SetHelp("esc", "cancel")
	}
	number := keys.Only(k.ChooseNumber, true)
	number.SetHelp(fmt.Sprintf("1-%d", min(9, len(m.settings.Dispositions))), "choose")
	notes := keys.Only(k.Notes, !top.past)
	group := []key.Binding{number, k.Up, k.Down, k.Choose, notes, back}
	km := onlyKeys(k, back, k.Up, k.Down, k.ForceQuit)
	return keyContext{km: km, title: "wrap-up", help: keys.Context{Short: []key.Binding{number, k.Choose, notes, back}, Groups: [][]key.Binding{group}}}
}

func (m Model) wrapUpView(o overlay, width int) string {
	st := m.common.Styles
	title := "Wrap-up"
	if o.past {
		title = "Disposition"
	}
	lines := []string{st.Title.Render(title) + st.Subtle.Render(" · "+o.title)}
	for i, code := range m.settings.Dispositions {
		label := "  "
		if i < 9 {
			label = fmt.Sprintf("%d ", i+1)
		}
		row := label + code
		if i == o.choice {
			lines = append(lines, st.Selected.Render("› "+row))
		} else {
			lines = append(lines, st.Text.Render("  "+row))
		}
	}
	hint := "number or enter chooses · n notes · esc skips"
	if o.past {
		hint = "number or enter chooses · esc cancels"
	}
	lines = append(lines, st.Subtle.Render(hint))
	return st.Overlay.Width(min(width-2, 52)).Render(strings.Join(lines, "\n"))
}
