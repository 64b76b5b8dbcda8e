package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/notify"
	"github.com/switchboard/switchboard/ui/statusline"
)

// steps records, in order, what the fakes below were asked.
type steps struct {
	mu  sync.Mutex
	got []string
}

func (s *steps) add(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, step)
}

func (s *steps) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

type fakeCalls struct {
	*steps
	calls map[string]history.Call
}

func (f fakeCalls) List(context.Context, history.Filter, history.Page) ([]history.Call, string, error) {
	return nil, "", nil
}

func (f fakeCalls) Get(_ context.Context, id string) (history.Call, error) {
	c, ok := f.calls[id]
	if !ok {
		return history.Call{}, errors.New("no such call")
	}
	return c, nil
}

func (f fakeCalls) SetNotes(_ context.Context, id, text string) error {
	f.add("notes " + id + " " + text)
	return nil
}

func (f fakeCalls) SetDisposition(_ context.Context, id, code string) error {
	f.add("disposition " + id + " " + code)
	return nil
}

type fakeSaver struct {
	*steps
	err error
}

func (f fakeSaver) Type(callID, text string) error { f.add("type " + callID); return nil }
func (f fakeSaver) Flush(context.Context) error    { f.add("flush"); return f.err }

type fakePlayer struct{ *steps }

func (f fakePlayer) PlayFile(_ context.Context, path string) (time.Duration, error) {
	f.add("play " + path)
	return 42 * time.Second, nil
}

func annotatingBackend(saverErr error) (*consoleBackend, *steps) {
	s := &steps{}
	calls := fakeCalls{steps: s, calls: map[string]history.Call{
		"c1": {ID: "c1", Recording: "/rec/c1.wav"},
		"c2": {ID: "c2"},
	}}
	b := newConsoleBackend(consoleDeps{calls: calls, notes: fakeSaver{steps: s, err: saverErr}, player: fakePlayer{s},
		dispositions: []string{"resolved", "Sale"}}, nil, statusline.Devices{})
	return b, s
}

// The notes typed during the call are written before the code, so the
// record is complete; the code is spelt as configured.
func TestConsoleBackendSetDispositionFlushesNotesFirst(t *testing.T) {
	b, s := annotatingBackend(nil)
	if err := b.SetDisposition(context.Background(), "c1", "sale"); err != nil {
		t.Fatal(err)
	}
	if got := s.all(); !slices.Equal(got, []string{"flush", "disposition c1 Sale"}) {
		t.Errorf("steps %q, want the flush, then the configured spelling", got)
	}
	if err := b.SetDisposition(context.Background(), "c1", "bribe"); err == nil || !strings.Contains(err.Error(), "resolved, Sale") {
		t.Errorf("unknown code: %v, want the allowed codes named", err)
	}
	if err := b.SetDisposition(context.Background(), "c1", ""); err != nil {
		t.Errorf("clearing: %v", err)
	}

	failing, s := annotatingBackend(errors.New("disk full"))
	if err := failing.SetDisposition(context.Background(), "c1", "resolved"); err == nil {
		t.Error("a failed flush was not reported")
	}
	if got := s.all(); slices.Contains(got, "disposition c1 resolved") {
		t.Errorf("steps %q: the code was written although the notes were not", got)
	}
}

func TestConsoleBackendSetNotesFlushesFirst(t *testing.T) {
	b, s := annotatingBackend(nil)
	if err := b.SetNotes(context.Background(), "c2", "called back, all fine"); err != nil {
		t.Fatal(err)
	}
	if got := s.all(); !slices.Equal(got, []string{"flush", "notes c2 called back, all fine"}) {
		t.Errorf("steps %q", got)
	}
}

func TestConsoleBackendPlaysTheRecordingOfTheHistory(t *testing.T) {
	b, s := annotatingBackend(nil)
	played, err := b.PlayRecording(context.Background(), "c1")
	if err != nil || played != 42*time.Second {
		t.Fatalf("played %v, %v", played, err)
	}
	if got := s.all(); !slices.Equal(got, []string{"play /rec/c1.wav"}) {
		t.Errorf("steps %q, want the history's path played", got)
	}
	if _, err := b.PlayRecording(context.Background(), "c2"); !errors.Is(err, errNoRecording) {
		t.Errorf("call without a recording: %v", err)
	}
	if _, err := b.PlayRecording(context.Background(), "nope"); err == nil {
		t.Error("unknown call: no error")
	}
}

func TestConsoleSettings(t *testing.T) {
	cfg := config.Default()
	cfg.History.WrapUp = true
	found := notify.New("/usr/bin/notify-send", nil)
	s := consoleSettings(cfg, func() *notify.Desktop { return found })
	if !s.WrapUp || !slices.Equal(s.Dispositions, cfg.History.Dispositions) || !s.Bell || s.Notifier == nil {
		t.Errorf("settings %+v", s)
	}
	// notify-send not installed: no notifier, and not a typed nil either.
	s = consoleSettings(cfg, func() *notify.Desktop { return nil })
	if s.Notifier != nil {
		t.Errorf("notifier %#v without notify-send, want nil", s.Notifier)
	}
	cfg.Console.DesktopNotify, cfg.Console.Bell = false, false
	s = consoleSettings(cfg, func() *notify.Desktop { t.Error("looked for notify-send although it is off"); return found })
	if s.Notifier != nil || s.Bell {
		t.Errorf("settings %+v, want both off", s)
	}
}

func TestStartNotice(t *testing.T) {
	for line, want := range map[string]ui.Notice{
		"switchboard: wrote a default configuration to /x/config.toml\n": {Text: "wrote a default configuration to /x/config.toml"},
		"switchboard: warning: /x/config.toml holds passwords and is readable by others": {
			Text: "warning: /x/config.toml holds passwords and is readable by others", Err: true},
		"switchboard: 2 call(s) were interrupted by an earlier crash; marked in the history": {
			Text: "2 call(s) were interrupted by an earlier crash; marked in the history"},
		"switchboard: no sound card found: calls carry no audio": {Text: "no sound card found: calls carry no audio", Err: true},
		"switchboard: old recordings not purged: disk I/O error": {Text: "old recordings not purged: disk I/O error", Err: true},
	} {
		if got := startNotice(line); got != want {
			t.Errorf("startNotice(%q) = %+v, want %+v", line, got, want)
		}
	}
}

// Lines written before the console runs are shown once it does, in order;
// later lines (the background purge) at once.
func TestHeldMessagesAreShownInTheConsole(t *testing.T) {
	h := &heldMessages{}
	_, _ = h.Write([]byte("switchboard: wrote a default configuration to x\nswitchboard: no sound card found: calls carry no audio\n"))
	var shown []ui.Notice
	h.showIn(func(n ui.Notice) { shown = append(shown, n) })
	_, _ = h.Write([]byte("switchboard: deleted 3 recording(s) older than 30 days (recording.retention_days), 1.0 MiB freed\n"))
	if len(shown) != 3 || shown[0].Text != "wrote a default configuration to x" || !shown[1].Err ||
		!strings.HasPrefix(shown[2].Text, "deleted 3 recording(s)") {
		t.Errorf("shown %+v", shown)
	}
}
