package jitter

import (
	"math"
	"sync"
	"time"
)

// Timeline limits.
const (
	// An in-order packet starting more than this many frames before where
	// the previous one ended has not merely overlapped it: the sender's
	// timestamps jumped back.
	backJumpFrames = 4
	// This many in-order packets in a row that are entirely late mean the
	// timeline moved, not that a few packets were slow: re-anchor.
	lateRunRebase = 4
	// Transit differences beyond this are timeline changes, not jitter.
	maxTransitStep = 2.0 // seconds
)

// Buffer is an adaptive jitter buffer for one RTP audio stream. Create it
// with New; Push and ReadFrame may run concurrently, one goroutine each.
type Buffer struct {
	mu sync.Mutex
	p  params

	// ring holds audio by timeline position (pos & mask); a bit in have marks
	// a stored sample that has not been played yet.
	ring []int16
	have []uint64
	mask int64

	seq   seqTracker
	adapt adaptive
	drift driftEstimator
	conc  concealer
	live  liveStats

	// Timeline: timestamp ts sits at position refPos + int32(ts-refRaw).
	started   bool
	refRaw    uint32
	refPos    int64
	oldSeq    int64 // packets numbered below this belong to a timeline left behind
	lastEnd   int64 // where the newest (highest sequence) packet ended
	lastLen   int64
	newestEnd int64 // end of the furthest audio stored
	lateRun   int
	t0        time.Time // arrival clock origin for the jitter estimate
	transit   float64
	hasTrans  bool

	// Playout; see playout.go.
	pos         int64 // integer playout position (the start of a slip or skip in progress)
	res         int64 // positions below res are final (played or about to be) in ring
	base        int64 // ring history is valid from here
	holding     bool  // ran dry: concealing with the playout point standing still
	held        int64 // samples played while holding
	concealing  bool
	fadeLeft    int64 // samples left of a fade-in from concealment to real audio
	slip        slipState
	skip        skipState
	pendingSkip int64
	slipAcc     float64
	played      uint64
}

// New returns an empty buffer; it plays silence until the first packet has
// been buffered for the target delay.
func New(cfg Config) (*Buffer, error) {
	p, err := cfg.params()
	if err != nil {
		return nil, err
	}
	b := &Buffer{
		p:     p,
		ring:  make([]int16, p.ringSize),
		have:  make([]uint64, p.ringSize/64),
		mask:  p.ringSize - 1,
		adapt: newAdaptive(p),
		drift: newDriftEstimator(p.rate),
		conc:  newConcealer(p),
	}
	b.publish()
	return b, nil
}

// Push adds one decoded packet: seq is its RTP sequence number, ts its RTP
// timestamp (in ClockRate units), arrival when it arrived. The PCM is copied.
func (b *Buffer) Push(seq uint16, ts uint32, pcm []int16, arrival time.Time) {
	b.mu.Lock()
	b.push(seq, ts, pcm, arrival)
	b.publish()
	b.mu.Unlock()
}

func (b *Buffer) push(seq uint16, ts uint32, pcm []int16, arrival time.Time) {
	b.live.received.Add(1)
	ext, gap, verdict := b.seq.accept(seq)
	switch verdict {
	case seqDuplicate:
		b.live.duplicates.Add(1)
		return
	case seqDropped:
		b.live.late.Add(1)
		return
	case seqReordered:
		b.live.reordered.Add(1)
	}
	if ext < b.oldSeq || len(pcm) == 0 {
		if len(pcm) != 0 {
			b.live.late.Add(1)
		}
		return
	}
	// A packet longer than the window could never be stored whole; its
	// tail would only be refused later.
	if int64(len(pcm)) > b.p.maxAhead {
		pcm = pcm[:b.p.maxAhead]
	}
	n := int64(len(pcm))
	inOrder := verdict == seqNewest || verdict == seqRestart

	var pos int64
	fresh := false // the timeline was (re)anchored at this packet
	switch {
	case !b.started:
		pos, fresh = b.begin(ts, arrival), true
	case verdict == seqRestart:
		pos, fresh = b.rebase(ts, ext), true
	default:
		pos = b.refPos + int64(int32(ts-b.refRaw))
		if inOrder && b.discontinuous(pos, n, gap) {
			pos, fresh = b.rebase(ts, ext), true
		}
	}
	if inOrder && !fresh && pos+n <= b.res {
		// Entirely late although nothing newer has arrived: either the
		// sender's timestamps stepped back a little, or the timeline moved.
		if b.lateRun++; b.lateRun < lateRunRebase {
			b.live.late.Add(1)
			b.lastEnd, b.lastLen = pos+n, n
			return
		}
		pos, fresh = b.rebase(ts, ext), true
	}
	if inOrder {
		b.lateRun = 0
		b.lastEnd, b.lastLen = pos+n, n
		b.refRaw, b.refPos = ts, pos // keeps int32 deltas valid however long the call
	}
	b.observeTransit(pos, arrival, fresh)
	if b.holding && pos+n > b.pos {
		b.resume(pos)
	}
	start, end := max(pos, b.res), min(pos+n, b.pos+b.p.maxAhead)
	if start >= end {
		b.live.late.Add(1)
		switch {
		case start >= pos+n && b.res > pos:
			b.adapt.late(float64(b.res - pos))
		case inOrder:
			// Beyond the window (a burst after a stall): shed the excess at
			// the next read so what follows fits again.
			b.pendingSkip = max(b.pendingSkip, int64(float64(b.newestEnd)-b.playPosF()-b.adapt.target))
		}
		return
	}
	b.store(pcm[start-pos:end-pos], start)
	b.newestEnd = max(b.newestEnd, end)
	if !inOrder {
		return
	}
	h := float64(pos) - b.playPosF()
	b.adapt.packet(h, float64(n))
	if h > float64(b.p.hi+b.p.frame) {
		b.pendingSkip = int64(h - b.adapt.target)
	} else if e := b.adapt.excess(); e > 0 && !b.skip.active {
		// A burst (a peer that starts with its buffer full, or the end of a
		// stall) left far more than needed: shed it now.
		b.pendingSkip = max(b.pendingSkip, int64(e))
	}
	if b.played > 0 {
		tol := 2*max(b.adapt.read, b.adapt.frame) + 2*b.adapt.jitter + 0.005*b.adapt.rate
		b.drift.add(float64(b.played), float64(pos)-float64(b.played), tol)
	}
}

// begin anchors the timeline at the first packet, placed the target delay
// ahead of the playout point: until then the reader gets silence.
func (b *Buffer) begin(ts uint32, arrival time.Time) int64 {
	b.started = true
	b.t0 = arrival
	b.refRaw, b.refPos = ts, 0
	// Reads may have come first and shown a big chunk size.
	b.adapt.target = max(b.adapt.target, b.adapt.need())
	t := int64(b.adapt.target)
	b.pos, b.res, b.base, b.newestEnd = -t, -t, -t, -t
	b.concealing = true // so the first audio fades in from the silence
	return 0
}

// discontinuous reports whether an in-order packet at pos breaks the
// timeline: its timestamp went back by more than an overlap, or forward by
// more than the buffer could ever hold (while the reader is idle, resume
// handles that by moving the playout point instead). Smaller forward steps
// are losses or silence suppression.
func (b *Buffer) discontinuous(pos, n, gap int64) bool {
	expect := b.lastEnd + (gap-1)*b.lastLen
	if pos < expect-backJumpFrames*b.p.frame-n {
		return true
	}
	return !b.holding && pos-expect > b.p.maxAhead
}

// rebase re-anchors the timeline at a packet whose timestamp cannot be
// trusted relative to the old ones. It goes after the audio already buffered
// (so nothing buffered is lost) but at least the target delay ahead. The
// crossfade-length gap in between is concealed, so the old audio runs into
// the new through the usual fade rather than butting against it.
func (b *Buffer) rebase(ts uint32, ext int64) int64 {
	pos := max(b.newestEnd+b.p.xfade, b.res+int64(b.adapt.target))
	b.refRaw, b.refPos = ts, pos
	b.oldSeq = ext
	b.lateRun = 0
	b.drift.rebased()
	return pos
}

// resume ends an underrun when a packet starting at pos arrives. The time
// already concealed counts against any gap before pos (those packets were
// lost, and their slots have in effect been played); what remains is how late
// the reader's wait made it. A packet far ahead (after silence suppression)
// moves the playout point so it plays after the target delay.
func (b *Buffer) resume(pos int64) {
	gap := max(pos-b.pos, 0)
	credit := min(b.held, gap)
	to := b.pos + credit
	target := int64(b.adapt.target)
	snapped := pos-to > target
	if snapped {
		to = pos - target
	}
	late := b.held - credit
	b.moveTo(to)
	b.holding, b.held = false, 0
	b.adapt.resumed(float64(late), snapped, float64(pos-to))
}

// observeTransit updates the RFC 3550 jitter estimate.
func (b *Buffer) observeTransit(pos int64, arrival time.Time, fresh bool) {
	t := arrival.Sub(b.t0).Seconds()*b.adapt.rate - float64(pos)
	if b.hasTrans && !fresh {
		if d := t - b.transit; math.Abs(d) < maxTransitStep*b.adapt.rate {
			b.adapt.transit(d)
		}
	}
	b.transit, b.hasTrans = t, true
}

// store copies pcm to positions from start on and marks them present.
func (b *Buffer) store(pcm []int16, start int64) {
	i := start & b.mask
	n := copy(b.ring[i:], pcm)
	copy(b.ring, pcm[n:])
	for q, end := start, start+int64(len(pcm)); q < end; {
		i := q & b.mask
		if i&63 == 0 && end-q >= 64 {
			b.have[i>>6] = ^uint64(0)
			q += 64
			continue
		}
		b.have[i>>6] |= 1 << (i & 63)
		q++
	}
}

func (b *Buffer) unmark(q int64) {
	i := q & b.mask
	b.have[i>>6] &^= 1 << (i & 63)
}

// discard forgets anything stored in [from, to).
func (b *Buffer) discard(from, to int64) {
	if to-from >= b.p.ringSize {
		clear(b.have)
		return
	}
	for q := from; q < to; q++ {
		b.unmark(q)
	}
}
