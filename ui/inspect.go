package ui

import "github.com/switchboard/switchboard/ui/calls"

// Read-only views of the state, for tests and for the adapter that wires
// the console (what is ringing, what is shown).

// Screen is the screen shown.
func (m Model) Screen() Screen { return m.screen }

// Calls are the calls in the calls pane.
func (m Model) Calls() []*calls.Call { return m.calls.Calls() }

// Popup reports whether a popup is open, for which call, and whether it
// is expanded.
func (m Model) Popup() (callID string, expanded, open bool) {
	if p := m.popupOverlay(); p != nil {
		return p.popup.CallID, p.popup.Expanded(), true
	}
	return "", false, false
}

// Toast is the footer's message, if any, and whether it is an error.
func (m Model) Toast() (string, bool) { return m.toast.text, m.toast.err }

// DueTasks is the status line's badge count.
func (m Model) DueTasks() int { return m.status.DueTasks() }

// OverlayDepth is how many overlays are stacked (popup included).
func (m Model) OverlayDepth() int { return len(m.overlays) }

// Notes is what was typed into a call's notes.
func (m Model) Notes(callID string) string { return m.notes[callID] }
