// Package webhook sends switchboard's events to HTTP endpoints: each event
// an endpoint wants is stored in the database first (webhook_outbox) and
// POSTed from there by one goroutine, signed, retried with back-off until
// the endpoint accepts it, across restarts — at least once, with an
// idempotency key that stays the same on every retry. Publishing never
// waits for the database or the network, so no call does either. The
// optional caller look-up (Lookup) is the synchronous counterpart.
package webhook

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/internal/eventfilter"
)

// Defaults of Options.
const (
	DefaultLimit       = 10000
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 5 * time.Minute
	defaultQueueSize   = 1024
	// writeTimeout bounds one INSERT: a database stuck behind a long
	// import loses the event rather than holding the queue.
	writeTimeout = 2 * time.Second
	// flushTimeout bounds how long Close waits for queued events to be
	// stored.
	flushTimeout = 5 * time.Second
	// drainTimeout bounds how long Close waits for due deliveries to be
	// sent, polling every drainPoll.
	drainTimeout = 3 * time.Second
	drainPoll    = 50 * time.Millisecond
	// maxResponseBody is read (and discarded) from a response, so that the
	// connection can be reused without trusting the endpoint's size.
	maxResponseBody = 64 << 10
)

// Endpoint is a configured webhook.
type Endpoint struct {
	URL     string
	Events  eventfilter.Filter
	Secret  []byte // nil: requests are not signed
	Timeout time.Duration
}

// Options configure a Deliverer. DB and Endpoints are required.
type Options struct {
	DB          *sql.DB
	Endpoints   []Endpoint
	Log         *slog.Logger
	Client      *http.Client   // nil: one that follows no redirects
	Clock       Clock          // nil: the system clock
	Jitter      func() float64 // nil: random in [0, 1)
	Limit       int            // rows kept at most; 0: DefaultLimit
	BackoffBase time.Duration  // 0: DefaultBackoffBase
	BackoffMax  time.Duration  // 0: DefaultBackoffMax
	QueueSize   int            // events waiting to be stored; 0: 1024
}

// Stats counts what happened to events since Start.
type Stats struct {
	Delivered int64 // accepted by their endpoint
	Dropped   int64 // stored, then dropped because the outbox was full
	Lost      int64 // never stored: the queue was full or the database failed
}

// Deliverer queues events in the outbox and delivers them.
type Deliverer struct {
	opts   Options
	outbox *outbox
	byURL  map[string]Endpoint

	mu     sync.Mutex // guards closed and sends on queue
	closed bool
	queue  chan queued
	wake   chan struct{}

	stopSending context.CancelFunc
	written     chan struct{}
	sent        chan struct{}

	delivered, dropped, lost atomic.Int64
}

type queued struct {
	name    string
	payload []byte
	at      time.Time
	onlyURL string // a rule's webhook action: this endpoint only, whatever its events
}

// New prepares a Deliverer; Start runs it.
func New(opts Options) *Deliverer {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Jitter == nil {
		opts.Jitter = randomJitter
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = defaultQueueSize
	}
	byURL := map[string]Endpoint{}
	for _, e := range opts.Endpoints {
		byURL[e.URL] = e
	}
	return &Deliverer{opts: opts, outbox: &outbox{db: opts.DB, limit: opts.Limit}, byURL: byURL,
		queue: make(chan queued, opts.QueueSize), wake: make(chan struct{}, 1)}
}

// Start makes the deliveries left by an earlier process due and starts
// the writer and the single delivery goroutine.
func (d *Deliverer) Start(ctx context.Context) error {
	urls := make([]string, 0, len(d.opts.Endpoints))
	for _, e := range d.opts.Endpoints {
		urls = append(urls, e.URL)
	}
	orphans, err := d.outbox.prepare(ctx, urls, d.opts.Clock.Now())
	if err != nil {
		return err
	}
	if orphans > 0 {
		d.opts.Log.Warn("webhooks: dropped deliveries for endpoints no longer configured", "count", orphans)
	}
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.stopSending = cancel
	d.written, d.sent = make(chan struct{}), make(chan struct{})
	go d.write()
	go d.send(sendCtx)
	return nil
}

// Publish queues an event for every endpoint that wants it. It never
// blocks: with the queue full the event is lost, counted and logged.
func (d *Deliverer) Publish(name string, payload []byte) {
	if !d.wanted(name) {
		return
	}
	d.enqueue(queued{name: name, payload: payload, at: d.opts.Clock.Now()})
}

// PublishTo queues an event for the endpoint with this URL only, whether
// or not its events list the name (a rule calls it by name).
func (d *Deliverer) PublishTo(url, name string, payload []byte) {
	d.enqueue(queued{name: name, payload: payload, at: d.opts.Clock.Now(), onlyURL: url})
}

func (d *Deliverer) enqueue(ev queued) {
	name := ev.name
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	select {
	case d.queue <- ev:
	default:
		d.lost.Add(1)
		d.opts.Log.Error("webhooks: event lost, the outbox writer is behind", "event", name)
	}
}

func (d *Deliverer) wanted(name string) bool {
	for _, e := range d.opts.Endpoints {
		if e.Events.Match(name) {
			return true
		}
	}
	return false
}

// Close stores what is queued (bounded by flushTimeout) and stops
// delivering; a request in flight is abandoned and its row stays for the
// next start.
func (d *Deliverer) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	if d.stopSending == nil {
		return // never started: nothing runs
	}
	select {
	case <-d.written:
	case <-time.After(flushTimeout):
		d.opts.Log.Warn("webhooks: stopped before every event was stored")
	}
	d.awaitDueDeliveries(drainTimeout)
	d.stopSending()
	<-d.sent
}

// awaitDueDeliveries gives a short-lived process (switchboard dial) a
// moment to send what is due, so that a call's last events do not wait
// for the next start when the endpoint is up. Deliveries waiting out a
// back-off are left for the next start.
func (d *Deliverer) awaitDueDeliveries(bound time.Duration) {
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		n, err := d.outbox.due(context.Background(), d.opts.Clock.Now())
		if err != nil || n == 0 {
			return
		}
		d.signal()
		time.Sleep(drainPoll)
	}
}

// Stats reports the counters.
func (d *Deliverer) Stats() Stats {
	return Stats{Delivered: d.delivered.Load(), Dropped: d.dropped.Load(), Lost: d.lost.Load()}
}

// Queued is how many deliveries wait in the outbox now (for every
// endpoint): zero once every endpoint took what it was sent. Events still
// on their way into the outbox are not counted. A count over the outbox
// is cheap: it holds Options.Limit rows at most.
func (d *Deliverer) Queued(ctx context.Context) (int64, error) {
	n, err := d.outbox.count(ctx)
	return int64(n), err
}

// write stores queued events, one row per endpoint that wants them.
func (d *Deliverer) write() {
	defer close(d.written)
	for ev := range d.queue {
		for _, e := range d.opts.Endpoints {
			if ev.onlyURL == e.URL || ev.onlyURL == "" && e.Events.Match(ev.name) {
				d.store(e, ev)
			}
		}
		d.signal()
	}
}

func (d *Deliverer) store(e Endpoint, ev queued) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	dropped, err := d.outbox.add(ctx, e.URL, ev.name, ev.payload, ev.at)
	if err != nil {
		d.lost.Add(1)
		d.opts.Log.Error("webhooks: event lost, not stored", "event", ev.name, "endpoint", redactURL(e.URL), "error", err)
		return
	}
	if dropped > 0 {
		total := d.dropped.Add(dropped)
		d.opts.Log.Warn("webhooks: outbox full, dropped the oldest deliveries", "dropped", dropped, "dropped_total", total, "limit", d.opts.Limit)
	}
}

func (d *Deliverer) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// send is the one delivery goroutine: each endpoint's oldest row is sent
// when due, so every endpoint gets its events in order and a dead one only
// waits out its own back-off.
func (d *Deliverer) send(ctx context.Context) {
	defer close(d.sent)
	for {
		progressed, next := d.sendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if progressed {
			continue
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = d.opts.Clock.After(next.Sub(d.opts.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer:
		}
	}
}

// sendDue tries each endpoint's due head once. It reports whether one was
// delivered (more may be waiting) and the earliest time a head falls due.
func (d *Deliverer) sendDue(ctx context.Context) (progressed bool, next time.Time) {
	for _, e := range d.opts.Endpoints {
		head, err := d.outbox.head(ctx, e.URL)
		if err != nil {
			if ctx.Err() == nil {
				d.opts.Log.Error("webhooks: outbox not read", "error", err)
				next = earliest(next, d.opts.Clock.Now().Add(d.opts.BackoffBase))
			}
			continue
		}
		if head == nil {
			continue
		}
		now := d.opts.Clock.Now()
		if head.NextAttemptAt.After(now) {
			next = earliest(next, head.NextAttemptAt)
			continue
		}
		if err := d.post(ctx, e, head); err != nil {
			if ctx.Err() != nil {
				return false, time.Time{} // shutting down: the row stays as it was
			}
			retry := now.Add(Backoff(head.Attempts+1, d.opts.BackoffBase, d.opts.BackoffMax, d.opts.Jitter()))
			d.opts.Log.Warn("webhooks: delivery failed; will retry", "endpoint", redactURL(e.URL), "event", head.Event,
				"delivery", head.IdempotencyKey, "attempt", head.Attempts+1, "retry_at", retry, "error", err)
			if err := d.outbox.postpone(ctx, head.ID, retry, err.Error()); err != nil {
				d.opts.Log.Error("webhooks: retry not scheduled", "error", err)
			}
			next = earliest(next, retry)
			continue
		}
		d.delivered.Add(1)
		if err := d.outbox.remove(ctx, head.ID); err != nil {
			// Sent again later: at least once, and the key says it is a repeat.
			d.opts.Log.Error("webhooks: delivered but not removed", "delivery", head.IdempotencyKey, "error", err)
			next = earliest(next, now.Add(d.opts.BackoffBase))
			continue
		}
		progressed = true
	}
	return progressed, next
}

// post sends one delivery; nil means the endpoint answered 2xx.
func (d *Deliverer) post(ctx context.Context, e Endpoint, head *delivery) error {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(head.Payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "switchboard")
	req.Header.Set(HeaderEvent, head.Event)
	req.Header.Set(HeaderDelivery, head.IdempotencyKey)
	req.Header.Set(HeaderAttempt, strconv.Itoa(head.Attempts+1))
	if e.Secret != nil {
		req.Header.Set(HeaderSignature, Sign(e.Secret, head.Payload))
	}
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		// The url's query may hold a token: say what failed without it.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			return fmt.Errorf("post: %w", urlErr.Err)
		}
		return fmt.Errorf("post: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// redactURL is an endpoint for the log: without a query or user part,
// which may carry a token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
