package ui_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/dialer"
)

// Golden views: go test ./ui -run TestGolden -update rewrites them. They
// are written through the ASCII colour profile, so the files hold the
// layout and text attributes but no colour codes.

var goldenSizes = [][2]int{{80, 24}, {132, 43}}

func asciiView(t *testing.T, h *harness) string {
	t.Helper()
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ASCII}
	if _, err := w.WriteString(h.root().Render()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	scenes := []struct {
		name     string
		setup    func(h *harness)
		settings ui.Settings
	}{
		{"calls_idle", func(h *harness) {}, ui.Settings{}},
		{"calls_active", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
			h.send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: knownCard("+442079460000")})
			h.event(phone.CallAnswered, "c1", func(ev *phone.Event) {
				ev.Codec, ev.Recording, ev.SRTP = "PCMU", "/tmp/c1.wav", "AES_CM_128_HMAC_SHA1_80"
			})
			h.send(mustMeters(map[string]calls.Meter{"c1": {InLevel: 0.5, OutLevel: 0.25, MOS: 4.2}}))
			h.event(phone.CallMuted, "c1")
			h.event(phone.CallOutgoing, "c2", outgoing("1002"))
			h.event(phone.CallRinging, "c2")
			h.clock.Advance(83 * time.Second)
			h.press("esc", "esc")
		}, ui.Settings{}},
		{"dialer_suggestions", func(h *harness) {
			h.backend.Hints.Valid, h.backend.Hints.Normalised = true, "+44 20 7946 0000"
			h.backend.Hints.Suggestions = []dialerSuggestion{{Label: "Anna Petrova (mobile)", Number: "+442079460000", Source: "contact"},
				{Label: "Acme front desk", Number: "+442079460001", Source: "recent"}}
			h.press("d", "0", "2", "0", "7")
			h.press("down")
		}, ui.Settings{}},
		{"popup_expanded", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
			h.send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: knownCard("+442079460000")})
			h.clock.Advance(4 * time.Second)
		}, ui.Settings{}},
		{"popup_unknown", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+447700900123", ""))
			h.send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: unknownCard("+447700900123")})
		}, ui.Settings{}},
		{"popup_collapsed", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
			h.send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: knownCard("+442079460000")})
			h.clock.Advance(21 * time.Second)
			h.send(clockTick())
		}, ui.Settings{}},
		{"registration_failed", func(h *harness) {
			h.event(phone.RegFailed, "", func(ev *phone.Event) { ev.Code, ev.Reason = 403, "Forbidden (bad password?)" })
			h.event(phone.RegRetrying, "", func(ev *phone.Event) { ev.RetryInMS = 30000 })
		}, ui.Settings{}},
		{"history", func(h *harness) {
			h.backend.Calls = sampleHistory()
			h.press("tab")
		}, ui.Settings{}},
		{"tasks", func(h *harness) {
			h.backend.TaskList = []crm.Task{
				{ID: 1, Kind: crm.TaskCallback, DueAt: start.Add(-15 * time.Minute), Status: crm.TaskOpen, ContactName: "Anna Petrova", DialNumber: "+442079460000", Note: "price for order 1187"},
				{ID: 2, Kind: crm.TaskFollowUp, DueAt: start.Add(2 * time.Hour), Status: crm.TaskOpen, NumberRaw: "+447700900123", DialNumber: "+447700900123"},
			}
			h.press("tab", "tab")
		}, ui.Settings{}},
		{"help", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
			h.event(phone.CallAnswered, "c1")
			h.press("esc", "esc", "?")
		}, ui.Settings{}},
		{"wrap_up", func(h *harness) {
			h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna Petrova"))
			h.event(phone.CallAnswered, "c1")
			h.press("esc", "esc")
			h.clock.Advance(95 * time.Second)
			h.event(phone.CallEnded, "c1", ended(phone.ResultAnswered, 0))
			h.press("down")
		}, ui.Settings{WrapUp: true, Dispositions: []string{"resolved", "callback", "sale", "no-interest", "wrong-number"}}},
		{"history_disposition", func(h *harness) {
			h.backend.Calls = sampleHistory()
			h.backend.Next = "cursor-2"
			h.press("tab", "w")
		}, ui.Settings{Dispositions: []string{"resolved", "callback", "sale"}}},
		{"contacts_list", func(h *harness) {
			seedContacts(h)
			h.press("tab", "tab", "tab", "down")
		}, ui.Settings{}},
		{"contact_card", func(h *harness) {
			seedContacts(h)
			h.press("tab", "tab", "tab", "enter")
		}, ui.Settings{}},
		{"contact_form_error", func(h *harness) {
			seedContacts(h)
			h.press("tab", "tab", "tab", "+", "tab", "A", "c", "m", "e", "tab", "1", "2", "x", "tab", "tab", "a", "@", "enter")
		}, ui.Settings{}},
		{"notice", func(h *harness) {
			h.send(ui.Notice{Text: "wrote a default configuration to ~/.config/switchboard/config.toml"})
			h.send(&ui.Notice{Text: "no account: add [[accounts]] to ~/.config/switchboard/config.toml", Err: true})
		}, ui.Settings{}},
	}
	for _, scene := range scenes {
		for _, size := range goldenSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", scene.name, size[0], size[1]), func(t *testing.T) {
				h := newHarnessWith(t, size[0], size[1], scene.settings)
				scene.setup(h)
				view := asciiView(t, h)
				checkFrame(t, view, size[0], size[1])
				golden.RequireEqual(t, view)
			})
		}
	}
}

// checkFrame asserts the frame fills the terminal and not a cell more:
// anything else leaves garbage after a resize.
func checkFrame(t *testing.T, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != height {
		t.Errorf("%d lines, want %d", len(lines), height)
	}
	for i, l := range lines {
		if w := visibleWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, width, l)
		}
	}
}

func sampleHistory() []history.Call {
	at := func(h int) time.Time { return start.Add(-time.Duration(h) * time.Hour) }
	return []history.Call{
		{ID: "h1", Direction: history.DirectionIn, RemoteNumber: "+442079460000", DisplayName: "Anna Petrova", StartedAt: at(1),
			AnsweredAt: at(1), EndedAt: at(1).Add(185 * time.Second), Result: history.ResultAnswered, Notes: "asked about the invoice"},
		{ID: "h2", Direction: history.DirectionIn, RemoteNumber: "+447700900123", StartedAt: at(3), EndedAt: at(3).Add(20 * time.Second), Result: history.ResultMissed},
		{ID: "h3", Direction: history.DirectionIn, RemoteNumber: "+447700900555", StartedAt: at(5), EndedAt: at(5).Add(9 * time.Second), Result: history.ResultMissed, CalledBackAt: at(4)},
		{ID: "h4", Direction: history.DirectionOut, RemoteNumber: "1002", StartedAt: at(26), EndedAt: at(26).Add(30 * time.Second), Result: history.ResultNoAnswer},
	}
}

type dialerSuggestion = dialer.Suggestion

func mustMeters(m map[string]calls.Meter) any { return ui.Meters(m) }

func visibleWidth(s string) int { return lipgloss.Width(s) }
