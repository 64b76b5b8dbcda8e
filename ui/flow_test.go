package ui_test

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/uitest"
)

// TestFlowIncomingCallToCallbackTask runs the real program: an incoming
// call pops the card, a key answers, notes are typed, the call is hung
// up and "call back in 30 min" creates the task, all through the fake
// backend.
func TestFlowIncomingCallToCallbackTask(t *testing.T) {
	runCallFlow(t, ui.Settings{}, nil)
}

// TestFlowThroughWrapUp is the same call with [history] wrap_up on: the
// hang-up asks for a disposition, a digit gives it, and the card's
// callback keys work once the picker is gone.
func TestFlowThroughWrapUp(t *testing.T) {
	settings := ui.Settings{WrapUp: true, Dispositions: []string{"resolved", "callback", "sale"}}
	runCallFlow(t, settings, func(tm *teatest.TestModel, b waitingBackend) {
		teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte("Wrap-up")) },
			teatest.WithDuration(5*time.Second))
		tm.Send(keyMsg("2"))
		b.waitFor("the disposition", func() bool {
			c, ok := b.Last("SetDisposition")
			return ok && c.Args[0] == "c1" && c.Args[1] == "callback"
		})
		if _, ok := b.Last("CreateCallbackTask"); ok {
			t.Fatal("the digit that chose the disposition also created a callback task")
		}
	})
}

// waitingBackend is the fake backend with a bounded wait on what it recorded.
type waitingBackend struct {
	*uitest.Backend
	waitFor func(what string, cond func() bool)
}

// runCallFlow drives incoming call → card → answer → notes → hang-up →
// (afterHangup) → "call back in 30 min" through the real program.
func runCallFlow(t *testing.T, settings ui.Settings, afterHangup func(*teatest.TestModel, waitingBackend)) {
	h := newHarnessWith(t, 80, 24, settings) // for its backend and common context only
	b := h.backend
	tm := teatest.NewTestModel(t, ui.New(b, ui.Options{Common: h.common, Settings: settings}), teatest.WithInitialTermSize(80, 24))
	ev := func(kind phone.Kind, set ...func(*phone.Event)) {
		e := phone.Event{Kind: kind, Time: start, CallID: "c1", Account: "work"}
		for _, f := range set {
			f(&e)
		}
		tm.Send(e)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; backend calls %v", what, b.Recorded())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	called := func(method string) func() bool {
		return func() bool { _, ok := b.Last(method); return ok }
	}

	ev(phone.CallIncoming, incoming("+442079460000", "Anna"))
	tm.Send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: knownCard("+442079460000")})
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte("Incoming call")) },
		teatest.WithDuration(5*time.Second))

	tm.Send(keyMsg("a"))
	waitFor("Answer", called("Answer"))
	ev(phone.CallAnswered, func(e *phone.Event) { e.Codec = "PCMU" })

	tm.Send(keyMsg("n"))
	tm.Type("wants a quote")
	waitFor("the notes", func() bool {
		c, ok := b.Last("TypeNotes")
		return ok && c.Args[1] == "wants a quote"
	})
	tm.Send(keyMsg("esc"))

	tm.Send(keyMsg("e"))
	waitFor("Hangup", called("Hangup"))
	ev(phone.CallEnded, ended(phone.ResultAnswered, 0))
	if afterHangup != nil {
		afterHangup(tm, waitingBackend{Backend: b, waitFor: waitFor})
	}

	tm.Send(keyMsg("2"))
	waitFor("the callback task", called("CreateCallbackTask"))
	c, _ := b.Last("CreateCallbackTask")
	if c.Args[0] != "c1" || c.Args[1] != "+442079460000" || c.Args[2] != 30*time.Minute {
		t.Fatalf("callback task %v", c)
	}
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte("Call back")) },
		teatest.WithDuration(5*time.Second))

	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
