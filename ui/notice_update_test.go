package ui_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
)

// Notices come one after the other, each for its time; a toast that
// answers a key covers one for a moment, and it comes back afterwards.
func TestNoticesQueueInTheFooter(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.send(ui.Notice{Text: "wrote a default configuration"})
	h.send(&ui.Notice{Text: "no account: add [[accounts]]", Err: true})
	h.send(ui.Notice{}) // nothing to say: ignored
	if text, isErr := h.root().Toast(); text != "wrote a default configuration" || isErr {
		t.Fatalf("footer %q (error %t), want the first notice", text, isErr)
	}
	if !strings.Contains(asciiView(t, h), "(+1 more)") {
		t.Error("the footer does not say another notice waits")
	}

	h.clock.Advance(5 * time.Second)
	h.send(clockTick())
	if text, _ := h.root().Toast(); text != "wrote a default configuration" {
		t.Fatalf("footer %q after 5 s, want the first notice still", text)
	}
	h.clock.Advance(8 * time.Second)
	h.send(clockTick())
	if text, isErr := h.root().Toast(); text != "no account: add [[accounts]]" || !isErr {
		t.Fatalf("footer %q (error %t), want the second notice as an error", text, isErr)
	}

	// A key's answer covers the notice...
	h.backend.TaskList = []crm.Task{{ID: 3, Kind: crm.TaskCallback, Status: crm.TaskOpen, DueAt: start}}
	h.backend.Err = errors.New("database is locked")
	h.press("tab", "tab")
	h.press("x")
	h.expectCall("CompleteTask", int64(3))
	if text, _ := h.root().Toast(); !strings.Contains(text, "database is locked") {
		t.Fatalf("footer %q, want the task's failure on top", text)
	}
	h.backend.Err = nil
	h.send(ui.Notice{Text: "3 recordings deleted"})
	// ...and the notice is read in full afterwards, before the newer one.
	h.clock.Advance(7 * time.Second)
	h.send(clockTick())
	if text, _ := h.root().Toast(); text != "no account: add [[accounts]]" {
		t.Fatalf("footer %q after the toast, want the covered notice back", text)
	}
	h.clock.Advance(13 * time.Second)
	h.send(clockTick())
	if text, _ := h.root().Toast(); text != "3 recordings deleted" {
		t.Fatalf("footer %q, want the newest notice last", text)
	}
	h.clock.Advance(13 * time.Second)
	h.send(clockTick())
	if text, _ := h.root().Toast(); text != "" {
		t.Fatalf("footer %q, want it free again", text)
	}
}

// fakeNotifier records desktop notifications.
type fakeNotifier struct {
	mu   sync.Mutex
	sent []string
}

func (n *fakeNotifier) Notify(_ context.Context, title, body string, urgent bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	mark := ""
	if urgent {
		mark = "!"
	}
	n.sent = append(n.sent, mark+title+": "+body)
	return nil
}

func (n *fakeNotifier) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent...)
}

func TestBellAndDesktopNotificationOnIncomingCallAndDueTask(t *testing.T) {
	notifier := &fakeNotifier{}
	h := newHarnessWith(t, 80, 24, ui.Settings{Bell: true, Notifier: notifier})
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	if len(h.raw) != 1 || h.raw[0] != "\a" {
		t.Fatalf("terminal got %q, want one bell", h.raw)
	}
	if got := notifier.all(); len(got) != 1 || got[0] != "!Incoming call: Anna +442079460000" {
		t.Fatalf("notifications %q, want an urgent one for the call", got)
	}

	due := crm.TaskDue{Task: crm.Task{ID: 1, Kind: crm.TaskCallback, ContactName: "Boris"}}
	h.send(engine.Notice{Kind: engine.NoticeTaskDue, Due: &due})
	if len(h.raw) != 2 {
		t.Fatalf("terminal got %q, want a second bell for the task", h.raw)
	}
	if got := notifier.all(); len(got) != 2 || got[1] != "Task due: callback Boris" {
		t.Fatalf("notifications %q, want one for the task", got)
	}

	// Other events ring nothing.
	h.event(phone.CallAnswered, "c1")
	h.event(phone.CallEnded, "c1", ended(phone.ResultAnswered, 0))
	if len(h.raw) != 2 || len(notifier.all()) != 2 {
		t.Fatalf("bell %q notifications %q after answer and hang-up, want no more", h.raw, notifier.all())
	}
}

func TestNoBellNoNotificationWhenOff(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	if len(h.raw) != 0 {
		t.Fatalf("terminal got %q with the bell off", h.raw)
	}
}

func TestIncomingCallNotificationNamesAnUnknownCallerOnce(t *testing.T) {
	notifier := &fakeNotifier{}
	h := newHarnessWith(t, 80, 24, ui.Settings{Notifier: notifier})
	h.event(phone.CallIncoming, "c1", incoming("+447700900123", ""))
	if got := notifier.all(); len(got) != 1 || got[0] != "!Incoming call: +447700900123" {
		t.Fatalf("notifications %q", got)
	}
	if len(h.raw) != 0 {
		t.Errorf("bell %q with the bell off", h.raw)
	}
}
