package phone

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// Transfers with real phones: baresip 1.0.0 registered at Kamailio, which
// record-routes every call. 1001 is us, 1002 and 1003 are baresip phones
// that answer by themselves and send a tone.

// startRegisteredAccount is startRegisteredPhone with account settings
// changed by edit.
func startRegisteredAccount(t *testing.T, user, password, registrar string, opts Options, edit func(*config.Account)) (*Phone, *Subscription) {
	t.Helper()
	acct := config.Account{Name: user, User: user, Password: password, Domain: "127.0.0.1",
		Registrar: registrar, Register: true, Listen: freeUDP(t), Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}
	if edit != nil {
		edit(&acct)
	}
	opts.Accounts, opts.Codecs = []config.Account{acct}, []string{"PCMU"}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	events := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	next(t, events, RegOK)
	return p, events
}

// sinkPerCall gives every call its own capture, so that what a transferred
// call heard and what its successor hears stay apart.
type sinkPerCall struct {
	mu    sync.Mutex
	sinks []*audio.CaptureSink
}

func (s *sinkPerCall) open(int) (audio.Sink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := audio.NewCaptureSink()
	s.sinks = append(s.sinks, c)
	return c, nil
}

func (s *sinkPerCall) call(i int) *audio.CaptureSink {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.sinks) {
		return audio.NewCaptureSink()
	}
	return s.sinks[i]
}

// We call phone A (baresip 1002) and transfer it blind to phone B (1003):
// A places the call through Kamailio, B answers, our call ends as
// transferred, and B hears A's tone (B's sndfile recording).
func TestBlindTransferBaresipToBaresip(t *testing.T) {
	requirePeers(t, "kamailio", "baresip", "sox")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	phoneA := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 1000})
	phoneB := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 600})
	p, events := startRegisteredPhone(t, "1001", "secret1001", k.Addr("udp"))
	call, err := p.Dial(context.Background(), "", "1002", DialOptions{Media: toneMedia(440, nil)})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	phoneA.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	t.Cleanup(call.Hangup)
	time.Sleep(500 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := call.Transfer(ctx, "1003"); err != nil {
		t.Fatalf("Transfer: %v\nbaresip A events %v, B events %v", err, phoneA.Events(), phoneB.Events())
	}
	<-call.Done()
	if end := call.Ended(); end.Result != ResultTransferred || end.TransferTarget != "sip:1003@127.0.0.1" {
		t.Errorf("our call ended %s (%s) to %q, want transferred to sip:1003@127.0.0.1", end.Result, end.Reason, end.TransferTarget)
	}
	phoneB.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(2 * time.Second) // A and B talk
	if err := phoneA.Hangup(); err != nil {
		t.Fatal(err)
	}
	phoneB.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	freq, rms := testpeer.AnalyzeWAV(t, phoneB.ReceivedWAV(t))
	t.Logf("B heard %.0f Hz at RMS %.3f", freq, rms)
	if freq < 950 || freq > 1050 || rms < 0.05 {
		t.Errorf("B heard %.0f Hz at RMS %.3f, want A's 1000 Hz tone", freq, rms)
	}
}

// Phone A (baresip 1002) transfers us to phone B (1003) with its ctrl_tcp
// "transfer" command: we accept (accept_transfer), call B through Kamailio
// with our audio, hear B's tone, and our call with A ends as transferred.
func TestBaresipTransfersUs(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	phoneA := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 1000})
	phoneB := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 600})
	p, events := startRegisteredAccount(t, "1001", "secret1001", k.Addr("udp"), Options{},
		func(a *config.Account) { a.AcceptTransfer = true })
	heard := &sinkPerCall{}
	media := toneMedia(440, nil)
	media.Sink = heard.open
	call, err := p.Dial(context.Background(), "", "1002", DialOptions{Media: media})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	phoneA.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	t.Cleanup(call.Hangup)
	time.Sleep(500 * time.Millisecond)

	if _, err := phoneA.Command("transfer", "sip:1003@127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	referred := next(t, events, CallReferred)
	if referred.Code != 202 || referred.TransferTarget != "sip:1003@127.0.0.1" {
		t.Errorf("call.referred %d to %q, want 202 to sip:1003@127.0.0.1", referred.Code, referred.TransferTarget)
	}
	out := next(t, events, CallOutgoing)
	if out.TransferredFrom != call.ID {
		t.Errorf("new call transferred_from %q, want %s", out.TransferredFrom, call.ID)
	}
	phoneB.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the call with A did not end after the transfer")
	}
	if end := call.Ended(); end.Result != ResultTransferred {
		t.Errorf("our call with A ended %s (%s), want transferred", end.Result, end.Reason)
	}
	newCall, ok := p.Call(out.CallID)
	if !ok || newCall.State() != StateActive {
		t.Fatal("our call with B is not active")
	}
	t.Cleanup(newCall.Hangup)
	if f := audio.DominantFrequency(samplesDuring(heard.call(1), 1500*time.Millisecond), 8000); f < 590 || f > 610 {
		t.Errorf("on the new call we hear %.0f Hz, want B's 600 Hz", f)
	}
	newCall.Hangup()
	phoneB.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
}
