package ui

import (
	"context"

	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/popup"
)

type overlayKind int

const (
	overlayPopup       overlayKind = iota // incoming-call card, lower right
	overlayHelp                           // every key of the context below
	overlayNotes                          // notes of a call, saved as typed
	overlayPrompt                         // one-line form (transfer target)
	overlayKeypad                         // DTMF digits go to the call
	overlayContactForm                    // create or edit a contact
	overlayWrapUp                         // disposition picker (at hang-up, or for a past call)
)

// overlay is one entry of the stack. One struct rather than an interface:
// the kinds are few, and the root model needs to reach into each anyway.
type overlay struct {
	kind   overlayKind
	callID string
	popup  popup.Model
	notes  textarea.Model
	prompt textinput.Model
	digits string // keypad: sent so far
	form   contacts.Form
	// Wrap-up: the choice under the cursor and whose call it is.
	choice int
	title  string
	// past: notes or a code for a call in the history (saved on closing,
	// not through the note saver); original is the text it had.
	past     bool
	original string
}

// modal overlays take every key; the popup takes only its own and lets
// the rest reach the screen, so calls can be handled while it is up.
func (o overlay) modal() bool { return o.kind != overlayPopup }

func (m *Model) push(o overlay) { m.overlays = append(m.overlays, o) }

func (m *Model) pop() {
	if len(m.overlays) > 0 {
		m.overlays = m.overlays[:len(m.overlays)-1]
	}
}

func (m *Model) top() *overlay {
	if len(m.overlays) == 0 {
		return nil
	}
	return &m.overlays[len(m.overlays)-1]
}

func (m *Model) removeOverlay(kind overlayKind) {
	kept := m.overlays[:0]
	for _, o := range m.overlays {
		if o.kind != kind {
			kept = append(kept, o)
		}
	}
	m.overlays = kept
}

func (m *Model) popupOverlay() *overlay {
	for i := range m.overlays {
		if m.overlays[i].kind == overlayPopup {
			return &m.overlays[i]
		}
	}
	return nil
}

// popupCall is the call of the popup, or nil when there is no popup or
// its call was pruned.
func (m *Model) popupCall() (*overlay, *calls.Call) {
	p := m.popupOverlay()
	if p == nil {
		return nil, nil
	}
	call := m.calls.Find(p.popup.CallID)
	if call == nil {
		return nil, nil
	}
	return p, call
}

func (m *Model) openNotes(callID string) tea.Cmd {
	return m.pushNotes(overlay{kind: overlayNotes, callID: callID}, "notes on this call, saved as you type", m.notes[callID])
}

// openPastNotes edits the notes of a call in the history; they are saved
// when the overlay closes.
func (m *Model) openPastNotes(callID, text string) tea.Cmd {
	return m.pushNotes(overlay{kind: overlayNotes, callID: callID, past: true, original: text}, "notes on this call", text)
}

func (m *Model) pushNotes(o overlay, placeholder, text string) tea.Cmd {
	area := textarea.New()
	area.Placeholder = placeholder
	area.ShowLineNumbers = false
	area.SetValue(text)
	area.SetWidth(min(60, max(20, m.common.Width-6)))
	area.SetHeight(5)
	cmd := area.Focus()
	o.notes = area
	m.push(o)
	return cmd
}

func (m *Model) openPrompt(callID, placeholder string) tea.Cmd {
	in := textinput.New()
	in.Prompt = "→ "
	in.Placeholder = placeholder
	in.SetWidth(min(40, max(10, m.common.Width-10)))
	cmd := in.Focus()
	m.push(overlay{kind: overlayPrompt, callID: callID, prompt: in})
	return cmd
}

// updateOverlay gives a key to a modal overlay.
func (m Model) updateOverlay(o *overlay, msg tea.Msg) (tea.Model, tea.Cmd) {
	keysMap := m.common.Keys
	k, isKey := msg.(tea.KeyPressMsg)
	switch o.kind {
	case overlayNotes:
		if isKey && key.Matches(k, keysMap.Back) {
			callID, text, past, original := o.callID, o.notes.Value(), o.past, o.original
			m.pop()
			if past && text != original {
				return m, m.cmds.setNotes(callID, text)
			}
			return m, nil
		}
		before := o.notes.Value()
		var cmd tea.Cmd
		o.notes, cmd = o.notes.Update(msg)
		if text := o.notes.Value(); text != before && !o.past {
			m.notes[o.callID] = text
			return m, tea.Batch(cmd, m.cmds.typeNotes(o.callID, text))
		}
		return m, cmd
	case overlayPrompt:
		if isKey {
			switch k.String() {
			case "esc":
				m.pop()
				return m, nil
			case "enter":
				target := strings.TrimSpace(o.prompt.Value())
				callID := o.callID
				m.pop()
				if target == "" {
					return m, nil
				}
				return m, m.cmds.act("transfer", callID, func(ctx ctxT) error { return m.cmds.backend.Transfer(ctx, callID, target) })
			}
		}
		var cmd tea.Cmd
		o.prompt, cmd = o.prompt.Update(msg)
		return m, cmd
	case overlayKeypad:
		if !isKey {
			return m, nil
		}
		if k.String() == "esc" {
			m.pop()
			return m, nil
		}
		if digit := k.Text; len(digit) == 1 && strings.Contains("0123456789*#ABCD", strings.ToUpper(digit)) {
			digit = strings.ToUpper(digit)
			o.digits += digit
			callID := o.callID
			return m, m.cmds.act("DTMF", callID, func(ctx ctxT) error { return m.cmds.backend.SendDTMF(ctx, callID, digit) })
		}
		return m, nil
	case overlayWrapUp:
		if isKey {
			return m.updateWrapUp(o, k)
		}
		return m, nil
	case overlayContactForm:
		return m.updateContactForm(o, msg)
	case overlayHelp:
		if isKey && (k.String() == "esc" || k.String() == "?" || k.String() == "q" || k.String() == "f1") {
			m.pop()
		}
		return m, nil
	}
	return m, nil
}

// ctxT keeps the action closures short.
type ctxT = context.Context
