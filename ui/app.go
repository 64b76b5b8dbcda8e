// Package ui is the console: one root model that owns the state, the
// focus and the layout. Screens (calls, history, tasks) are components;
// overlays (the incoming-call popup, help, notes and small forms) live on a
// stack above them. Update does no I/O: every action is a tea.Cmd over the
// Backend, and phone events and engine notices arrive as messages through
// one subscriber goroutine (see Run).
package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/common"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/dialer"
	"github.com/switchboard/switchboard/ui/help"
	"github.com/switchboard/switchboard/ui/history"
	"github.com/switchboard/switchboard/ui/popup"
	"github.com/switchboard/switchboard/ui/statusline"
	"github.com/switchboard/switchboard/ui/styles"
	"github.com/switchboard/switchboard/ui/tasks"
)

// Screen is one of the console's full-size views.
type Screen int

// Screens, in tab order.
const (
	ScreenCalls Screen = iota
	ScreenHistory
	ScreenTasks
	ScreenContacts
	screenCount
)

func (s Screen) String() string {
	return [...]string{"Calls", "History", "Tasks", "Contacts"}[s]
}

// toastFor is how long a confirmation or an error stays in the footer.
const toastFor = 6 * time.Second

// Model is the root model.
type Model struct {
	common *common.Common
	cmds   commands

	screen   Screen
	status   statusline.Model
	dialer   dialer.Model
	calls    calls.Model
	history  history.Model
	tasks    tasks.Model
	contacts contacts.Model
	help     help.Model
	overlays []overlay
	notes    map[string]string // call id → notes typed so far
	toast    toast
	notices  []toast // waiting for the footer, oldest first
	settings Settings
	playing  playback // the history recording being played, if any
	metering bool     // a meter tick chain is running
	quitting bool
}

// Options tune a console.
type Options struct {
	// Common is the shared context; nil: common.New().
	Common *common.Common
	// Context bounds the backend calls; nil: context.Background().
	Context context.Context
	// Settings are the configuration's console options.
	Settings Settings
}

// New returns the root model over backend.
func New(backend Backend, opts Options) Model {
	c := opts.Common
	if c == nil {
		c = common.New()
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return Model{
		common:   c,
		cmds:     commands{ctx: ctx, backend: backend},
		status:   statusline.New(c),
		dialer:   dialer.New(c),
		calls:    calls.NewModel(c),
		history:  history.New(c),
		tasks:    tasks.New(c),
		contacts: contacts.New(c),
		help:     help.New(c),
		notes:    map[string]string{},
		settings: opts.Settings,
	}
}

// Init loads the start-up state and starts the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.cmds.status(), m.cmds.tasks(), clockTick(), tea.RequestBackgroundColor)
}

// Update is the console's one state transition.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.common.SetSize(msg.Width, msg.Height)
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.common.Styles = styles.New(msg.IsDark())
		m.restyle()
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		return m.routeToFocused(msg)
	case phone.Event:
		return m.handlePhoneEvent(msg)
	case *phone.Event:
		return m.handlePhoneEvent(*msg)
	case engine.Notice:
		return m.handleNotice(msg)
	case *engine.Notice:
		return m.handleNotice(*msg)
	case Notice:
		m.queueNotice(msg)
		return m, nil
	case *Notice:
		m.queueNotice(*msg)
		return m, nil
	}
	return m.handleResult(msg)
}

// handleResult takes the answers of commands and the ticks.
func (m Model) handleResult(msg tea.Msg) (tea.Model, tea.Cmd) {
	if model, cmd, ok := m.handleContactResult(msg); ok {
		return model, cmd
	}
	switch msg := msg.(type) {
	case actionDoneMsg:
		if msg.Err != nil {
			m.common.Logger.Warn("console action failed", "action", msg.Action, "call", msg.CallID, "error", msg.Err)
			m.showError(msg.Action + ": " + msg.Err.Error())
		} else if msg.Toast != "" {
			m.showToast(msg.Toast)
		}
		var cmds []tea.Cmd
		if msg.RefreshTasks {
			cmds = append(cmds, m.cmds.tasks())
		}
		if msg.RefreshHistory && m.screen == ScreenHistory {
			cmds = append(cmds, m.loadHistory())
		}
		return m, tea.Batch(cmds...)
	case statusMsg:
		if msg.Err != nil {
			m.showError("status: " + msg.Err.Error())
			break
		}
		m.status.SetAccounts(msg.Status.Accounts)
		m.status.SetDevices(msg.Status.Devices)
		names := make([]string, 0, len(msg.Status.Accounts))
		for _, a := range msg.Status.Accounts {
			names = append(names, a.Name)
		}
		m.dialer.SetAccounts(names)
	case tasksMsg:
		m.tasks.SetTasks(msg.Tasks, msg.Err)
		m.status.SetDueTasks(m.tasks.Due(m.common.Now()))
	case historyMsg:
		m.history.SetPage(msg.Calls, msg.Next, msg.Err)
	case playDoneMsg:
		return m.playDone(msg)
	case notifyDoneMsg:
		if msg.Err != nil {
			m.common.Logger.Debug("desktop notification not shown", "error", msg.Err)
		}
	case hintsMsg:
		if msg.Err != nil {
			m.common.Logger.Warn("dial hints", "error", msg.Err)
		}
		m.dialer.SetHints(msg.Hints)
	case cardMsg:
		card := msg.Card
		m.calls.SetCard(msg.CallID, &card)
		m.showToast("Contact added")
	case metersMsg:
		for id, meter := range msg {
			m.calls.SetMeter(id, meter)
		}
	case clockTickMsg:
		return m, m.onClockTick()
	case meterTickMsg:
		return m, m.onMeterTick()
	}
	return m, nil
}

// handlePhoneEvent applies one event of the phone's stream.
func (m Model) handlePhoneEvent(ev phone.Event) (tea.Model, tea.Cmd) {
	if ev.CallID == "" {
		m.status.Apply(ev)
		if ev.Kind == phone.NetChanged {
			// The status line shows the re-registration; the notice says why.
			m.queueNotice(Notice{Text: "[" + ev.Account + "] network changed: " + ev.Reason + "; re-registering",
				Err: ev.LocalAddr == ""})
		}
		if ev.Kind == phone.SecurityRateLimited || ev.Kind == phone.SecurityRejected {
			m.queueSecurityNotice(ev) // security_notice.go
		}
		return m, nil
	}
	switch ev.Kind {
	case phone.CallDTMF, phone.CallTransferring, phone.CallReferred, phone.CallConference:
		// Nothing in the call's row changes; the log keeps them.
		m.common.Logger.Debug("call event", "event", ev.Kind, "call", ev.CallID)
		return m, nil
	case phone.CallTransferFailed:
		m.showError("transfer failed: " + ev.Reason)
		return m, nil
	}
	call := m.calls.Apply(ev)
	var cmd tea.Cmd
	switch ev.Kind {
	case phone.CallIncoming:
		m.openPopup(call.ID)
		who := call.Name()
		if who != call.Number {
			who += " " + call.Number
		}
		cmd = m.alert("Incoming call", who, true)
	case phone.CallAnswered:
		cmd = m.startMetering()
	case phone.CallEnded:
		if call.Direction == phone.Outbound && ev.Result != phone.ResultAnswered {
			m.showError("call to " + call.Name() + ": " + call.Outcome())
		}
		if call.Answered() {
			m.openWrapUp(call.ID, call.Name())
		}
	}
	return m, cmd
}

// handleNotice applies what the engine's CRM side says.
func (m Model) handleNotice(n engine.Notice) (tea.Model, tea.Cmd) {
	switch n.Kind {
	case engine.NoticeCard:
		m.calls.SetCard(n.CallID, n.Card)
	case engine.NoticeCreated:
		if n.Created != nil && n.Created.TaskCreated {
			m.showToast("A callback task was created for the missed call")
			return m, m.cmds.tasks()
		}
	case engine.NoticeTaskDue:
		if n.Due != nil {
			who := n.Due.Task.ContactName
			if who == "" {
				who = n.Due.Task.DialNumber
			}
			m.showToast("Task due: " + n.Due.Task.Kind + " " + who)
			return m, tea.Batch(m.cmds.tasks(), m.alert("Task due", n.Due.Task.Kind+" "+who, false))
		}
		return m, m.cmds.tasks()
	}
	return m, nil
}

func (m *Model) onClockTick() tea.Cmd {
	now := m.common.Now()
	m.calls.Prune(now)
	if p := m.popupOverlay(); p != nil {
		p.popup.Tick(now)
	}
	m.expireToast(now)
	m.status.SetDueTasks(m.tasks.Due(now))
	return clockTick()
}

// startMetering starts the meter tick chain unless one runs: one chain,
// however many calls are answered.
func (m *Model) startMetering() tea.Cmd {
	if m.metering {
		return nil
	}
	m.metering = true
	return meterTick()
}

func (m *Model) onMeterTick() tea.Cmd {
	ids := m.calls.LiveIDs(true)
	if len(ids) == 0 {
		// Idle consoles do not wake up five times a second.
		m.metering = false
		return nil
	}
	return tea.Batch(m.cmds.meters(ids), meterTick())
}

// layout hands the new size to the components that keep one.
func (m *Model) layout() {
	w, h := m.bodySize()
	m.history.SetSize(w, h)
	m.tasks.SetSize(w, h)
	m.contacts.SetSize(w, h)
}

// restyle rebuilds what copied the theme when it was made.
func (m *Model) restyle() {
	m.help = help.New(m.common)
	m.history = m.history.Restyle()
	m.tasks = m.tasks.Restyle()
	m.layout()
}

// openPopup shows the card of a new incoming call on top of everything:
// it is what the operator must act on first.
func (m *Model) openPopup(callID string) {
	m.removeOverlay(overlayPopup)
	m.push(overlay{kind: overlayPopup, popup: popup.New(m.common, callID, m.common.Now())})
}
