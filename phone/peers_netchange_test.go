package phone

import (
	"context"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// Network changes against real peers on 127.0.0.1. The address source is
// faked (the host's network is not ours to change; cmd/switchboard's
// TestNetworkChangeInNamespace changes a real one); registrar and far end
// are real.

// An account listening on 0.0.0.0 registers with the address that reaches
// the registrar. When that address changes, it re-registers at once (the
// binding is granted for an hour, so only the change can explain a new
// REGISTER) and Kamailio then holds the new Contact and no longer the old.
func TestNetChangeReregistersAtKamailio(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	_, port, err := net.SplitHostPort(freeUDP(t))
	if err != nil {
		t.Fatal(err)
	}
	// No traffic goes to 127.0.0.2: it only names us in the Contact.
	src := newFakeAddrs("127.0.0.1", "127.0.0.1")
	acct := config.Account{Name: "1001", User: "1001", Password: "secret1001", Domain: "127.0.0.1",
		Registrar: k.Addr("udp"), Register: true, Listen: "0.0.0.0:" + port, Transport: "udp",
		Expires: config.Duration{Duration: time.Hour}}
	p, err := New(Options{Accounts: []config.Account{acct}, Codecs: []string{"PCMU"},
		NetPoll: 100 * time.Millisecond, netAddrs: src})
	if err != nil {
		t.Fatal(err)
	}
	events := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	next(t, events, RegOK)
	oldContact, newContact := "sip:1001@127.0.0.1:"+port, "sip:1001@127.0.0.2:"+port
	if got := k.Registered("1001"); len(got) != 1 || got[0] != oldContact {
		t.Fatalf("Kamailio holds %v, want [%s]", got, oldContact)
	}

	src.set("127.0.0.2", "127.0.0.1", "127.0.0.2")
	ch := next(t, events, NetChanged)
	if ch.PrevLocalAddr != "127.0.0.1" || ch.LocalAddr != "127.0.0.2" {
		t.Errorf("network.changed from %q to %q, want 127.0.0.1 to 127.0.0.2", ch.PrevLocalAddr, ch.LocalAddr)
	}
	next(t, events, RegOK)
	if got := k.Registered("1001"); len(got) != 1 || got[0] != newContact {
		t.Fatalf("after the change Kamailio holds %v, want only [%s]", got, newContact)
	}
}

// callEndReason waits for the call's end and returns its reason.
func callEndReason(t *testing.T, c *Call, within time.Duration) Event {
	t.Helper()
	select {
	case <-c.Done():
		return c.Ended()
	case <-time.After(within):
		t.Fatalf("call %s still %s after %s", c.ID, c.State(), within)
	}
	return Event{}
}

// pauseProcess stops a peer (SIGSTOP): its sockets stay open but nothing
// comes from it, like a far end behind a dead network. It always resumes.
func pauseProcess(t *testing.T, pid int) (resume func()) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop pid %d: %v", pid, err)
	}
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	return resume
}

// The far end's audio stops for good (no BYE either): the call ends on its
// own with a reason that says what happened, not after hours of silence.
func TestCallEndsWhenFarEndAudioStops(t *testing.T) {
	requirePeers(t, "baresip")
	call, _, far := callBaresip(t, Options{RTPTimeout: 2 * time.Second}, testpeer.BaresipOptions{})
	time.Sleep(500 * time.Millisecond) // audio flows
	pauseProcess(t, far.PID())
	end := callEndReason(t, call, 10*time.Second)
	if !strings.Contains(end.Reason, "no audio from the far end for 2s") || end.HangupBy != "local" {
		t.Errorf("call ended by %q: %q; want ended here for no audio", end.HangupBy, end.Reason)
	}
}

// A gap shorter than the timeout is ridden out: the call goes on.
func TestCallSurvivesShortAudioGap(t *testing.T) {
	requirePeers(t, "baresip")
	call, _, far := callBaresip(t, Options{RTPTimeout: 3 * time.Second}, testpeer.BaresipOptions{})
	time.Sleep(500 * time.Millisecond)
	resume := pauseProcess(t, far.PID())
	time.Sleep(1500 * time.Millisecond)
	resume()
	time.Sleep(3 * time.Second)
	if st := call.State(); st != StateActive {
		t.Fatalf("call %s after a 1.5 s gap (timeout 3 s): %s", st, call.Ended().Reason)
	}
}

// The call's local address leaves the machine: it ends naming the address
// once the timeout passes; an address that returns in time keeps the call.
func TestCallEndsWhenLocalAddressGone(t *testing.T) {
	requirePeers(t, "baresip")
	src := newFakeAddrs("127.0.0.1", "127.0.0.1")
	opts := Options{RTPTimeout: 2 * time.Second, NetPoll: 100 * time.Millisecond, netAddrs: src}
	call, _, _ := callBaresip(t, opts, testpeer.BaresipOptions{})

	src.set("") // gone for less than the timeout
	time.Sleep(time.Second)
	src.set("127.0.0.1", "127.0.0.1")
	time.Sleep(2500 * time.Millisecond)
	if st := call.State(); st != StateActive {
		t.Fatalf("call %s after the address was gone for 1 s (timeout 2 s): %s", st, call.Ended().Reason)
	}

	src.set("")
	end := callEndReason(t, call, 10*time.Second)
	if end.Reason != "network changed: local address 127.0.0.1 gone" {
		t.Errorf("call ended with %q, want the lost address named", end.Reason)
	}
}
