package phone

import (
	"container/list"
	"sync"
	"time"
)

// sourceLimiter gives every source address its own token bucket, with a
// bounded table: a flood from many addresses (spoofed UDP sources are
// free) must not grow memory without end. When the table is full the
// source seen least recently is forgotten; it comes back with a full
// bucket, which costs at most one burst.
type sourceLimiter struct {
	perSecond float64 // refill rate; 0 = no limit
	burst     float64

	mu      sync.Mutex
	max     int
	entries map[string]*list.Element // source → element of recent
	recent  *list.List               // *sourceBucket, most recently seen first
}

// sourceBucket is one source's tokens and what was refused since the last
// report about it.
type sourceBucket struct {
	source  string
	tokens  float64
	updated time.Time
	// Refusals not yet reported, and when the last report went out.
	refused    int
	reportedAt time.Time
}

// maxTrackedSources bounds each limiter's table: about 150 bytes an entry.
const maxTrackedSources = 4096

func newSourceLimiter(perSecond float64, burst, maxSources int) *sourceLimiter {
	if burst < 1 {
		burst = 1
	}
	if maxSources < 1 {
		maxSources = 1
	}
	return &sourceLimiter{perSecond: perSecond, burst: float64(burst), max: maxSources,
		entries: map[string]*list.Element{}, recent: list.New()}
}

// limitDecision is the outcome of one request.
type limitDecision struct {
	allowed bool
	// retryAfter: when the source will have a token again (refused only).
	retryAfter time.Duration
	// report: publish a notice now, covering refused requests (report > 0).
	report int
}

// allow takes a token from source's bucket. A refused request is counted
// and reported at most once per reportEvery per source, so a flood yields a
// handful of notices, not one per packet.
func (l *sourceLimiter) allow(source string, now time.Time, reportEvery time.Duration) limitDecision {
	if l == nil || l.perSecond <= 0 {
		return limitDecision{allowed: true}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(source, now)
	b.tokens = min(l.burst, b.tokens+now.Sub(b.updated).Seconds()*l.perSecond)
	b.updated = now
	if b.tokens >= 1 {
		b.tokens--
		return limitDecision{allowed: true}
	}
	return limitDecision{
		retryAfter: time.Duration((1 - b.tokens) / l.perSecond * float64(time.Second)),
		report:     b.countRefusal(now, reportEvery),
	}
}

// refuse counts a request refused for another reason than its rate (a
// call not from the registrar) and tells how many to report now, paced like
// the rate-limit notices.
func (l *sourceLimiter) refuse(source string, now time.Time, reportEvery time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(source, now).countRefusal(now, reportEvery)
}

// countRefusal adds one refusal; the first one and then at most one per
// reportEvery are reported, with everything refused since the last report.
func (b *sourceBucket) countRefusal(now time.Time, reportEvery time.Duration) int {
	b.refused++
	if !b.reportedAt.IsZero() && now.Sub(b.reportedAt) < reportEvery {
		return 0
	}
	n := b.refused
	b.refused, b.reportedAt = 0, now
	return n
}

// bucket finds or makes source's bucket and marks it most recently seen.
func (l *sourceLimiter) bucket(source string, now time.Time) *sourceBucket {
	if e, ok := l.entries[source]; ok {
		l.recent.MoveToFront(e)
		return e.Value.(*sourceBucket)
	}
	for l.recent.Len() >= l.max {
		oldest := l.recent.Back()
		delete(l.entries, oldest.Value.(*sourceBucket).source)
		l.recent.Remove(oldest)
	}
	b := &sourceBucket{source: source, tokens: l.burst, updated: now}
	l.entries[source] = l.recent.PushFront(b)
	return b
}

// tracked is the number of sources in the table (tests).
func (l *sourceLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recent.Len()
}
