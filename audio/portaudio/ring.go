package portaudio

import "sync/atomic"

// ring is a single-producer single-consumer sample queue between a capture
// stream's pump (which must never block) and ReadFrame.
// The counters only grow; each side owns one and reads the other's
// atomically, which also orders the sample copies.
type ring struct {
	buf     []int16
	written atomic.Uint64 // owned by the producer
	read    atomic.Uint64 // owned by the consumer
	dropped atomic.Uint64 // samples the producer had no room for
	// notify wakes a waiting consumer; one pending token is enough.
	notify chan struct{}
	// wanted is how many samples the consumer waits for: the producer
	// writes a period at a time, shorter than the consumer's frame, and
	// waking the consumer for half a frame costs a thread switch for nothing.
	wanted atomic.Int64
}

func newRing(size int) *ring {
	return &ring{buf: make([]int16, max(1, size)), notify: make(chan struct{}, 1)}
}

// write appends s, dropping what does not fit. The consumer keeps the fill
// low (it discards the oldest audio when too much piles up), so the ring
// only fills when nobody reads at all.
func (q *ring) write(s []int16) {
	w := q.written.Load()
	free := len(q.buf) - int(w-q.read.Load())
	if len(s) > free {
		q.dropped.Add(uint64(len(s) - free))
		s = s[:free]
	}
	start := int(w % uint64(len(q.buf)))
	n := copy(q.buf[start:], s)
	copy(q.buf, s[n:])
	q.written.Store(w + uint64(len(s)))
	if int64(q.available()) < q.wanted.Load() {
		return
	}
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// want sets how many samples must be available before write wakes the
// consumer. The consumer sets it before checking available and waiting, so
// a write in between still sees it (both are sequentially consistent).
func (q *ring) want(n int) { q.wanted.Store(int64(n)) }

// available is the number of samples ready for the consumer.
func (q *ring) available() int { return int(q.written.Load() - q.read.Load()) }

// readInto copies up to len(dst) samples and returns how many.
func (q *ring) readInto(dst []int16) int {
	r := q.read.Load()
	n := min(len(dst), int(q.written.Load()-r))
	start := int(r % uint64(len(q.buf)))
	c := copy(dst[:n], q.buf[start:])
	copy(dst[c:n], q.buf)
	q.read.Store(r + uint64(n))
	return n
}

// skip discards n samples (the oldest) on the consumer side.
func (q *ring) skip(n int) {
	q.read.Add(uint64(min(n, q.available())))
}
