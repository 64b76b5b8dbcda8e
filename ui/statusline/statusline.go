// Package statusline is the console's top line: each account's
// registration state (and why it failed), do-not-disturb, the audio
// devices, the due-task badge and the clock. A failed registration adds a
// second line with the reason, because a softphone that silently does not
// register is the worst failure an operator can miss.
package statusline

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/common"
)

// RegState is an account's registration state as shown.
type RegState int

// Registration states.
const (
	RegUnknown RegState = iota // no event yet
	RegOK
	RegFailed
	RegRetrying
	RegOff // unregistered, or an account that does not register
)

// Account is one account's line state.
type Account struct {
	Name    string
	State   RegState
	Reason  string
	Code    int
	RetryIn time.Duration
	DND     bool
}

// Devices are the sound devices in use.
type Devices struct {
	Input, Output string
	// Problem is set while a device is lost or replaced by a fallback.
	Problem string
}

// Model is the status line.
type Model struct {
	common   *common.Common
	accounts []Account
	devices  Devices
	dueTasks int
}

// New returns an empty status line.
func New(c *common.Common) Model { return Model{common: c} }

// SetAccounts replaces the accounts (the backend's state at start).
func (m *Model) SetAccounts(accounts []Account) { m.accounts = append([]Account(nil), accounts...) }

// Accounts returns the accounts in order.
func (m *Model) Accounts() []Account { return m.accounts }

// SetDevices replaces the device names.
func (m *Model) SetDevices(d Devices) { m.devices = d }

// SetDueTasks sets the badge's count.
func (m *Model) SetDueTasks(n int) { m.dueTasks = n }

// DueTasks is the badge's count.
func (m *Model) DueTasks() int { return m.dueTasks }

// SetDND records an account's do-not-disturb.
func (m *Model) SetDND(name string, on bool) { m.account(name).DND = on }

// Apply takes a registration or audio-device event; others are ignored.
func (m *Model) Apply(ev phone.Event) {
	switch ev.Kind {
	case phone.RegOK:
		a := m.account(ev.Account)
		a.State, a.Reason, a.Code = RegOK, "", 0
	case phone.RegFailed:
		a := m.account(ev.Account)
		a.State, a.Reason, a.Code = RegFailed, ev.Reason, ev.Code
	case phone.RegRetrying:
		a := m.account(ev.Account)
		// Keep the failure's reason: "retrying" alone does not say why.
		a.State = RegRetrying
		a.RetryIn = time.Duration(ev.RetryInMS) * time.Millisecond
		if ev.Reason != "" {
			a.Reason = ev.Reason
		}
	case phone.RegUnregistered:
		m.account(ev.Account).State = RegOff
	case phone.AudioDevice:
		switch ev.Change {
		case "restored":
			m.devices.Problem = ""
		default:
			m.devices.Problem = fmt.Sprintf("%s %s", ev.Device, ev.Change)
			if ev.Reason != "" {
				m.devices.Problem += ": " + ev.Reason
			}
		}
	}
}

func (m *Model) account(name string) *Account {
	for i := range m.accounts {
		if m.accounts[i].Name == name {
			return &m.accounts[i]
		}
	}
	m.accounts = append(m.accounts, Account{Name: name})
	return &m.accounts[len(m.accounts)-1]
}

// Failed returns the accounts whose registration is failing.
func (m Model) Failed() []Account {
	var out []Account
	for _, a := range m.accounts {
		if a.State == RegFailed || a.State == RegRetrying {
			out = append(out, a)
		}
	}
	return out
}

// View draws the status line (one line, two with a failure) width wide.
func (m Model) View(width int) string {
	st := m.common.Styles
	var left []string
	for _, a := range m.accounts {
		left = append(left, m.accountText(a))
	}
	if len(left) == 0 {
		left = append(left, st.Subtle.Render("no accounts"))
	}
	var right []string
	if m.devices.Problem != "" {
		right = append(right, st.Warn.Render("♪ "+m.devices.Problem))
	} else if m.devices.Input != "" || m.devices.Output != "" {
		right = append(right, st.Subtle.Render("♪ "+shortDevice(m.devices.Input)+"/"+shortDevice(m.devices.Output)))
	}
	if m.dueTasks > 0 {
		right = append(right, st.Badge.Render(fmt.Sprintf(" %d due ", m.dueTasks)))
	}
	right = append(right, st.Text.Render(m.common.Now().Format("15:04")))
	line := joinEnds(strings.Join(left, "  "), strings.Join(right, " "), width)
	lines := []string{line}
	for _, a := range m.Failed() {
		lines = append(lines, truncate(st.Error.Render("✗ "+a.Name+": "+failureText(a)), width))
	}
	return strings.Join(lines, "\n")
}

func (m Model) accountText(a Account) string {
	st := m.common.Styles
	var text string
	switch a.State {
	case RegOK:
		text = st.OK.Render("● " + a.Name)
	case RegFailed:
		text = st.Error.Render("✗ " + a.Name)
	case RegRetrying:
		text = st.Warn.Render("↻ " + a.Name)
	case RegOff:
		text = st.Subtle.Render("○ " + a.Name)
	default:
		text = st.Subtle.Render("… " + a.Name)
	}
	if a.DND {
		text += " " + st.Badge.Render("DND")
	}
	return text
}

func failureText(a Account) string {
	text := "registration failed"
	if a.Code != 0 {
		text += fmt.Sprintf(" (%d)", a.Code)
	}
	if a.Reason != "" {
		text += ": " + a.Reason
	}
	if a.State == RegRetrying && a.RetryIn > 0 {
		text += fmt.Sprintf("; retrying in %s", a.RetryIn.Round(time.Second))
	}
	return text
}

// shortDevice keeps device names (often "HDA Intel PCH: ALC3246 Analog
// (hw:0,0)") short enough for the status line.
func shortDevice(name string) string {
	if name == "" {
		return "none"
	}
	return ansi.Truncate(name, 18, "…")
}

func joinEnds(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		left = truncate(left, width-lipgloss.Width(right)-1)
		gap = max(1, width-lipgloss.Width(left)-lipgloss.Width(right))
	}
	return left + strings.Repeat(" ", gap) + right
}

func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}
