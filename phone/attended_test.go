package phone

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/audio"
)

// consultCarol: alice holds bob and consults carol, who answers with her
// 1500 Hz tone and her capture.
func consultCarol(t *testing.T, tr transferTrio, ctx context.Context) (consult, carolOld *Call) {
	t.Helper()
	if err := tr.aliceCall.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	consult, err := tr.alice.Dial(ctx, "", "sip:carol@"+tr.carolAddr, DialOptions{Media: toneMedia(440, nil)})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, tr.carolEvents, CallIncoming)
	carolOld, _ = tr.carol.Call(in.CallID)
	if err := carolOld.Answer(toneMedia(1500, tr.carolHeard)); err != nil {
		t.Fatal(err)
	}
	waitAnswered(t, consult)
	waitAnswered(t, carolOld) // her side knows the dialog's tags from here on
	t.Cleanup(consult.Hangup)
	return consult, carolOld
}

func waitAnswered(t *testing.T, c *Call) {
	t.Helper()
	select {
	case <-c.answered:
	case <-time.After(10 * time.Second):
		t.Fatalf("call %s not answered", c.ID)
	}
}

// Attended transfer between three phones of this package, both roles:
// alice holds bob, consults carol and completes; bob's phone calls carol
// with Replaces, carol's phone answers that at once in place of her call
// with alice, and carol hears bob. Every call of alice's and carol's old
// call end as transferred.
func TestAttendedTransferBetweenPhones(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tr := startTransferTrio(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	consult, carolOld := consultCarol(t, tr, ctx)

	if err := tr.aliceCall.TransferTo(ctx, consult); err != nil {
		t.Fatalf("TransferTo: %v", err)
	}
	for _, c := range []*Call{tr.aliceCall, consult, carolOld} {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("call %s (%s) did not end", c.ID, c.RemoteURI)
		}
		if end := c.Ended(); end.Result != ResultTransferred {
			t.Errorf("call %s to %s ended %s (%s), want transferred", c.ID, c.RemoteURI, end.Result, end.Reason)
		}
	}
	var carolNew *Call
	for carolNew == nil {
		ev := next(t, tr.carolEvents, CallAnswered)
		if ev.Number == "bob" {
			carolNew, _ = tr.carol.Call(ev.CallID)
		}
	}
	if carolNew == nil || carolNew.State() != StateActive {
		t.Fatal("carol's call from bob is not active after the transfer")
	}
	t.Cleanup(carolNew.Hangup)
	if f := audio.DominantFrequency(samplesDuring(tr.carolHeard, 1500*time.Millisecond), 8000); f < 980 || f > 1020 {
		t.Errorf("carol hears %.0f Hz after the transfer, want bob's 1000 Hz", f)
	}
}

// The transferee refuses (accept_transfer off): TransferTo fails, bob
// stays held and the consultation talking; cancelling hangs up the
// consultation and resumes bob.
func TestAttendedTransferRefusedThenCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tr := startTransferTrio(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	consult, _ := consultCarol(t, tr, ctx)

	err := tr.aliceCall.TransferTo(ctx, consult)
	var te *TransferError
	if !errors.As(err, &te) || te.Code != 603 || !errors.Is(err, ErrTransferFailed) {
		t.Fatalf("TransferTo: %v, want a 603 TransferError", err)
	}
	if !tr.aliceCall.Held() || consult.State() != StateActive {
		t.Errorf("after a refused transfer: bob held %v, consultation %s; want held, active", tr.aliceCall.Held(), consult.State())
	}
	if err := tr.aliceCall.CancelTransferTo(ctx, consult); err != nil {
		t.Fatal(err)
	}
	if consult.State() != StateEnded || tr.aliceCall.Held() {
		t.Errorf("after cancel: consultation %s, bob held %v; want ended, not held", consult.State(), tr.aliceCall.Held())
	}
}

// An INVITE whose Replaces names no call of ours gets 481 and rings nothing.
func TestReplacesUnknownDialogIs481(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	alice, aliceEvents, _ := startPhoneAccount(t, "alice", Options{}, nil)
	bob, bobEvents, bobAddr := startPhoneAccount(t, "bob", Options{}, nil)
	l, err := alice.line("")
	if err != nil {
		t.Fatal(err)
	}
	target, err := ParseTarget("sip:bob@"+bobAddr, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, replaces := range []string{"nosuchcall@host;to-tag=1;from-tag=2", "missing-tags@host"} {
		call, err := alice.dial(l, target, DialOptions{}, dialExtras{headers: []sip.Header{sip.NewHeader("Replaces", replaces)}})
		if err != nil {
			t.Fatal(err)
		}
		end := kindsAndEnd(t, aliceEvents, call.ID)
		want := 481
		if replaces == "missing-tags@host" {
			want = 400
		}
		if end.Code != want {
			t.Errorf("Replaces %q: call ended %d %s, want %d", replaces, end.Code, end.Reason, want)
		}
	}
	select {
	case ev := <-bobEvents.C:
		if ev.Kind == CallIncoming {
			t.Errorf("bob rang for an INVITE that replaces nothing")
		}
	default:
	}
	if n := len(bob.Calls()); n != 0 {
		t.Errorf("bob has %d calls", n)
	}
}

func kindsAndEnd(t *testing.T, sub *Subscription, callID string) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			if ev.CallID == callID && ev.Kind == CallEnded {
				return ev
			}
		case <-timeout:
			t.Fatalf("call %s did not end", callID)
		}
	}
}
