package phone

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
)

func freeUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

func startPhone(t *testing.T, user string, opts Options) (*Phone, *Subscription, string) {
	t.Helper()
	listen := freeUDP(t)
	opts.Accounts = []config.Account{{Name: user, User: user, Domain: "127.0.0.1", Listen: listen, Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}}
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

func next(t *testing.T, sub *Subscription, kind Kind) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}

// Two phones in one process call each other over loopback: the event order of both
// legs, DTMF in both directions and who hung up.
func TestCallBetweenTwoPhones(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	// PCMU whatever the build offers: the tone is checked at 8 kHz.
	pcmu := Options{Codecs: []string{"PCMU"}}
	alice, aliceEvents, _ := startPhone(t, "alice", pcmu)
	capture := audio.NewCaptureSink()
	bob, bobEvents, bobAddr := startPhone(t, "bob", pcmu)
	// Answer through the API, as the console and the answer command do.
	call, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{
		Media: Media{Source: fixedSource(audio.NewToneSource(440, 8000, 0.5))}})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, bobEvents, CallIncoming)
	if in.Number != "alice" || in.Line != "bob" || in.Direction != Inbound {
		t.Errorf("incoming %+v", in)
	}
	bobCall, ok := bob.Call(in.CallID)
	if !ok {
		t.Fatal("incoming call not found by id")
	}
	if err := bobCall.Answer(Media{Source: fixedSource(audio.NewToneSource(1000, 8000, 0.5)), Sink: fixedSink(capture)}); err != nil {
		t.Fatal(err)
	}
	next(t, aliceEvents, CallAnswered)
	next(t, bobEvents, CallAnswered)
	if err := call.SendDTMF(context.Background(), "12#"); err != nil {
		t.Fatal(err)
	}
	var digits string
	for len(digits) < 3 {
		ev := next(t, bobEvents, CallDTMF)
		if ev.DTMFMethod != DTMFMethodRFC4733 {
			t.Errorf("call.dtmf method %q, want %s", ev.DTMFMethod, DTMFMethodRFC4733)
		}
		digits += ev.Digit
	}
	if digits != "12#" {
		t.Errorf("bob received DTMF %q, want 12#", digits)
	}
	if err := bobCall.SendDTMF(context.Background(), "9"); err != nil {
		t.Fatal(err)
	}
	if d := next(t, aliceEvents, CallDTMF).Digit; d != "9" {
		t.Errorf("alice received DTMF %q, want 9", d)
	}
	call.Hangup()
	aEnd := next(t, aliceEvents, CallEnded)
	bEnd := next(t, bobEvents, CallEnded)
	if aEnd.Result != ResultAnswered || aEnd.HangupBy != "local" || bEnd.Result != ResultAnswered || bEnd.HangupBy != "remote" {
		t.Errorf("ends: alice %+v, bob %+v", aEnd, bEnd)
	}
	if got := audio.DominantFrequency(capture.Samples(), 8000); got < 430 || got > 450 {
		t.Errorf("bob heard %.0f Hz, want alice's 440 Hz", got)
	}
	<-call.Done()
	if len(alice.Calls())+len(bob.Calls()) != 0 {
		t.Error("ended calls are still listed")
	}
}

func TestIncomingRejectAndEventOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	alice, aliceEvents, _ := startPhone(t, "alice", Options{})
	bob, bobEvents, bobAddr := startPhone(t, "bob", Options{})
	for _, code := range []int{486, 603} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			call, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := next(t, bobEvents, CallIncoming)
			// Reject once the caller saw the ringing: a 180 and a final answer sent
			// back to back may reach sipgo's transaction at once, and the 180 is lost.
			if ev := next(t, aliceEvents, CallOutgoing); ev.CallID != call.ID {
				t.Fatalf("unexpected call %s", ev.CallID)
			}
			if ev := next(t, aliceEvents, CallRinging); ev.CallID != call.ID {
				t.Fatalf("unexpected call %s", ev.CallID)
			}
			c, _ := bob.Call(in.CallID)
			if err := c.Reject(code); err != nil {
				t.Fatal(err)
			}
			if seen := kindsUntilEnd(t, aliceEvents, call.ID); !slices.Equal(seen, []Kind{CallEnded}) {
				t.Errorf("caller events after ringing %v, want only ended", seen)
			}
			<-call.Done()
			end := call.Ended()
			want := map[int]Result{486: ResultBusy, 603: ResultDeclined}[code]
			if end.Result != want || end.Code != code {
				t.Errorf("caller saw %s %d, want %s %d", end.Result, end.Code, want, code)
			}
			bEnd := next(t, bobEvents, CallEnded)
			wantIn := map[int]Result{486: ResultRejected, 603: ResultDeclined}[code]
			if bEnd.Result != wantIn {
				t.Errorf("callee recorded %s, want %s", bEnd.Result, wantIn)
			}
		})
	}
}

// kindsUntilEnd collects one call's event kinds up to its call.ended.
func kindsUntilEnd(t *testing.T, sub *Subscription, callID string) []Kind {
	t.Helper()
	var kinds []Kind
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			if ev.CallID != callID {
				continue
			}
			kinds = append(kinds, ev.Kind)
			if ev.Kind == CallEnded {
				return kinds
			}
		case <-timeout:
			t.Fatalf("call %s did not end; saw %v", callID, kinds)
		}
	}
}

// fixedSource and fixedSink hand a call the same source or sink whatever its rate.
func fixedSource(s audio.Source) func(int) (audio.Source, error) {
	return func(int) (audio.Source, error) { return s, nil }
}

func fixedSink(s audio.Sink) func(int) (audio.Sink, error) {
	return func(int) (audio.Sink, error) { return s, nil }
}
