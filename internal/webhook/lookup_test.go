package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func lookupServer(t *testing.T, handler http.HandlerFunc) *Lookup {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &Lookup{URL: srv.URL, Timeout: 300 * time.Millisecond}
}

func TestLookupNamesTheCaller(t *testing.T) {
	secret := []byte("k")
	var asked LookupRequest
	var signed bool
	l := lookupServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		signed = Verify(secret, body, r.Header.Get(HeaderSignature))
		_ = json.Unmarshal(body, &asked)
		_, _ = io.WriteString(w, `{"caller_name": "  Acme \u001b[31mLtd\n "}`)
	})
	l.Secret = secret
	answer, err := l.Ask(context.Background(), LookupRequest{Number: "+442079460000", DisplayName: "Alice", Line: "100", Account: "desk"})
	if err != nil {
		t.Fatal(err)
	}
	if answer.CallerName != "Acme [31mLtd" {
		t.Errorf("caller name %q: want it trimmed and without control characters", answer.CallerName)
	}
	if code, _ := answer.RejectCode(); code != 0 {
		t.Errorf("reject code %d, want 0", code)
	}
	if asked.Number != "+442079460000" || asked.DisplayName != "Alice" || asked.Line != "100" || !signed {
		t.Errorf("the url was asked %+v (signed %t)", asked, signed)
	}
}

func TestLookupRejects(t *testing.T) {
	for action, want := range map[string]int{"reject": 603, "busy": 486, "ring": 0} {
		l := lookupServer(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"action": "`+action+`"}`)
		})
		answer, err := l.Ask(context.Background(), LookupRequest{Number: "1"})
		if code, _ := answer.RejectCode(); err != nil || code != want {
			t.Errorf("action %q: code %d (%v), want %d", action, code, err, want)
		}
	}
}

func TestLookupDeadlineIsHard(t *testing.T) {
	release := make(chan struct{})
	l := lookupServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, `{"action": "reject"}`)
	})
	defer close(release)
	l.Timeout = 100 * time.Millisecond
	start := time.Now()
	answer, err := l.Ask(context.Background(), LookupRequest{Number: "1"})
	if elapsed := time.Since(start); err == nil || elapsed > time.Second {
		t.Errorf("slow url: answer %+v, error %v after %s; want an error at the 100ms deadline", answer, err, elapsed)
	}
}

func TestLookupFailures(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"500":       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"not json":  func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>") },
		"redirects": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) },
	} {
		l := lookupServer(t, handler)
		if answer, err := l.Ask(context.Background(), LookupRequest{Number: "1"}); err == nil {
			t.Errorf("%s: answer %+v, want an error", name, answer)
		}
	}
	l := &Lookup{URL: "http://127.0.0.1:1/?token=hunter2", Timeout: time.Second}
	if _, err := l.Ask(context.Background(), LookupRequest{}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("closed port: error %v; want one without the url's token", err)
	}
}

func TestCallerNamesMeetTheCard(t *testing.T) {
	names := NewCallerNames()
	now := time.Now()
	names.now = func() time.Time { return now }
	names.Remember("desk", "sip:1@h", "100", "Acme")
	if got := names.Name("desk", "sip:1@h", "100"); got != "Acme" {
		t.Errorf("Name = %q", got)
	}
	if got := names.Name("desk", "sip:2@h", "100"); got != "" {
		t.Errorf("another caller: Name = %q", got)
	}
	now = now.Add(2 * callerNameTTL)
	if got := names.Name("desk", "sip:1@h", "100"); got != "" {
		t.Errorf("stale: Name = %q", got)
	}
}
