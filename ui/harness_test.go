package ui_test

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/common"
	"github.com/switchboard/switchboard/ui/statusline"
	"github.com/switchboard/switchboard/ui/styles"
	"github.com/switchboard/switchboard/ui/uitest"
)

// start is the fixed "now" of every test: views and timers never depend
// on the wall clock.
var start = time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)

// cmdWait is how long a command may take before it is taken for a timer
// (tea.Tick) and dropped: the fake backend answers at once.
const cmdWait = 50 * time.Millisecond

// harness drives the root model directly: Update, then every command it
// returned is run and its message fed back, as the program would.
type harness struct {
	t       *testing.T
	backend *uitest.Backend
	clock   *common.FixedClock
	common  *common.Common
	model   tea.Model
	raw     []string // what went to the terminal unprocessed (the bell)
}

func newHarness(t *testing.T, width, height int) *harness {
	t.Helper()
	return newHarnessWith(t, width, height, ui.Settings{})
}

// newHarnessWith starts a console with the configuration's settings.
func newHarnessWith(t *testing.T, width, height int, settings ui.Settings) *harness {
	t.Helper()
	clock := &common.FixedClock{At: start}
	c := common.New()
	c.Clock, c.Location, c.Styles = clock, time.UTC, styles.New(true)
	b := uitest.New(start)
	b.Initial = ui.Status{
		Accounts: []statusline.Account{{Name: "work", State: statusline.RegOK}},
		Devices:  statusline.Devices{Input: "Headset Mic", Output: "Headset"},
	}
	h := &harness{t: t, backend: b, clock: clock, common: c, model: ui.New(b, ui.Options{Common: c, Settings: settings})}
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	h.run(h.model.Init())
	return h
}

func (h *harness) root() ui.Model { return h.model.(ui.Model) }

// send updates the model with msg and runs what it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	var cmd tea.Cmd
	h.model, cmd = h.model.Update(msg)
	h.run(cmd)
}

// run executes cmd and feeds its message(s) back; a command that does not
// answer within cmdWait is a timer and is dropped.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(cmdWait):
		return
	}
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
	case tea.RawMsg:
		h.raw = append(h.raw, fmt.Sprint(msg.Msg))
	default:
		h.send(msg)
	}
}

// press sends keys: single characters, or names such as "enter", "esc".
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+l":
		return tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// event sends a phone event at the clock's time.
func (h *harness) event(kind phone.Kind, callID string, set ...func(*phone.Event)) {
	h.t.Helper()
	ev := phone.Event{Kind: kind, Time: h.clock.Now(), CallID: callID, Account: "work"}
	for _, f := range set {
		f(&ev)
	}
	h.send(ev)
}

func incoming(number, name string) func(*phone.Event) {
	return func(ev *phone.Event) {
		ev.Direction, ev.Number, ev.DisplayName, ev.Line = phone.Inbound, number, name, "+442071110000"
	}
}

func outgoing(number string) func(*phone.Event) {
	return func(ev *phone.Event) { ev.Direction, ev.Number = phone.Outbound, number }
}

func ended(result phone.Result, code int) func(*phone.Event) {
	return func(ev *phone.Event) { ev.Result, ev.Code = result, code }
}

// expectCall checks that the backend's newest call of method had args.
func (h *harness) expectCall(method string, args ...any) {
	h.t.Helper()
	got, ok := h.backend.Last(method)
	if !ok {
		h.t.Fatalf("no %s call; recorded: %v", method, h.backend.Recorded())
	}
	if len(got.Args) != len(args) {
		h.t.Fatalf("%s args = %v, want %v", method, got.Args, args)
	}
	for i := range args {
		if got.Args[i] != args[i] {
			h.t.Fatalf("%s args = %v, want %v", method, got.Args, args)
		}
	}
}

func (h *harness) expectNoCall(method string) {
	h.t.Helper()
	if got, ok := h.backend.Last(method); ok {
		h.t.Fatalf("unexpected %v", got)
	}
}

// knownCard is the card of a known caller with an open case and money due.
func knownCard(number string) *crm.Card {
	return &crm.Card{
		Number: number, Formatted: "+44 20 7946 0000", Known: true,
		Contact:       &crm.CardContact{ID: 42, Name: "Anna Petrova", Company: "Acme Ltd"},
		LocalTime:     numbers.LocalTime{Zone: "Europe/London", Time: start, Certain: true},
		Description:   numbers.Description{Location: "London"},
		OpenCase:      &crm.Case{ID: 5, Title: "Order 1187", Status: "in_progress", AmountMinor: 12050, Currency: "GBP"},
		PreviousCalls: crm.CallSummary{Count: 4, LastAt: start.Add(-26 * time.Hour), LastResult: "missed"},
	}
}

func unknownCard(number string) *crm.Card {
	return &crm.Card{Number: number, Formatted: number, Actions: []string{crm.ActionAddContact, crm.ActionAddCase, crm.ActionAttachToContact},
		Description: numbers.Description{Location: "United Kingdom"}}
}

func clockTick() any { return ui.ClockTick(start) }
