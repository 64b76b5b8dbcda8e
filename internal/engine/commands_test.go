package engine

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/phone"
)

// A phone in this process on a free loopback port, with its engine and
// commands; the engine records into its own history.
type testPhone struct {
	phone  *phone.Phone
	events *phone.Subscription
	engine *Engine
	repo   *history.Repo
	cmds   *Commands
	addr   string
	cancel context.CancelFunc
}

func startTestPhone(t *testing.T, user string) *testPhone {
	t.Helper()
	if testing.Short() {
		t.Skip("network test")
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := conn.LocalAddr().String()
	_ = conn.Close()
	p, err := phone.New(phone.Options{Codecs: []string{"PCMU"}, Accounts: []config.Account{{
		Name: user, User: user, Domain: "127.0.0.1", Listen: addr, Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}}})
	if err != nil {
		t.Fatal(err)
	}
	repo := openRepo(t)
	eng := New(p, repo, slog.New(slog.DiscardHandler))
	events := p.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	go eng.Run(ctx)
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	tp := &testPhone{phone: p, events: events, engine: eng, repo: repo, cmds: eng.Commands(p, nil), addr: addr, cancel: cancel}
	t.Cleanup(func() {
		p.Close()
		cancel()
		eng.Wait()
	})
	return tp
}

// await returns the next event of kind (of any call when callID is "").
func (tp *testPhone) await(t *testing.T, kind phone.Kind, callID string) phone.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-tp.events.C:
			if ev.Kind == kind && (callID == "" || ev.CallID == callID) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}

// Every command reaches the phone: dial, answer, hold, resume, mute, DTMF,
// hang-up, redial from memory, reject; an unknown call id is an error.
func TestCommandsDriveACall(t *testing.T) {
	alice, bob := startTestPhone(t, "alice"), startTestPhone(t, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	call, err := alice.cmds.Dial(ctx, "", "sip:bob@"+bob.addr)
	if err != nil {
		t.Fatal(err)
	}
	in := bob.await(t, phone.CallIncoming, "")
	if err := bob.cmds.Answer(ctx, in.CallID); err != nil {
		t.Fatal(err)
	}
	alice.await(t, phone.CallAnswered, call.ID)
	bob.await(t, phone.CallAnswered, in.CallID)
	// A re-INVITE sent within milliseconds of the answer fails now and then
	// with "use of closed network connection" (sipgo v1.7.2's UDP
	// connection reference counting; about 1 run in 10 here). No operator
	// holds that fast; the pause keeps this test about the commands.
	time.Sleep(time.Second)
	steps := []struct {
		run  func() error
		want phone.Kind
	}{
		{func() error { return alice.cmds.Hold(ctx, call.ID) }, phone.CallHeld},
		{func() error { return alice.cmds.Resume(ctx, call.ID) }, phone.CallResumed},
		{func() error { return alice.cmds.Mute(ctx, call.ID, true) }, phone.CallMuted},
		{func() error { return alice.cmds.Mute(ctx, call.ID, false) }, phone.CallUnmuted},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.want, err)
		}
		alice.await(t, s.want, call.ID)
	}
	if err := alice.cmds.SendDTMF(ctx, call.ID, "7"); err != nil {
		t.Fatal(err)
	}
	if d := bob.await(t, phone.CallDTMF, in.CallID).Digit; d != "7" {
		t.Errorf("bob received DTMF %q, want 7", d)
	}
	if err := alice.cmds.Hangup(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	if end := alice.await(t, phone.CallEnded, call.ID); end.HangupBy != "local" {
		t.Errorf("call ended by %q, want local", end.HangupBy)
	}
	if err := alice.cmds.Hold(ctx, call.ID); !errors.Is(err, ErrNoSuchCall) {
		t.Errorf("hold of an ended call: %v, want ErrNoSuchCall", err)
	}

	again, err := alice.cmds.Redial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	in = bob.await(t, phone.CallIncoming, "")
	alice.await(t, phone.CallRinging, again.ID)
	if err := bob.cmds.Reject(ctx, in.CallID, 0); err != nil {
		t.Fatal(err)
	}
	if end := alice.await(t, phone.CallEnded, again.ID); end.Result != phone.ResultBusy {
		t.Errorf("redialled call ended %s, want busy (bob rejected it with 486)", end.Result)
	}
}

// After a restart the commands remember nothing: Redial takes the newest
// outgoing call of the account from the history.
func TestRedialFallsBackToHistory(t *testing.T) {
	alice, bob := startTestPhone(t, "alice"), startTestPhone(t, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fresh := alice.engine.Commands(alice.phone, nil)
	if _, err := fresh.Redial(ctx, ""); err == nil {
		t.Fatal("redial with an empty history placed a call")
	}

	call, err := alice.cmds.Dial(ctx, "", "sip:bob@"+bob.addr)
	if err != nil {
		t.Fatal(err)
	}
	in := bob.await(t, phone.CallIncoming, "")
	alice.await(t, phone.CallRinging, call.ID)
	if err := bob.cmds.Reject(ctx, in.CallID, 603); err != nil {
		t.Fatal(err)
	}
	alice.await(t, phone.CallEnded, call.ID)
	waitForRow(t, alice.repo, call.ID)

	fresh = alice.engine.Commands(alice.phone, nil)
	again, err := fresh.Redial(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	in = bob.await(t, phone.CallIncoming, "")
	if in.Number != "alice" || again.RemoteURI != "sip:bob@"+bob.addr {
		t.Errorf("redial from history called %s as %s, want sip:bob@%s as alice", again.RemoteURI, in.Number, bob.addr)
	}
	_ = bob.cmds.Reject(ctx, in.CallID, 486)
	alice.await(t, phone.CallEnded, again.ID)
}

func waitForRow(t *testing.T, repo *history.Repo, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := repo.Get(context.Background(), id); err == nil && c.Result != "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("call %s not recorded as ended", id)
}

// Do-not-disturb and forwarding set through the commands answer the next
// call; a bad forwarding target is refused when set.
func TestCommandsDivert(t *testing.T) {
	alice, bob := startTestPhone(t, "alice"), startTestPhone(t, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bob.cmds.SetDND(ctx, "", true); err != nil {
		t.Fatal(err)
	}
	call, err := alice.cmds.Dial(ctx, "", "sip:bob@"+bob.addr)
	if err != nil {
		t.Fatal(err)
	}
	if end := alice.await(t, phone.CallEnded, call.ID); end.Code != 486 {
		t.Errorf("call to a do-not-disturb phone ended %d %s, want 486", end.Code, end.Reason)
	}
	if err := bob.cmds.SetDND(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	if err := bob.cmds.SetForward(ctx, "", "sip:"); err == nil {
		t.Error("forwarding to an unusable target was accepted")
	}
	if err := bob.cmds.SetForward(ctx, "", "sip:carol@127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	call, err = alice.cmds.Dial(ctx, "", "sip:bob@"+bob.addr)
	if err != nil {
		t.Fatal(err)
	}
	if end := alice.await(t, phone.CallEnded, call.ID); end.Code != 302 {
		t.Errorf("call to a forwarding phone ended %d %s, want 302", end.Code, end.Reason)
	}
}
