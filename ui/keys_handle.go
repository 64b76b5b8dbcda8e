package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/keys"
)

// snoozeFor is the tasks screen's one-key snooze.
const snoozeFor = 10 * time.Minute

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	ctx := m.keyContext()
	k := ctx.km
	if key.Matches(msg, k.ForceQuit) {
		m.quitting = true
		return m, tea.Quit
	}
	if top := m.top(); top != nil && top.modal() {
		return m.updateOverlay(top, msg)
	}
	if m.screen == ScreenCalls && m.dialer.Focused() {
		return m.handleDialerKey(msg, k)
	}
	if m.screen == ScreenContacts && m.contacts.SearchFocused() {
		return m.handleSearchKey(msg, k)
	}
	if model, cmd, handled := m.handlePopupKey(msg, k); handled {
		return model, cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.push(overlay{kind: overlayHelp})
		return m, nil
	case key.Matches(msg, k.NextScreen):
		return m.switchScreen((m.screen + 1) % screenCount)
	case key.Matches(msg, k.PrevScreen):
		return m.switchScreen((m.screen + screenCount - 1) % screenCount)
	}
	switch m.screen {
	case ScreenCalls:
		return m.handleCallsKey(msg, k)
	case ScreenHistory:
		return m.handleHistoryKey(msg, k)
	case ScreenTasks:
		return m.handleTasksKey(msg, k)
	case ScreenContacts:
		return m.handleContactsKey(msg, k)
	}
	return m, nil
}

func (m Model) switchScreen(to Screen) (tea.Model, tea.Cmd) {
	m.screen = to
	m.dialer.Blur()
	switch to {
	case ScreenHistory:
		return m, m.loadHistory()
	case ScreenTasks:
		return m, m.cmds.tasks()
	case ScreenContacts:
		return m, m.refreshContacts()
	}
	return m, nil
}

// handlePopupKey runs the popup's actions on the popup's call.
func (m Model) handlePopupKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd, bool) {
	p, call := m.popupCall()
	if p == nil {
		return m, nil, false
	}
	id, number := call.ID, call.Number
	b := m.cmds.backend
	switch {
	case key.Matches(msg, k.TogglePopup):
		p.popup.Toggle(m.common.Now())
		return m, nil, true
	case key.Matches(msg, k.Back):
		if p.popup.Expanded() {
			p.popup.Toggle(m.common.Now())
		} else {
			m.removeOverlay(overlayPopup)
		}
		return m, nil, true
	case key.Matches(msg, k.Answer):
		return m, m.cmds.act("answer", id, func(ctx ctxT) error { return b.Answer(ctx, id) }), true
	case key.Matches(msg, k.Reject):
		return m, m.cmds.act("reject", id, func(ctx ctxT) error { return b.Reject(ctx, id) }), true
	case key.Matches(msg, k.Callback10):
		return m, m.cmds.callback(id, number, 10*time.Minute, m.common.Location), true
	case key.Matches(msg, k.Callback30):
		return m, m.cmds.callback(id, number, 30*time.Minute, m.common.Location), true
	case key.Matches(msg, k.Callback60):
		return m, m.cmds.callback(id, number, 60*time.Minute, m.common.Location), true
	case key.Matches(msg, k.AddContact):
		name := call.DisplayName
		if name == "" {
			name = number
		}
		prefill := crm.Contact{Name: name, Numbers: []crm.Phone{{Raw: number}}, SourceLine: call.Line}
		return m, m.openContactForm(prefill, id, number), true
	case key.Matches(msg, k.AddCase):
		input := crm.CaseInput{Kind: crm.KindLead, Title: "Call from " + call.Name(), Number: number, SourceCallID: id}
		if call.Card != nil && call.Card.Contact != nil {
			input.ContactID = call.Card.Contact.ID
		}
		return m, m.cmds.addCase(id, input), true
	case key.Matches(msg, k.OpenContact):
		model, cmd := m.openContactCard(call.Card.Contact.ID)
		return model, cmd, true
	case key.Matches(msg, k.OpenHistory):
		m.history.SetNumber(number)
		model, cmd := m.switchScreen(ScreenHistory)
		return model, cmd, true
	}
	return m, nil, false
}

func (m Model) handleCallsKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	b := m.cmds.backend
	call := m.calls.Selected()
	if call == nil {
		call = &calls.Call{}
	}
	id := call.ID
	switch {
	case key.Matches(msg, k.FocusDialer):
		return m, m.dialer.Focus()
	case key.Matches(msg, k.Redial):
		return m, m.cmds.redial(m.dialer.Account())
	case key.Matches(msg, k.ToggleDND):
		account := m.dialer.Account()
		on := true
		for _, a := range m.status.Accounts() {
			if a.Name == account || account == "" {
				on = !a.DND
				account = a.Name
				break
			}
		}
		m.status.SetDND(account, on)
		return m, m.cmds.act("do not disturb", "", func(ctx ctxT) error { return b.SetDND(ctx, account, on) })
	case key.Matches(msg, k.Answer):
		return m, m.cmds.act("answer", id, func(ctx ctxT) error { return b.Answer(ctx, id) })
	case key.Matches(msg, k.Reject):
		return m, m.cmds.act("reject", id, func(ctx ctxT) error { return b.Reject(ctx, id) })
	case key.Matches(msg, k.Hangup):
		return m, m.cmds.act("hang up", id, func(ctx ctxT) error { return b.Hangup(ctx, id) })
	case key.Matches(msg, k.Hold):
		if call.State == calls.Held {
			return m, m.cmds.act("resume", id, func(ctx ctxT) error { return b.Resume(ctx, id) })
		}
		return m, m.cmds.act("hold", id, func(ctx ctxT) error { return b.Hold(ctx, id) })
	case key.Matches(msg, k.Mute):
		muted := !call.Muted
		return m, m.cmds.act("mute", id, func(ctx ctxT) error { return b.Mute(ctx, id, muted) })
	case key.Matches(msg, k.Keypad):
		m.push(overlay{kind: overlayKeypad, callID: id})
		return m, nil
	case key.Matches(msg, k.Transfer):
		return m, m.openPrompt(id, "transfer to number or extension")
	case key.Matches(msg, k.Notes):
		return m, m.openNotes(id)
	case key.Matches(msg, k.Up):
		m.calls.Move(-1)
	case key.Matches(msg, k.Down):
		m.calls.Move(1)
	}
	return m, nil
}

func (m Model) handleDialerKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Dial):
		target, account := m.dialer.Target(), m.dialer.Account()
		m.dialer.Reset()
		m.dialer.Blur()
		return m, m.cmds.dial(account, target)
	case key.Matches(msg, k.Back):
		m.dialer.Blur()
		return m, nil
	case key.Matches(msg, k.NextAccount):
		m.dialer.NextAccount()
		return m, nil
	case key.Matches(msg, k.NextScreen):
		return m.switchScreen((m.screen + 1) % screenCount)
	case key.Matches(msg, k.PrevScreen):
		return m.switchScreen((m.screen + screenCount - 1) % screenCount)
	}
	return m.updateDialer(msg)
}

func (m Model) updateDialer(msg tea.Msg) (tea.Model, tea.Cmd) {
	var changed bool
	var cmd tea.Cmd
	m.dialer, changed, cmd = m.dialer.Update(msg)
	if changed && strings.TrimSpace(m.dialer.Value()) != "" {
		return m, tea.Batch(cmd, m.cmds.hints(m.dialer.Value()))
	}
	return m, cmd
}

func (m Model) handleTasksKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	b := m.cmds.backend
	task := m.tasks.Selected()
	switch {
	case key.Matches(msg, k.CallFromTask):
		target := task.DialNumber
		if target == "" {
			target = task.NumberRaw
		}
		return m, m.cmds.dial("", target)
	case key.Matches(msg, k.TaskDone):
		id := task.ID
		return m, m.cmds.actRefresh("task done", func(ctx ctxT) error { return b.CompleteTask(ctx, id) })
	case key.Matches(msg, k.TaskSnooze):
		id, until := task.ID, m.common.Now().Add(snoozeFor)
		return m, m.cmds.actRefresh("snooze task", func(ctx ctxT) error { return b.SnoozeTask(ctx, id, until) })
	case key.Matches(msg, k.Refresh):
		return m, m.cmds.tasks()
	}
	var cmd tea.Cmd
	m.tasks, cmd = m.tasks.Update(msg)
	return m, cmd
}
