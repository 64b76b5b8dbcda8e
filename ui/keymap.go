package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/keys"
	"github.com/switchboard/switchboard/ui/popup"
)

// keyContext is the keymap narrowed to what works now, and its help. The
// same value decides which keys act (key.Matches ignores disabled
// bindings) and which the help lists, so the two cannot disagree.
type keyContext struct {
	km    keys.KeyMap
	help  keys.Context
	title string
}

func (m *Model) keyContext() keyContext {
	k := m.common.Keys
	global := []key.Binding{k.Help, k.NextScreen, k.PrevScreen, keys.Only(k.Quit, len(m.calls.LiveIDs(false)) == 0), k.ForceQuit}
	if top := m.top(); top != nil && top.modal() {
		back := k.Back
		switch top.kind {
		case overlayNotes:
			back.SetHelp("esc", "close notes (saved)")
			if top.past {
				back.SetHelp("esc", "save and close")
			}
			return keyContext{km: onlyKeys(k, back, k.ForceQuit), help: keys.Context{Short: []key.Binding{back}, Groups: [][]key.Binding{{back, k.ForceQuit}}}, title: "notes"}
		case overlayPrompt:
			enter := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "transfer"))
			return keyContext{km: onlyKeys(k, back, k.ForceQuit), help: keys.Context{Short: []key.Binding{enter, back}, Groups: [][]key.Binding{{enter, back}}}, title: "transfer"}
		case overlayWrapUp:
			return m.wrapUpContext(top)
		case overlayContactForm:
			return m.formContext()
		case overlayKeypad:
			digits := key.NewBinding(key.WithKeys("0"), key.WithHelp("0-9 * #", "send tone"))
			return keyContext{km: onlyKeys(k, back, k.ForceQuit), help: keys.Context{Short: []key.Binding{digits, back}, Groups: [][]key.Binding{{digits, back}}}, title: "keypad"}
		default:
			return keyContext{km: onlyKeys(k, back, k.Help, k.ForceQuit), help: keys.Context{Short: []key.Binding{back}, Groups: [][]key.Binding{{back}}}, title: "overlay"}
		}
	}

	var popupGroup []key.Binding
	if p, call := m.popupCall(); p != nil {
		if p.popup.Expanded() {
			a := popup.AvailableActions(call)
			k.Answer = keys.Only(k.Answer, a.Answer)
			k.Reject = keys.Only(k.Reject, a.Reject)
			k.Callback10 = keys.Only(k.Callback10, a.Callback)
			k.Callback30 = keys.Only(k.Callback30, a.Callback)
			k.Callback60 = keys.Only(k.Callback60, a.Callback)
			k.AddContact = keys.Only(k.AddContact, a.AddContact)
			k.AddCase = keys.Only(k.AddCase, a.AddCase)
			k.OpenContact = keys.Only(k.OpenContact, a.OpenContact)
			k.OpenHistory = keys.Only(k.OpenHistory, a.OpenHistory)
			k.Back.SetHelp("esc", "collapse card")
		} else {
			k = disablePopupActions(k)
			k.Back.SetHelp("esc", "close card")
		}
		popupGroup = []key.Binding{k.TogglePopup, k.Answer, k.Reject, k.Callback10, k.Callback30, k.Callback60,
			k.AddContact, k.AddCase, k.OpenContact, k.OpenHistory, k.Back}
	} else {
		k = disablePopupActions(k)
		k.TogglePopup.SetEnabled(false)
	}

	ctx := keyContext{km: k, title: m.screen.String()}
	switch m.screen {
	case ScreenCalls:
		ctx = m.callsContext(k, popupGroup, global)
	case ScreenHistory:
		ctx = m.historyContext(k, popupGroup, global)
	case ScreenContacts:
		ctx = m.contactsContext(k, popupGroup, global)
	case ScreenTasks:
		sel := m.tasks.Selected() != nil
		k.CallFromTask, k.TaskDone, k.TaskSnooze = keys.Only(k.CallFromTask, sel), keys.Only(k.TaskDone, sel), keys.Only(k.TaskSnooze, sel)
		k.Up, k.Down = keys.Only(k.Up, sel), keys.Only(k.Down, sel)
		screen := []key.Binding{k.CallFromTask, k.TaskDone, k.TaskSnooze, k.Refresh, k.Up, k.Down}
		ctx = keyContext{km: k, title: "tasks", help: keys.Context{Short: append(short(popupGroup), k.CallFromTask, k.TaskDone, k.Help),
			Groups: [][]key.Binding{popupGroup, screen, global}}}
	}
	return ctx
}

func (m *Model) callsContext(k keys.KeyMap, popupGroup, global []key.Binding) keyContext {
	if m.dialer.Focused() {
		k.Dial = keys.Only(k.Dial, m.dialer.Target() != "")
		k.NextAccount = keys.Only(k.NextAccount, m.dialer.Accounts() > 1)
		k.Back.SetHelp("esc", "leave dialer")
		k.Back.SetEnabled(true)
		group := []key.Binding{k.Dial, k.Up, k.Down, k.NextAccount, k.Back, k.NextScreen, k.ForceQuit}
		km := onlyKeys(k, k.Dial, k.Up, k.Down, k.NextAccount, k.Back, k.NextScreen, k.PrevScreen, k.ForceQuit)
		return keyContext{km: km, title: "dialer", help: keys.Context{Short: []key.Binding{k.Dial, k.Back}, Groups: [][]key.Binding{group}}}
	}
	call := m.calls.Selected()
	live := call != nil && call.Live()
	answered := live && call.Answered()
	ringing := live && call.State == calls.Ringing
	// The popup owns a/r for its own call; the pane's a/r act on the
	// selected call and only matter when the popup does not show them.
	if !k.Answer.Enabled() || m.popupOverlay() == nil {
		k.Answer = keys.Only(m.common.Keys.Answer, ringing)
		k.Reject = keys.Only(m.common.Keys.Reject, ringing)
	}
	k.Hangup = keys.Only(k.Hangup, live && !ringing)
	k.Hold = keys.Only(k.Hold, answered)
	k.Mute = keys.Only(k.Mute, answered)
	k.Keypad = keys.Only(k.Keypad, answered)
	k.Transfer = keys.Only(k.Transfer, answered)
	k.Notes = keys.Only(k.Notes, call != nil && call.Answered())
	k.Up = keys.Only(k.Up, len(m.calls.Calls()) > 1)
	k.Down = keys.Only(k.Down, len(m.calls.Calls()) > 1)
	if m.popupOverlay() == nil {
		k.Back.SetEnabled(false)
	}
	callGroup := []key.Binding{k.Answer, k.Reject, k.Hangup, k.Hold, k.Mute, k.Keypad, k.Transfer, k.Notes, k.Up, k.Down}
	dialGroup := []key.Binding{k.FocusDialer, k.Redial, k.ToggleDND}
	shortList := append(short(popupGroup), k.Answer, k.Hangup, k.Hold, k.Mute, k.Notes, k.FocusDialer, k.Help)
	return keyContext{km: k, title: "calls", help: keys.Context{Short: shortList,
		Groups: [][]key.Binding{popupGroup, callGroup, dialGroup, global}}}
}

// short picks the popup keys worth the footer's room.
func short(popupGroup []key.Binding) []key.Binding {
	if len(popupGroup) == 0 {
		return nil
	}
	return []key.Binding{popupGroup[0]}
}

func disablePopupActions(k keys.KeyMap) keys.KeyMap {
	for _, b := range []*key.Binding{&k.Callback10, &k.Callback30, &k.Callback60, &k.AddContact, &k.AddCase, &k.OpenContact, &k.OpenHistory} {
		b.SetEnabled(false)
	}
	return k
}

// onlyKeys returns k with every binding disabled except those listed (by
// their keys), for modal contexts.
func onlyKeys(k keys.KeyMap, allowed ...key.Binding) keys.KeyMap {
	out := keys.KeyMap{}
	out.Help, out.Back, out.ForceQuit = k.Help, k.Back, k.ForceQuit
	out.Dial, out.Up, out.Down, out.NextAccount, out.NextScreen, out.PrevScreen = k.Dial, k.Up, k.Down, k.NextAccount, k.NextScreen, k.PrevScreen
	keep := map[string]bool{}
	for _, b := range allowed {
		if b.Enabled() {
			keep[b.Keys()[0]] = true
		}
	}
	for _, b := range []*key.Binding{&out.Help, &out.Back, &out.ForceQuit, &out.Dial, &out.Up, &out.Down, &out.NextAccount, &out.NextScreen, &out.PrevScreen} {
		if len(b.Keys()) == 0 || !keep[b.Keys()[0]] {
			*b = key.NewBinding(key.WithDisabled())
		}
	}
	return out
}

// routeToFocused hands a non-key input (a paste) to whatever has the
// keyboard.
func (m Model) routeToFocused(msg tea.Msg) (tea.Model, tea.Cmd) {
	if top := m.top(); top != nil && top.modal() {
		return m.updateOverlay(top, msg)
	}
	if m.screen == ScreenCalls && m.dialer.Focused() {
		return m.updateDialer(msg)
	}
	if m.screen == ScreenContacts && m.contacts.SearchFocused() {
		return m.updateSearch(msg)
	}
	return m, nil
}
