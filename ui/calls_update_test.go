package ui_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/calls"
)

func onlyCall(t *testing.T, h *harness) *calls.Call {
	t.Helper()
	cs := h.root().Calls()
	if len(cs) != 1 {
		t.Fatalf("%d calls in the pane, want 1", len(cs))
	}
	return cs[0]
}

func TestIncomingCallLifecycle(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	if got := onlyCall(t, h).State; got != calls.Ringing {
		t.Fatalf("state after call.incoming = %v", got)
	}
	if id, expanded, open := h.root().Popup(); !open || !expanded || id != "c1" {
		t.Fatalf("popup = %q expanded=%v open=%v, want c1 expanded", id, expanded, open)
	}

	h.press("a")
	h.expectCall("Answer", "c1")
	// The key alone changes nothing: the phone's event does.
	if got := onlyCall(t, h).State; got != calls.Ringing {
		t.Fatalf("state after the key, before call.answered = %v", got)
	}
	h.clock.Advance(3 * time.Second)
	h.event(phone.CallAnswered, "c1", func(ev *phone.Event) { ev.Codec = "PCMU" })
	if c := onlyCall(t, h); c.State != calls.Talking || c.Codec != "PCMU" {
		t.Fatalf("after call.answered: state %v codec %q", c.State, c.Codec)
	}

	h.press("h")
	h.expectCall("Hold", "c1")
	h.event(phone.CallHeld, "c1")
	if got := onlyCall(t, h).State; got != calls.Held {
		t.Fatalf("state after call.held = %v", got)
	}
	h.press("h")
	h.expectCall("Resume", "c1")
	h.event(phone.CallResumed, "c1")
	if got := onlyCall(t, h).State; got != calls.Talking {
		t.Fatalf("state after call.resumed = %v", got)
	}

	h.press("m")
	h.expectCall("Mute", "c1", true)
	h.event(phone.CallMuted, "c1")
	if !onlyCall(t, h).Muted {
		t.Fatal("not muted after call.muted")
	}
	h.press("m")
	h.expectCall("Mute", "c1", false)
	h.event(phone.CallUnmuted, "c1")

	h.clock.Advance(65 * time.Second)
	h.press("e")
	h.expectCall("Hangup", "c1")
	h.event(phone.CallEnded, "c1", ended(phone.ResultAnswered, 0))
	c := onlyCall(t, h)
	if c.State != calls.Ended || c.Elapsed(h.clock.Now()) != 65*time.Second {
		t.Fatalf("after call.ended: state %v talk %v", c.State, c.Elapsed(h.clock.Now()))
	}
	// Ended calls linger, then leave the pane on a clock tick.
	h.clock.Advance(calls.EndedLinger + time.Second)
	h.send(clockTick())
	if n := len(h.root().Calls()); n != 0 {
		t.Fatalf("%d calls left after the linger", n)
	}
}

func TestIncomingCallRejected(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", ""))
	h.press("r")
	h.expectCall("Reject", "c1")
	h.event(phone.CallEnded, "c1", ended(phone.ResultRejected, 486))
	if c := onlyCall(t, h); c.State != calls.Ended || c.Result != phone.ResultRejected {
		t.Fatalf("state %v result %v", c.State, c.Result)
	}
}

func TestIncomingCallMissed(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", ""))
	h.event(phone.CallEnded, "c1", ended(phone.ResultMissed, 487))
	if c := onlyCall(t, h); c.Outcome() != "missed" {
		t.Fatalf("outcome %q", c.Outcome())
	}
	// The popup stays, so a missed caller can still get a callback task.
	if _, _, open := h.root().Popup(); !open {
		t.Fatal("popup closed when the call was missed")
	}
}

func TestOutgoingCall(t *testing.T) {
	for _, tc := range []struct {
		name    string
		end     func(h *harness)
		state   calls.State
		outcome string
	}{
		{"answered", func(h *harness) { h.event(phone.CallAnswered, "out-1", func(ev *phone.Event) { ev.Codec = "opus" }) }, calls.Talking, ""},
		{"busy", func(h *harness) { h.event(phone.CallEnded, "out-1", ended(phone.ResultBusy, 486)) }, calls.Ended, "busy"},
		{"no answer", func(h *harness) { h.event(phone.CallEnded, "out-1", ended(phone.ResultNoAnswer, 408)) }, calls.Ended, "no answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 80, 24)
			h.press("d")
			h.press("0", "2", "0", " ", "7", "9", "4", "6")
			h.expectCall("DialHints", "020 7946")
			h.press("enter")
			h.expectCall("Dial", "work", "020 7946")
			h.event(phone.CallOutgoing, "out-1", outgoing("02079460000"))
			if got := onlyCall(t, h).State; got != calls.Dialling {
				t.Fatalf("state after call.outgoing = %v", got)
			}
			if _, _, open := h.root().Popup(); open {
				t.Fatal("an outgoing call opened the incoming-call popup")
			}
			h.event(phone.CallRinging, "out-1")
			if got := onlyCall(t, h).State; got != calls.RemoteRinging {
				t.Fatalf("state after call.ringing = %v", got)
			}
			tc.end(h)
			c := onlyCall(t, h)
			if c.State != tc.state {
				t.Fatalf("state = %v, want %v", c.State, tc.state)
			}
			if tc.outcome != "" {
				if c.Outcome() != tc.outcome {
					t.Fatalf("outcome %q, want %q", c.Outcome(), tc.outcome)
				}
				if text, isErr := h.root().Toast(); !isErr || text == "" {
					t.Fatalf("no error toast for a failed call: %q", text)
				}
			}
		})
	}
}

func TestRemoteHoldAndTransferAndKeypad(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", ""))
	h.event(phone.CallAnswered, "c1")
	h.event(phone.CallRemoteHold, "c1")
	if !onlyCall(t, h).RemoteHeld {
		t.Fatal("remote hold not shown")
	}
	h.event(phone.CallRemoteResumed, "c1")
	h.press("esc", "esc") // collapse, then close the popup

	h.press("k", "1", "#", "esc")
	h.expectCall("SendDTMF", "c1", "#")
	h.press("t", "2", "0", "0", "enter")
	h.expectCall("Transfer", "c1", "200")
}

func TestKeysThatDoNothingAreDisabled(t *testing.T) {
	h := newHarness(t, 80, 24)
	// No call: call-control keys must not reach the backend.
	h.press("a", "e", "h", "m", "r")
	for _, method := range []string{"Answer", "Hangup", "Hold", "Mute", "Reject"} {
		h.expectNoCall(method)
	}
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", ""))
	// Ringing: hold and hang-up do not apply yet.
	h.press("h", "m")
	h.expectNoCall("Hold")
	h.expectNoCall("Mute")
}
