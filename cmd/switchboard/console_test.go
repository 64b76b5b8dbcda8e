package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/audio/jitter"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/statusline"
)

func TestLevelFractionIsADecibelScale(t *testing.T) {
	for _, tc := range []struct{ db, want float64 }{
		{-96, 0}, {-60, 0}, {-30, 0.5}, {-6, 0.9}, {0, 1}, {3, 1},
	} {
		if got := levelFraction(tc.db); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("levelFraction(%v) = %v, want %v", tc.db, got, tc.want)
		}
	}
}

func TestMeterOfCountsLateAndLostAsLoss(t *testing.T) {
	stats := phone.MediaStats{
		Input:  audio.Level{Peak: -30},
		Output: audio.Level{Peak: 0},
		Jitter: jitter.Stats{Received: 95, Lost: 5, Late: 5, Jitter: 20 * time.Millisecond},
	}
	m := meterOf(stats)
	if m.InLevel != 0.5 || m.OutLevel != 1 {
		t.Errorf("levels in %v out %v, want 0.5 and 1", m.InLevel, m.OutLevel)
	}
	if m.LossPercent != 10 || m.JitterMillis != 20 {
		t.Errorf("loss %v%% jitter %v ms, want 10%% (5 lost + 5 late of 100) and 20 ms", m.LossPercent, m.JitterMillis)
	}
	if m.MOS <= 1 || m.MOS >= 4.5 {
		t.Errorf("MOS %v, want an estimate below a clean call's", m.MOS)
	}
	if quiet := meterOf(phone.MediaStats{}); quiet.MOS != 0 || quiet.LossPercent != 0 {
		t.Errorf("no packets received: %+v, want no quality figures", quiet)
	}
}

func TestLooksLikeNumber(t *testing.T) {
	for in, want := range map[string]bool{
		"+44 20 7946 0000": true, "8 (495) 123-45-67": true, "*72#": true, "1003": true,
		"Ada": false, "sip:1003@example.com": false, "": false, "()": false,
	} {
		if got := looksLikeNumber(in); got != want {
			t.Errorf("looksLikeNumber(%q) = %t, want %t", in, got, want)
		}
	}
}

func TestConsoleAccountsAndTheNoAccountNotice(t *testing.T) {
	builtIn := config.Default()
	builtIn.Path = "/etc/switchboard.toml"
	got := consoleAccounts(builtIn)
	if len(got) != 1 || got[0].name != "local" {
		t.Errorf("built-in configuration: %+v, want the local account under its own name", got)
	}
	notices := consoleStartNotices(builtIn)
	if len(notices) != 1 || !notices[0].Err || !strings.Contains(notices[0].Text, "no account: add [[accounts]] to /etc/switchboard.toml") {
		t.Errorf("built-in configuration: notices %+v, want the hint naming the file", notices)
	}

	own := config.Default()
	own.Accounts = []config.Account{{Name: "desk", Register: true, Registrar: "sip.example.com", DND: true}}
	got = consoleAccounts(own)
	if len(got) != 1 || got[0].name != "desk" || !got[0].registers || !got[0].dnd {
		t.Errorf("own account: %+v, want it as configured", got)
	}
	if notices := consoleStartNotices(own); len(notices) != 0 {
		t.Errorf("own account: notices %+v, want none", notices)
	}
}

// The status line shows the real account names, and the name the console
// hands back is the account's.
func TestConsoleBackendAccountsAndRegistrationState(t *testing.T) {
	b := newConsoleBackend(consoleDeps{}, []consoleAccount{
		{name: "local"},
		{name: "desk", registers: true},
	}, statusline.Devices{Problem: "no sound card"})
	b.observe(phone.Event{Kind: phone.RegOK, Account: "desk"})
	b.observe(phone.Event{Kind: phone.CallIncoming, Account: "desk", CallID: "c1"}) // not a status change

	status, err := b.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []statusline.Account{{Name: "local", State: statusline.RegOff}, {Name: "desk", State: statusline.RegOK}}
	if len(status.Accounts) != len(want) || status.Accounts[0] != want[0] || status.Accounts[1] != want[1] {
		t.Errorf("accounts %+v, want %+v", status.Accounts, want)
	}
	if status.Devices.Problem != "no sound card" {
		t.Errorf("devices %+v, want the sound notice as the problem", status.Devices)
	}
}

func TestConsoleDevices(t *testing.T) {
	d := consoleDevices("portaudio", config.Audio{Output: "USB headset"}, "")
	if d.Input != "default" || d.Output != "USB headset" || d.Problem != "" {
		t.Errorf("portaudio: %+v", d)
	}
	d = consoleDevices("null", config.Audio{Backend: "portaudio"}, "no sound card found: calls carry no audio")
	if d.Input != "" || d.Problem == "" {
		t.Errorf("fallback to null: %+v, want no devices and the notice as the problem", d)
	}
	d = consoleDevices("file", config.Audio{FileInput: "/tmp/in.wav"}, "")
	if d.Input != "in.wav" || d.Output != "discarded" {
		t.Errorf("file: %+v", d)
	}
}

func TestHeldMessagesAreLoggedAndPrintedAfterwards(t *testing.T) {
	h := &heldMessages{}
	if _, err := io.WriteString(h, "switchboard: wrote a default configuration to x\n"); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	h.logTo(slog.New(slog.NewTextHandler(&log, nil)))
	_, _ = io.WriteString(h, "switchboard: no sound card found\n")
	if got := strings.Count(log.String(), "message held"); got != 2 {
		t.Errorf("%d lines logged, want both (the one before logTo too):\n%s", got, log.String())
	}
	var stderr bytes.Buffer
	h.release(&stderr)
	if stderr.String() != "switchboard: wrote a default configuration to x\nswitchboard: no sound card found\n" {
		t.Errorf("released %q", stderr.String())
	}
}

// Without a terminal the console refuses at once (exit 2) and points at
// serve; nothing is started.
func TestConsoleNeedsATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"console"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "switchboard serve") {
		t.Errorf("exit %d, stderr %q; want 2 and a pointer to serve", code, stderr.String())
	}
}
