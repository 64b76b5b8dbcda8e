package control

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

// stallLimit is how long the publisher may make no progress at all before
// the test calls it stuck. Publishing one event takes microseconds; the
// bound only has to be far above scheduler noise on a loaded machine.
const stallLimit = 5 * time.Second

// waitProgress polls counter until done() holds, failing only when the
// counter stops moving for stallLimit: it measures progress, not speed.
func waitProgress(t *testing.T, what string, counter *atomic.Int64, done func() bool) {
	t.Helper()
	last, lastMove := counter.Load(), time.Now()
	for !done() {
		time.Sleep(10 * time.Millisecond)
		if now := counter.Load(); now != last {
			last, lastMove = now, time.Now()
		} else if time.Since(lastMove) > stallLimit {
			t.Fatalf("%s: no progress for %s (at %d)", what, stallLimit, now)
		}
	}
}

func TestSubscriberThatStopsReadingDoesNotBlockPublisher(t *testing.T) {
	srv := startServer(t, newFakeTarget(), func(o *Options) {
		o.QueueSize = 64
		o.WriteTimeout = 200 * time.Millisecond
	})
	stalled := dialTest(t, "unix", srv.SocketPath())
	if resp := stalled.call(`{"id":1,"cmd":"subscribe"}`); resp["ok"] != true {
		t.Fatalf("subscribe: %v", resp)
	}
	// From here stalled never reads. Far more than its queue plus the
	// kernel's socket buffers is published.
	const events = 20000
	payload := strings.Repeat("x", 2048)
	var published atomic.Int64
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i := range events {
			ev, _ := MarshalEvent("call.dtmf", map[string]any{"event": "call.dtmf", "n": i, "pad": payload})
			srv.Publish(ev)
			published.Add(1)
		}
	}()
	waitProgress(t, "publisher", &published, func() bool {
		select {
		case <-finished:
			return true
		default:
			return false
		}
	})
	if published.Load() != events {
		t.Fatalf("published %d of %d", published.Load(), events)
	}
	// The stalled client was dropped; the server still serves others.
	for deadline := time.Now().Add(stallLimit); srv.clientCount() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the stalled client is still connected (%d clients)", srv.clientCount())
		}
	}
	if resp := dialTest(t, "unix", srv.SocketPath()).call(`{"id":2,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("status after the flood: %v", resp)
	}
}

func TestTCPNeedsTheToken(t *testing.T) {
	ln, err := Claim(context.Background(), ClaimOptions{SocketPath: socketPath(t), TCPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(ln, Options{Target: newFakeTarget()}); err == nil {
		t.Fatal("Serve with TCP and no token succeeded")
	}
	srv, err := Serve(ln, Options{Target: newFakeTarget(), Token: "s3cret-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.TCPAddr().String()

	noAuth := dialTest(t, "tcp", addr)
	if resp := noAuth.call(`{"id":1,"cmd":"status"}`); errCode(resp) != CodeUnauthorized {
		t.Errorf("status without auth: %v", resp)
	}
	noAuth.expectClosed()

	wrong := dialTest(t, "tcp", addr)
	if resp := wrong.call(`{"id":1,"cmd":"auth","args":{"token":"guess"}}`); errCode(resp) != CodeUnauthorized {
		t.Errorf("wrong token: %v", resp)
	}
	wrong.expectClosed()

	good := dialTest(t, "tcp", addr)
	if resp := good.call(`{"id":1,"cmd":"auth","args":{"token":"s3cret-token-0123456789"}}`); resp["ok"] != true {
		t.Fatalf("right token: %v", resp)
	}
	if resp := good.call(`{"id":2,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("status after auth: %v", resp)
	}
	// The Unix socket needs no token: its permissions are the protection.
	if resp := dialTest(t, "unix", srv.SocketPath()).call(`{"id":3,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("unix status: %v", resp)
	}
}

func TestTCPOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:7000", "example.com:7000"} {
		if ln, err := Claim(context.Background(), ClaimOptions{SocketPath: socketPath(t), TCPAddr: addr}); err == nil {
			ln.Close()
			t.Errorf("TCP listener on %s accepted", addr)
		}
	}
}

// Account replies are built from a type without a password field; this
// pins it with the real SessionTarget and a config that has secrets.
func TestAccountRepliesCarryNoPassword(t *testing.T) {
	target := NewSessionTarget(SessionOptions{Accounts: []config.Account{
		{Name: "desk", User: "1001", Password: "hunter2-secret", Registrar: "127.0.0.1:5060", Register: true},
		{Name: "lab", User: "1002", PasswordEnv: "LAB_SECRET_ENV"},
	}})
	accounts, err := target.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(accounts)
	if strings.Contains(string(b), "hunter2") || strings.Contains(strings.ToLower(string(b)), "password") {
		t.Errorf("accounts reply mentions a password: %s", b)
	}
	if len(accounts) != 2 || accounts[0].Name != "desk" || !accounts[0].Register {
		t.Errorf("accounts: %+v", accounts)
	}
}
