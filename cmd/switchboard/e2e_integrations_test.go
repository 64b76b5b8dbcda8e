package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
	"github.com/switchboard/switchboard/internal/webhook"
)

// webhookReceiver is a loopback webhook endpoint that records every
// request and answers 200, or 500 while it is "down".
type webhookReceiver struct {
	*httptest.Server
	secret []byte
	mu     sync.Mutex
	down   bool
	got    []webhookRequest
}

type webhookRequest struct {
	Event, Delivery, CallID string
	Signed, Accepted        bool
}

func newWebhookReceiver(t *testing.T, secret string) *webhookReceiver {
	r := &webhookReceiver{secret: []byte(secret)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev struct {
			CallID string `json:"call_id"`
		}
		_ = json.Unmarshal(body, &ev)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, webhookRequest{Event: req.Header.Get(webhook.HeaderEvent), Delivery: req.Header.Get(webhook.HeaderDelivery),
			CallID: ev.CallID, Signed: webhook.Verify(r.secret, body, req.Header.Get(webhook.HeaderSignature)), Accepted: !r.down})
		if r.down {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *webhookReceiver) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

func (r *webhookReceiver) requests() []webhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookRequest(nil), r.got...)
}

// accepted waits until the receiver accepted event for the call and
// returns that request.
func (r *webhookReceiver) accepted(t *testing.T, event, callID string, timeout time.Duration) webhookRequest {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, req := range r.requests() {
			if req.Accepted && req.Event == event && (callID == "" || req.CallID == callID) {
				return req
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no accepted %s for call %q within %s; requests: %+v", event, callID, timeout, r.requests())
	return webhookRequest{}
}

// callerXML is SIPp's caller (ring, then give up) with the given display name.
func callerXML(number, displayName string) string {
	return strings.ReplaceAll(uacXML(number, true), `"Caller"`, `"`+displayName+`"`)
}

// ringOnce has SIPp call switchboard answer (which lets it ring) and
// give up; it returns the call's id from call.incoming.
func ringOnce(t *testing.T, env []string, cfg, listen, number, displayName string) string {
	t.Helper()
	sb := startSBEnv(t, env, "--config", cfg, "answer", "--answer-delay", "30s", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "ring.xml", callerXML(number, displayName)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp caller: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	if code := sb.wait(20 * time.Second); code != exitNoAnswer {
		t.Fatalf("answer: exit %d, want %d (missed)\n%s", code, exitNoAnswer, sb.errText())
	}
	for _, ev := range parseEvents(t, sb.output()) {
		if ev.Event == "call.incoming" {
			return ev.CallID
		}
	}
	t.Fatalf("no call.incoming in %v", sb.output())
	return ""
}

func TestWebhooksAreSignedAndSurviveADownEndpointAndARestart(t *testing.T) {
	requirePeers(t, "sipp")
	const secret = "webhook-test-secret"
	recv := newWebhookReceiver(t, secret)
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, fmt.Sprintf("[[webhooks]]\nurl = %q\nevents = [\"call.incoming\", \"call.ended\"]\nsecret_env = \"SB_TEST_WEBHOOK_SECRET\"\ntimeout = \"2s\"\n", recv.URL+"/hook"),
		account{Name: "desk", User: "1001", Listen: listen})
	env := []string{"SB_TEST_WEBHOOK_SECRET=" + secret}

	// Up: both events of the call arrive, signed with the secret.
	first := ringOnce(t, env, cfg, listen, "5551001", "Alice")
	for _, event := range []string{"call.incoming", "call.ended"} {
		if req := recv.accepted(t, event, first, 10*time.Second); !req.Signed || req.Delivery == "" {
			t.Errorf("%s: %+v, want a valid signature and a delivery key", event, req)
		}
	}

	// Down while the next call happens, and when the process exits.
	recv.setDown(true)
	second := ringOnce(t, env, cfg, listen, "5551002", "Bob")
	failedKeys := map[string]string{}
	for _, req := range recv.requests() {
		if req.CallID == second && !req.Accepted {
			failedKeys[req.Event] = req.Delivery
		}
	}
	if failedKeys["call.incoming"] == "" {
		t.Fatalf("no attempt to deliver the second call's call.incoming while down: %+v", recv.requests())
	}

	// Started again (still down for a moment), then the receiver comes back.
	serveEnv := append(slices.Clip(env), "XDG_RUNTIME_DIR="+runtimeDir(t)) // shared with ctl below
	sb := startSBEnv(t, serveEnv, "--config", cfg, "serve")
	time.Sleep(time.Second)
	recv.setDown(false)
	for _, event := range []string{"call.incoming", "call.ended"} {
		req := recv.accepted(t, event, second, 40*time.Second)
		if !req.Signed {
			t.Errorf("%s delivered late is not signed: %+v", event, req)
		}
		if key, tried := failedKeys[event]; tried && req.Delivery != key {
			t.Errorf("%s: delivered with key %q, tried before with %q: the idempotency key changed", event, req.Delivery, key)
		}
	}
	// ctl status tells the operator the backlog went out: deliveries
	// counted, nothing left queued (the row goes just after the 200).
	var outbox struct{ Queued, Delivered, Dropped, Lost int64 }
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, reply := ctl(t, serveEnv, cfg, "status")
		var status struct {
			Webhooks *struct{ Queued, Delivered, Dropped, Lost int64 }
		}
		if err := json.Unmarshal(reply.Data, &status); err != nil || status.Webhooks == nil {
			t.Fatalf("ctl status: %s (%v), want webhooks figures", reply.Data, err)
		}
		outbox = *status.Webhooks
		if outbox.Delivered > 0 && outbox.Queued == 0 || time.Now().After(deadline) {
			break
		}
	}
	if outbox.Delivered == 0 || outbox.Queued != 0 || outbox.Dropped != 0 || outbox.Lost != 0 {
		t.Errorf("ctl status webhooks %+v after the endpoint came back; want delivered > 0, nothing queued, dropped or lost", outbox)
	}
	sb.interrupt()
	sb.wait(20 * time.Second)
}

func TestHookGetsShellMetacharactersAsData(t *testing.T) {
	requirePeers(t, "sipp")
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	out := filepath.Join(dir, "env")
	script := filepath.Join(dir, "hook.sh")
	// env -0: values may hold newlines. Written then renamed: complete when seen.
	body := fmt.Sprintf("#!/bin/sh\nenv -0 > %q.tmp && mv %q.tmp %q\n", out, out, out)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, fmt.Sprintf("[[hooks]]\nevents = [\"call.ended\"]\ncommand = [%q]\ntimeout = \"5s\"\n", script),
		account{Name: "desk", User: "1001", Listen: listen})

	name := "$(touch " + pwned + ") `touch " + pwned + "`; rm -rf " + dir + " | echo x"
	number := "555$(touch" + pwned + ")"
	callID := ringOnce(t, nil, cfg, listen, number, name)

	var env map[string]string
	deadline := time.Now().Add(15 * time.Second)
	for env == nil && time.Now().Before(deadline) {
		if data, err := os.ReadFile(out); err == nil {
			env = map[string]string{}
			for _, kv := range strings.Split(string(data), "\x00") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if env == nil {
		t.Fatal("the hook did not run (no env file)")
	}
	want := map[string]string{"SWITCHBOARD_EVENT": "call.ended", "SWITCHBOARD_CALL_ID": callID, "SWITCHBOARD_NAME": name,
		"SWITCHBOARD_NUMBER": number, "SWITCHBOARD_DIRECTION": "in", "SWITCHBOARD_RESULT": "missed"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("the caller's text was executed: the pwned file exists")
	}
}

func TestLookupRejectsAndNamesCallers(t *testing.T) {
	requirePeers(t, "sipp")
	lookup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in webhook.LookupRequest
		_ = json.NewDecoder(r.Body).Decode(&in)
		switch in.Number {
		case "5550666":
			_, _ = io.WriteString(w, `{"action": "reject"}`)
		case "84957770000":
			time.Sleep(2 * time.Second) // past the deadline: the call rings untouched
			_, _ = io.WriteString(w, `{"action": "reject"}`)
		default:
			_, _ = io.WriteString(w, `{"caller_name": "Acme Ltd (from the CRM)"}`)
		}
	}))
	t.Cleanup(lookup.Close)
	listen := listenAddr(t, "udp")
	// A country, so that the CRM recognises the numbers and builds cards.
	cfg := testConfig(t, fmt.Sprintf("[crm]\ndefault_country = \"RU\"\n[lookup]\nurl = %q\ntimeout = \"300ms\"\n", lookup.URL),
		account{Name: "desk", User: "1001", Listen: listen})

	// Rejected before it rings: SIPp's scenario expects 603 without 180.
	sb := startSB(t, "--config", cfg, "answer", "--answer-delay", "30s", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "rejected.xml", uacXML("5550666", false)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp caller expecting 603: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	sb.interrupt()
	sb.wait(20 * time.Second)

	// Named: the card carries the look-up's name. Late: the call rings.
	for number, wantName := range map[string]string{"84951234567": "Acme Ltd (from the CRM)", "84957770000": ""} {
		sb := startSB(t, "--config", cfg, "answer", "--answer-delay", "30s", "--json")
		time.Sleep(300 * time.Millisecond)
		res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "ring.xml", uacXML(number, true)),
			listen, "-s", "1001", "-m", "1", "-timeout", "20s")
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: SIPp caller: exit %d, %v\n%s", number, res.ExitCode, err, res.Stderr)
		}
		sb.wait(20 * time.Second)
		var card struct {
			Card struct {
				CallerName string `json:"caller_name"`
			} `json:"card"`
		}
		found := false
		for _, line := range sb.output() {
			if strings.Contains(line, `"event":"call.card"`) {
				found = json.Unmarshal([]byte(line), &card) == nil
			}
		}
		if !found || card.Card.CallerName != wantName {
			t.Errorf("%s: call.card found %t with caller_name %q, want %q\n%s", number, found, card.Card.CallerName, wantName, strings.Join(sb.output(), "\n"))
		}
	}
}
