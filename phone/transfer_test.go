package phone

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
)

// startPhoneAccount is startPhone with account settings (accept_transfer,
// dnd, forwarding…) changed by edit.
func startPhoneAccount(t *testing.T, user string, opts Options, edit func(*config.Account)) (*Phone, *Subscription, string) {
	t.Helper()
	listen := freeUDP(t)
	acct := config.Account{Name: user, User: user, Domain: "127.0.0.1", Listen: listen, Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}
	if edit != nil {
		edit(&acct)
	}
	opts.Accounts = []config.Account{acct}
	if opts.Codecs == nil {
		opts.Codecs = []string{"PCMU"}
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sub := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, sub, listen
}

// toneMedia sends a fresh tone per call (a transferred call and its
// successor must not share one source) and captures what the call hears.
func toneMedia(hz float64, heard *audio.CaptureSink) Media {
	m := Media{Source: func(rate int) (audio.Source, error) { return audio.NewToneSource(hz, rate, 0.5), nil }}
	if heard != nil {
		m.Sink = fixedSink(heard)
	}
	return m
}

// transferTrio: alice (440 Hz) called bob (1000 Hz), who answered; carol
// (1500 Hz) is the target. bob accepts transfers when acceptTransfer.
type transferTrio struct {
	alice, bob, carol                   *Phone
	aliceEvents, bobEvents, carolEvents *Subscription
	aliceCall, bobCall                  *Call
	carolAddr                           string
	carolHeard                          *audio.CaptureSink
}

func startTransferTrio(t *testing.T, acceptTransfer bool) transferTrio {
	t.Helper()
	var tr transferTrio
	tr.alice, tr.aliceEvents, _ = startPhoneAccount(t, "alice", Options{}, nil)
	var bobAddr string
	tr.bob, tr.bobEvents, bobAddr = startPhoneAccount(t, "bob", Options{}, func(a *config.Account) { a.AcceptTransfer = acceptTransfer })
	tr.carol, tr.carolEvents, tr.carolAddr = startPhoneAccount(t, "carol", Options{}, nil)
	tr.carolHeard = audio.NewCaptureSink()
	var err error
	tr.aliceCall, err = tr.alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{Media: toneMedia(440, nil)})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, tr.bobEvents, CallIncoming)
	tr.bobCall, _ = tr.bob.Call(in.CallID)
	if err := tr.bobCall.Answer(toneMedia(1000, nil)); err != nil {
		t.Fatal(err)
	}
	next(t, tr.aliceEvents, CallAnswered)
	next(t, tr.bobEvents, CallAnswered)
	t.Cleanup(tr.aliceCall.Hangup)
	return tr
}

// alice transfers bob to carol: bob's phone calls carol, carol answers and
// hears bob; both of bob's and alice's original legs end as transferred.
func TestBlindTransferBetweenPhones(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tr := startTransferTrio(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	result := make(chan error, 1)
	go func() { result <- tr.aliceCall.Transfer(ctx, "sip:carol@"+tr.carolAddr) }()
	in := next(t, tr.carolEvents, CallIncoming)
	carolCall, _ := tr.carol.Call(in.CallID)
	if err := carolCall.Answer(toneMedia(1500, tr.carolHeard)); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatalf("Transfer: %v", err)
	}

	var aliceKinds []Kind
	for ev := range eventsUntilEnd(t, tr.aliceEvents, tr.aliceCall.ID) {
		aliceKinds = append(aliceKinds, ev.Kind)
		if ev.Kind == CallEnded && (ev.Result != ResultTransferred || ev.TransferTarget != "sip:carol@"+tr.carolAddr) {
			t.Errorf("alice's call ended %s to %q, want transferred to carol", ev.Result, ev.TransferTarget)
		}
	}
	for _, want := range []Kind{CallHeld, CallTransferring, CallTransferred, CallEnded} {
		if !containsKind(aliceKinds, want) {
			t.Errorf("alice's events %v lack %s", aliceKinds, want)
		}
	}

	referred := next(t, tr.bobEvents, CallReferred)
	if referred.Code != 202 || referred.CallID != tr.bobCall.ID {
		t.Errorf("bob's call.referred: code %d on call %s", referred.Code, referred.CallID)
	}
	out := next(t, tr.bobEvents, CallOutgoing)
	if out.TransferredFrom != tr.bobCall.ID {
		t.Errorf("bob's new call transferred_from %q, want %s", out.TransferredFrom, tr.bobCall.ID)
	}
	<-tr.bobCall.Done()
	if end := tr.bobCall.Ended(); end.Result != ResultTransferred {
		t.Errorf("bob's old call ended %s (%s), want transferred", end.Result, end.Reason)
	}
	if f := audio.DominantFrequency(samplesDuring(tr.carolHeard, 1500*time.Millisecond), 8000); f < 990 || f > 1010 {
		t.Errorf("carol hears %.0f Hz, want bob's 1000 Hz", f)
	}
	bobNew, ok := tr.bob.Call(out.CallID)
	if !ok || bobNew.State() != StateActive {
		t.Fatal("bob's call to carol is not active")
	}
	bobNew.Hangup()
	next(t, tr.carolEvents, CallEnded)
}

// A phone that does not accept transfers refuses the REFER with 603: the
// transfer fails, the call is resumed and goes on.
func TestBlindTransferRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tr := startTransferTrio(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := tr.aliceCall.Transfer(ctx, "sip:carol@"+tr.carolAddr)
	var te *TransferError
	if !errors.As(err, &te) || te.Code != 603 || !errors.Is(err, ErrTransferFailed) {
		t.Fatalf("Transfer error %v, want a TransferError 603", err)
	}
	failed := next(t, tr.aliceEvents, CallTransferFailed)
	if failed.Code != 603 {
		t.Errorf("call.transfer_failed code %d, want 603", failed.Code)
	}
	next(t, tr.aliceEvents, CallResumed)
	if ref := next(t, tr.bobEvents, CallReferred); ref.Code != 603 {
		t.Errorf("bob's call.referred code %d, want 603", ref.Code)
	}
	if tr.aliceCall.State() != StateActive || tr.aliceCall.Held() {
		t.Errorf("after a refused transfer alice's call is %s, held %v; want active, not held", tr.aliceCall.State(), tr.aliceCall.Held())
	}
	if len(tr.carol.Calls()) != 0 {
		t.Error("carol was called although the REFER was refused")
	}
}

// The target is busy: the final NOTIFY carries 486, the transfer fails with
// it, alice's call is resumed and bob's original call goes on.
func TestBlindTransferTargetBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tr := startTransferTrio(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- tr.aliceCall.Transfer(ctx, "sip:carol@"+tr.carolAddr) }()
	in := next(t, tr.carolEvents, CallIncoming)
	next(t, tr.bobEvents, CallRinging) // a 486 right after the 180 may overtake it
	carolCall, _ := tr.carol.Call(in.CallID)
	if err := carolCall.Reject(486); err != nil {
		t.Fatal(err)
	}
	err := <-result
	var te *TransferError
	if !errors.As(err, &te) || te.Code != 486 {
		t.Fatalf("Transfer error %v, want a TransferError 486", err)
	}
	next(t, tr.aliceEvents, CallResumed)
	if failed := next(t, tr.bobEvents, CallTransferFailed); failed.Code != 486 {
		t.Errorf("bob's call.transfer_failed code %d, want 486", failed.Code)
	}
	if tr.aliceCall.State() != StateActive || tr.bobCall.State() != StateActive {
		t.Errorf("after a failed transfer: alice %s, bob %s; want both active", tr.aliceCall.State(), tr.bobCall.State())
	}
}

func containsKind(kinds []Kind, k Kind) bool {
	for _, have := range kinds {
		if have == k {
			return true
		}
	}
	return false
}
