package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/eventfilter"
	"github.com/switchboard/switchboard/internal/store"
)

// receiver is a loopback webhook endpoint that records every request and
// answers with the status the test sets.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	requests []receivedRequest
	arrived  chan struct{}
}

type receivedRequest struct {
	event, delivery, signature, attempt string
	body                                []byte
	status                              int
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status, arrived: make(chan struct{}, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := r.status
		r.requests = append(r.requests, receivedRequest{event: req.Header.Get(HeaderEvent), delivery: req.Header.Get(HeaderDelivery),
			signature: req.Header.Get(HeaderSignature), attempt: req.Header.Get(HeaderAttempt), body: body, status: status})
		r.mu.Unlock()
		w.WriteHeader(status)
		r.arrived <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setStatus(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

func (r *receiver) received() []receivedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedRequest(nil), r.requests...)
}

// await waits for the next request.
func (r *receiver) await(t *testing.T) {
	t.Helper()
	select {
	case <-r.arrived:
	case <-time.After(5 * time.Second):
		t.Fatalf("no request arrived; so far %d", len(r.received()))
	}
}

// expectNone checks that no request arrives for a while.
func (r *receiver) expectNone(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-r.arrived:
		t.Fatalf("a request arrived before its retry was due: %+v", r.received())
	case <-time.After(within):
	}
}

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func startDeliverer(t *testing.T, opts Options) *Deliverer {
	t.Helper()
	d := New(opts)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSignatureVerifiesWithTheSecret(t *testing.T) {
	secret, body := []byte("s3cr3t"), []byte(`{"event":"call.ended"}`)
	sig := Sign(secret, body)
	// Known answer: printf '%s' '{"event":"call.ended"}' | openssl dgst -sha256 -hmac s3cr3t
	if len(sig) != len("sha256=")+64 || !Verify(secret, body, sig) {
		t.Fatalf("signature %q does not verify", sig)
	}
	if Verify([]byte("other"), body, sig) || Verify(secret, []byte(`{"event":"call.endeD"}`), sig) || Verify(secret, body, sig[len("sha256="):]) {
		t.Error("a wrong secret, a changed body or a bare hex sum verified")
	}
}

func TestBackoffDoublesUpToTheCapWithJitter(t *testing.T) {
	base, most := time.Second, 30*time.Second
	for attempt, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: most, 40: most} {
		if got := Backoff(attempt, base, most, 0.999999); got > full || got < full-time.Millisecond {
			t.Errorf("attempt %d with most jitter: %s, want about %s", attempt, got, full)
		}
		if got := Backoff(attempt, base, most, 0); got != full/2 {
			t.Errorf("attempt %d without jitter: %s, want %s", attempt, got, full/2)
		}
	}
}

func TestRetriesWithBackoffKeepTheIdempotencyKey(t *testing.T) {
	recv := newReceiver(t, http.StatusInternalServerError)
	clock := newFakeClock()
	secret := []byte("s3cr3t")
	db := openDB(t, filepath.Join(t.TempDir(), "sb.db"))
	d := startDeliverer(t, Options{DB: db.SQL(), Clock: clock, Jitter: func() float64 { return 0 },
		BackoffBase: 10 * time.Second, BackoffMax: time.Minute,
		Endpoints: []Endpoint{{URL: recv.URL, Events: eventfilter.Filter{"call.*"}, Secret: secret, Timeout: time.Second}}})

	d.Publish("reg.ok", []byte(`{"event":"reg.ok"}`)) // not wanted
	payload := []byte(`{"event":"call.ended","call_id":"c1"}`)
	d.Publish("call.ended", payload)
	recv.await(t) // the first attempt, at once
	// Back-off after the first failure: base/2 (no jitter) = 5 s, then 10 s.
	waitFor(t, "the retry timer", func() bool { return clock.waiting() > 0 })
	clock.Advance(4 * time.Second)
	recv.expectNone(t, 200*time.Millisecond)
	clock.Advance(time.Second)
	recv.await(t)
	recv.setStatus(http.StatusNoContent)
	waitFor(t, "the second retry timer", func() bool { return clock.waiting() > 0 })
	clock.Advance(9 * time.Second)
	recv.expectNone(t, 200*time.Millisecond)
	clock.Advance(time.Second)
	recv.await(t)
	waitFor(t, "the delivery to count", func() bool { return d.Stats().Delivered == 1 })

	got := recv.received()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3 (two failures, one success): %+v", len(got), got)
	}
	for i, r := range got {
		if r.event != "call.ended" || r.delivery == "" || r.delivery != got[0].delivery || string(r.body) != string(payload) ||
			!Verify(secret, r.body, r.signature) || r.attempt != fmt.Sprint(i+1) {
			t.Errorf("request %d = %+v; want call.ended, the first's delivery key %q, the payload, a valid signature, attempt %d", i, r, got[0].delivery, i+1)
		}
	}
	if n, err := d.outbox.count(context.Background()); err != nil || n != 0 {
		t.Errorf("outbox holds %d rows (%v) after delivery, want 0", n, err)
	}
}

func TestOutboxIsBoundedAndCountsDrops(t *testing.T) {
	recv := newReceiver(t, http.StatusServiceUnavailable)
	clock := newFakeClock()
	db := openDB(t, filepath.Join(t.TempDir(), "sb.db"))
	d := startDeliverer(t, Options{DB: db.SQL(), Clock: clock, Limit: 3, BackoffBase: time.Hour,
		Endpoints: []Endpoint{{URL: recv.URL, Events: eventfilter.Filter{"*"}, Timeout: time.Second}}})
	for i := range 5 {
		d.Publish("call.ended", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	waitFor(t, "two drops", func() bool { return d.Stats().Dropped == 2 })
	rows, err := db.SQL().Query(`SELECT payload FROM webhook_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kept []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, p)
	}
	if fmt.Sprint(kept) != `[{"n":2} {"n":3} {"n":4}]` {
		t.Errorf("outbox keeps %v, want the newest three", kept)
	}
	if n, err := d.Queued(context.Background()); err != nil || n != 3 {
		t.Errorf("Queued = %d, %v; want the 3 rows kept", n, err)
	}
	if s := d.Stats(); s.Lost != 0 || s.Delivered != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestPublishNeverBlocks(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "sb.db"))
	// Not started: nothing drains the queue of one.
	d := New(Options{DB: db.SQL(), QueueSize: 1,
		Endpoints: []Endpoint{{URL: "http://127.0.0.1:1/", Events: eventfilter.Filter{"*"}, Timeout: time.Second}}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			d.Publish("call.ended", []byte(`{}`))
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish blocked")
	}
	if lost := d.Stats().Lost; lost != 99 {
		t.Errorf("lost %d, want 99", lost)
	}
	d.Close()
	d.Publish("call.ended", []byte(`{}`)) // after Close: ignored, no panic
}

func TestDeliveriesSurviveARestart(t *testing.T) {
	recv := newReceiver(t, http.StatusInternalServerError)
	path := filepath.Join(t.TempDir(), "sb.db")
	endpoints := []Endpoint{{URL: recv.URL, Events: eventfilter.Filter{"call.ended"}, Timeout: time.Second}}

	db := openDB(t, path)
	first := New(Options{DB: db.SQL(), Endpoints: endpoints, BackoffBase: time.Hour})
	if err := first.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.Publish("call.ended", []byte(`{"call_id":"a"}`))
	recv.await(t)
	waitFor(t, "the failure to be recorded", func() bool {
		var attempts int
		_ = db.SQL().QueryRow(`SELECT attempts FROM webhook_outbox`).Scan(&attempts)
		return attempts == 1
	})
	first.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	failed := recv.received()[0]

	recv.setStatus(http.StatusOK)
	db = openDB(t, path)
	// An hour of back-off was scheduled; a new process tries at once.
	second := startDeliverer(t, Options{DB: db.SQL(), Endpoints: endpoints, BackoffBase: time.Hour})
	recv.await(t)
	waitFor(t, "the delivery", func() bool { return second.Stats().Delivered == 1 })
	got := recv.received()
	if len(got) != 2 || got[1].delivery != failed.delivery || string(got[1].body) != `{"call_id":"a"}` || got[1].attempt != "2" {
		t.Errorf("after the restart got %+v, want the same delivery %q again (attempt 2)", got, failed.delivery)
	}
}

func TestDeadEndpointDoesNotHoldOthers(t *testing.T) {
	// A endpoint that never answers within its timeout, and a healthy one.
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so that the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	recv := newReceiver(t, http.StatusOK)
	db := openDB(t, filepath.Join(t.TempDir(), "sb.db"))
	d := startDeliverer(t, Options{DB: db.SQL(), BackoffBase: time.Hour, Endpoints: []Endpoint{
		{URL: hang.URL, Events: eventfilter.Filter{"*"}, Timeout: 300 * time.Millisecond},
		{URL: recv.URL, Events: eventfilter.Filter{"*"}, Timeout: time.Second},
	}})
	for i := range 5 {
		d.Publish("call.ended", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	waitFor(t, "five deliveries to the healthy endpoint", func() bool { return len(recv.received()) == 5 })
	for i, r := range recv.received() {
		if string(r.body) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("delivery %d = %s: out of order", i, r.body)
		}
	}
}
