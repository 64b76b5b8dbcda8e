package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// ctlReply is the part of a `ctl --json` reply line the tests look at.
type ctlReply struct {
	OK   bool            `json:"ok"`
	Data json.RawMessage `json:"data"`
}

// ctl runs `switchboard ctl ARGS --json` in env and returns its reply.
func ctl(t *testing.T, env []string, cfg string, args ...string) (int, ctlReply) {
	t.Helper()
	p := startSBEnv(t, env, append(append([]string{"--config", cfg, "ctl"}, args...), "--json")...)
	code := p.wait(20 * time.Second)
	out := p.output()
	var reply ctlReply
	if len(out) != 1 || json.Unmarshal([]byte(out[0]), &reply) != nil {
		t.Fatalf("ctl %v: exit %d, want one reply line; stdout %q stderr %q", args, code, out, p.errText())
	}
	return code, reply
}

// waitForClients polls status until n control clients (this one included)
// are connected: then a subscriber started in another process is in place.
func waitForClients(t *testing.T, env []string, cfg string, n int) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, reply := ctl(t, env, cfg, "status")
		var status struct{ Clients int }
		_ = json.Unmarshal(reply.Data, &status)
		if status.Clients >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d control clients after 15s, want %d", status.Clients, n)
		}
	}
}

// serve, a second process following its events, ctl dial to a baresip
// phone that answers, ctl hangup: the follower sees the call in order.
// switchboard open places the next call the same way.
func TestControlSocketDialHangupAndEvents(t *testing.T) {
	requirePeers(t, "baresip")
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
	env := []string{"XDG_RUNTIME_DIR=" + runtimeDir(t)} // shared by every process of this test
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	sb := startSBEnv(t, env, "--config", cfg, "serve")
	sb.waitLine("waiting for calls", 10*time.Second)

	socket := filepath.Join(envValue(env, "XDG_RUNTIME_DIR"), "switchboard", "control.sock")
	if info, err := os.Stat(socket); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("control socket %s: %v %v, want mode 0600", socket, info, err)
	}
	// A second instance on the same socket is refused before it starts.
	if code, out, errText := runSBEnv(t, env, 15*time.Second, "--config", cfg, "serve"); code != exitRuntime ||
		!strings.Contains(errText, "already running") {
		t.Errorf("second serve: exit %d, stdout %q, stderr %q", code, out, errText)
	}

	events := startSBEnv(t, env, "--config", cfg, "events", "--filter", "call.outgoing,call.ringing,call.answered,call.ended")
	waitForClients(t, env, cfg, 2)

	code, reply := ctl(t, env, cfg, "dial", "target="+far.URI())
	if code != exitOK || !reply.OK {
		t.Fatalf("ctl dial: exit %d %s", code, reply.Data)
	}
	var placed struct {
		CallID string `json:"call_id"`
	}
	if err := json.Unmarshal(reply.Data, &placed); err != nil || placed.CallID == "" {
		t.Fatalf("ctl dial reply without call_id: %s", reply.Data)
	}
	events.waitLine(`"call.answered"`, 15*time.Second)
	if _, reply := ctl(t, env, cfg, "calls"); !strings.Contains(string(reply.Data), placed.CallID) {
		t.Errorf("ctl calls does not list %s: %s", placed.CallID, reply.Data)
	}
	if code, reply := ctl(t, env, cfg, "hangup", "id="+placed.CallID); code != exitOK || !reply.OK {
		t.Fatalf("ctl hangup: exit %d %s", code, reply.Data)
	}
	events.waitLine(`"call.ended"`, 15*time.Second)
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)

	var kinds []string
	for _, ev := range parseEvents(t, events.output()) {
		if ev.CallID != placed.CallID {
			t.Errorf("event of another call: %+v", ev)
			continue
		}
		kinds = append(kinds, ev.Event)
		if ev.Event == "call.ended" && ev.Result != "answered" {
			t.Errorf("call.ended result %q, want answered", ev.Result)
		}
	}
	kinds = slices.DeleteFunc(kinds, func(k string) bool { return k == "call.ringing" }) // 180 is optional
	if want := []string{"call.outgoing", "call.answered", "call.ended"}; !slices.Equal(kinds, want) {
		t.Errorf("events client saw %v, want %v", kinds, want)
	}

	// A second hangup of the same call is an error reply, exit 1.
	if code, reply := ctl(t, env, cfg, "hangup", "id="+placed.CallID); code != exitRuntime || reply.OK {
		t.Errorf("hangup of an ended call: exit %d ok=%t", code, reply.OK)
	}

	// switchboard open, as the desktop would run it for a sip: link.
	open := startSBEnv(t, env, "--config", cfg, "open", far.URI())
	if code := open.wait(20 * time.Second); code != exitOK {
		t.Fatalf("open: exit %d %s", code, open.errText())
	}
	events.waitLine(`"call.answered"`, 15*time.Second)
	_, reply = ctl(t, env, cfg, "calls")
	var calls []struct {
		CallID string `json:"call_id"`
	}
	if err := json.Unmarshal(reply.Data, &calls); err != nil || len(calls) != 1 {
		t.Fatalf("calls after open: %s", reply.Data)
	}
	ctl(t, env, cfg, "hangup", "id="+calls[0].CallID)
	events.waitLine(`"call.ended"`, 15*time.Second)

	sb.interrupt()
	if code := sb.wait(15 * time.Second); code != exitOK {
		t.Errorf("serve: exit %d after Ctrl-C", code)
	}
	if _, err := os.Lstat(socket); !os.IsNotExist(err) {
		t.Errorf("control socket left behind after exit: %v", err)
	}
}

// Without a running instance ctl says so and exits 1; a malformed
// argument is a usage error.
func TestCtlWithoutInstance(t *testing.T) {
	env := []string{"XDG_RUNTIME_DIR=" + runtimeDir(t)}
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	code, _, errText := runSBEnv(t, env, 10*time.Second, "--config", cfg, "ctl", "status")
	if code != exitRuntime || !strings.Contains(errText, "no running switchboard") {
		t.Errorf("ctl without instance: exit %d, stderr %q", code, errText)
	}
	if code, _, errText := runSBEnv(t, env, 10*time.Second, "--config", cfg, "ctl", "dial", "sip:1002@127.0.0.1"); code != exitUsage {
		t.Errorf("ctl dial without key=value: exit %d, stderr %q", code, errText)
	}
	if code, _, errText := runSBEnv(t, env, 10*time.Second, "--config", cfg, "open", "http://example.com"); code != exitUsage {
		t.Errorf("open http link: exit %d, stderr %q", code, errText)
	}
}

// runSBEnv is runSB with extra environment variables.
func runSBEnv(t *testing.T, env []string, timeout time.Duration, args ...string) (int, []string, string) {
	t.Helper()
	p := startSBEnv(t, env, args...)
	return p.wait(timeout), p.output(), p.errText()
}
