package phone

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

// toneLog records Play and Stop calls as "play ring", "stop ring"…
type toneLog struct {
	mu      sync.Mutex
	playing ToneKind
	log     []string
}

func (l *toneLog) Play(k ToneKind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.playing = k
	l.log = append(l.log, "play "+string(k))
}

func (l *toneLog) Stop(k ToneKind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.playing == k {
		l.playing = ""
	}
	l.log = append(l.log, "stop "+string(k))
}

// now returns the tone playing, waiting up to 2 s for it to become want.
func (l *toneLog) now(want ToneKind) ToneKind {
	deadline := time.Now().Add(2 * time.Second)
	for {
		l.mu.Lock()
		k := l.playing
		l.mu.Unlock()
		if k == want || time.Now().After(deadline) {
			return k
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *toneLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.log, ", ")
}

// Call waiting: bob talks to alice when carol calls: carol's call gets the
// call-waiting tone, not the ringer; answering it works; when alice's call
// ends while a call waits, the waiting call rings normally.
func TestCallWaitingTone(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tones := &toneLog{}
	bob, bobEvents, bobAddr := startPhoneAccount(t, "bob", Options{Tones: tones}, nil)
	alice, _, _ := startPhoneAccount(t, "alice", Options{}, nil)
	carol, _, _ := startPhoneAccount(t, "carol", Options{}, nil)
	dave, _, _ := startPhoneAccount(t, "dave", Options{}, nil)

	answerNext := func(caller *Phone) *Call {
		t.Helper()
		if _, err := caller.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{}); err != nil {
			t.Fatal(err)
		}
		in := next(t, bobEvents, CallIncoming)
		c, _ := bob.Call(in.CallID)
		return c
	}
	first := answerNext(alice)
	if got := tones.now(ToneRing); got != ToneRing {
		t.Fatalf("first call: tone %q, want ring (%s)", got, tones)
	}
	if err := first.Answer(Media{}); err != nil {
		t.Fatal(err)
	}
	next(t, bobEvents, CallAnswered)
	if got := tones.now(""); got != "" {
		t.Fatalf("after the answer: tone %q, want none (%s)", got, tones)
	}

	second := answerNext(carol)
	if got := tones.now(ToneCallWaiting); got != ToneCallWaiting {
		t.Fatalf("second call while talking: tone %q, want call_waiting (%s)", got, tones)
	}
	if err := second.Answer(Media{}); err != nil {
		t.Fatal(err)
	}
	next(t, bobEvents, CallAnswered)
	if got := tones.now(""); got != "" {
		t.Fatalf("after answering the waiting call: tone %q, want none (%s)", got, tones)
	}
	if first.State() != StateActive || second.State() != StateActive {
		t.Fatalf("calls %s and %s, want both active", first.State(), second.State())
	}

	third := answerNext(dave)
	if got := tones.now(ToneCallWaiting); got != ToneCallWaiting {
		t.Fatalf("third call: tone %q, want call_waiting (%s)", got, tones)
	}
	first.Hangup()
	second.Hangup()
	if got := tones.now(ToneRing); got != ToneRing {
		t.Errorf("the waiting call after both others ended: tone %q, want ring (%s)", got, tones)
	}
	third.Hangup()
	if got := tones.now(""); got != "" {
		t.Errorf("no call left: tone %q, want none (%s)", got, tones)
	}
}

// Above max_calls a new incoming call is turned away with 486 before it
// rings, and the caller sees busy.
func TestMaxCallsAnswers486(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	bob, bobEvents, bobAddr := startPhoneAccount(t, "bob", Options{MaxCalls: 2}, nil)
	alice, aliceEvents, _ := startPhoneAccount(t, "alice", Options{}, nil)
	for i := range 2 {
		if _, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{}); err != nil {
			t.Fatal(err)
		}
		in := next(t, bobEvents, CallIncoming)
		c, _ := bob.Call(in.CallID)
		if err := c.Answer(Media{}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		next(t, aliceEvents, CallAnswered)
	}
	over, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-over.Done()
	if end := over.Ended(); end.Result != ResultBusy || end.Code != 486 {
		t.Errorf("third call ended %s %d, want busy 486", end.Result, end.Code)
	}
	end := next(t, bobEvents, CallEnded)
	if end.Result != ResultRejected || end.Code != 486 || !strings.Contains(end.Reason, "too many calls") {
		t.Errorf("bob recorded %s %d %q, want rejected 486 too many calls", end.Result, end.Code, end.Reason)
	}
	if n := len(bob.Calls()); n != 2 {
		t.Errorf("bob has %d calls, want 2", n)
	}
}

// Do-not-disturb and forwarding, switched at run time: DND answers 486,
// DND with voicemail and forwarding answer 302; the caller sees the code.
func TestDNDAndForward(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	alice, _, _ := startPhoneAccount(t, "alice", Options{}, nil)
	// dnd = true in the account's configuration, no voicemail: 486.
	_, busyEvents, busyAddr := startPhoneAccount(t, "busy", Options{}, func(a *config.Account) { a.DND = true })
	call, err := alice.Dial(context.Background(), "", "sip:busy@"+busyAddr, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	if end := call.Ended(); end.Result != ResultBusy || end.Code != 486 {
		t.Errorf("calling a DND phone ended %s %d, want busy 486", end.Result, end.Code)
	}
	if end := next(t, busyEvents, CallEnded); end.Result != ResultRejected || end.Reason != "do not disturb" {
		t.Errorf("the DND phone recorded %s %q, want rejected, do not disturb", end.Result, end.Reason)
	}

	bob, bobEvents, bobAddr := startPhoneAccount(t, "bob", Options{}, func(a *config.Account) { a.DNDVoicemail = "sip:vm@127.0.0.1" })
	for _, tc := range []struct {
		name           string
		dnd            bool
		forward        string
		code           int
		reason, target string
	}{
		{"dnd with voicemail", true, "", 302, "do not disturb: sent to voicemail", "sip:vm@127.0.0.1"},
		{"forward wins over dnd", true, "1003", 302, "forwarded to", "sip:1003@127.0.0.1"},
		{"forward", false, "sip:carol@127.0.0.1:5999", 302, "forwarded to", "sip:carol@127.0.0.1:5999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := bob.SetDND("", tc.dnd); err != nil {
				t.Fatal(err)
			}
			if err := bob.SetForward("", tc.forward); err != nil {
				t.Fatal(err)
			}
			call, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			<-call.Done()
			if end := call.Ended(); end.Code != tc.code {
				t.Errorf("caller saw %s %d, want %d", end.Result, end.Code, tc.code)
			}
			end := next(t, bobEvents, CallEnded)
			if end.Code != tc.code || !strings.Contains(end.Reason, tc.reason) || end.TransferTarget != tc.target {
				t.Errorf("bob recorded %d %q to %q, want %d %q… to %q", end.Code, end.Reason, end.TransferTarget, tc.code, tc.reason, tc.target)
			}
		})
	}
	if err := bob.SetForward("", "not a number!"); err == nil {
		t.Error("SetForward accepted an invalid target")
	}
	if err := bob.SetDND("nobody", true); err == nil {
		t.Error("SetDND accepted an unknown account")
	}
}
