package jitter

// Sequence-number bookkeeping after RFC 3550 appendix A.1: numbers are
// extended to 64 bits relative to the highest seen, so wrap-around at 65535
// is invisible, and a jump too big to be loss or reordering is accepted only
// when the next packet confirms it (a restarted or replaced sender).
const (
	seqWindow  = 1024 // duplicates are recognised this far back (20 s of 20 ms packets)
	maxDropout = 3000 // a forward jump bigger than this is a restart candidate
)

type seqVerdict uint8

const (
	seqNewest    seqVerdict = iota // higher than anything seen: in order
	seqReordered                   // lower than the highest seen, first time
	seqDuplicate                   // seen before
	seqDropped                     // too old to judge, or an unconfirmed jump
	seqRestart                     // a confirmed jump: a new sequence space
)

type seqTracker struct {
	started  bool
	max      int64 // highest extended sequence number
	base     int64 // lowest extended number of the current sequence space
	uniq     uint64
	lostPrev uint64 // losses of earlier sequence spaces
	probe    int32  // the number that would confirm a jump, or -1
	seen     [seqWindow]int64
}

// accept classifies seq and returns its extended number and, for in-order
// packets, how far it is past the previous highest (1 = no loss).
func (t *seqTracker) accept(seq uint16) (ext, gap int64, v seqVerdict) {
	if !t.started {
		t.started = true
		t.max, t.base, t.uniq, t.probe = int64(seq), int64(seq), 1, -1
		t.mark(t.max)
		return t.max, 1, seqNewest
	}
	delta := int64(int16(seq - uint16(t.max)))
	if delta > maxDropout || delta <= -seqWindow {
		if t.probe >= 0 && uint16(t.probe) == seq {
			// Numbering carries on upwards so anything from the old space
			// compares lower than the new one.
			ext = t.max + int64(seq-uint16(t.max))
			t.lostPrev += t.lostNow()
			t.max, t.base, t.uniq, t.probe = ext, ext, 1, -1
			t.mark(ext)
			return ext, 1, seqRestart
		}
		t.probe = int32(seq + 1)
		return 0, 0, seqDropped
	}
	t.probe = -1
	ext = t.max + delta
	if delta <= 0 {
		if t.seen[ext&(seqWindow-1)] == ext+1 {
			return ext, 0, seqDuplicate
		}
		t.mark(ext)
		t.uniq++
		t.base = min(t.base, ext) // a straggler from before the first packet widens the range
		return ext, 0, seqReordered
	}
	t.max = ext
	t.mark(ext)
	t.uniq++
	return ext, delta, seqNewest
}

func (t *seqTracker) mark(ext int64) { t.seen[ext&(seqWindow-1)] = ext + 1 }

func (t *seqTracker) lostNow() uint64 {
	if !t.started {
		return 0
	}
	expected := uint64(t.max - t.base + 1)
	if expected <= t.uniq {
		return 0
	}
	return expected - t.uniq
}

// lost is RFC 3550's cumulative number of packets lost: expected minus
// received, so a late packet counts as received, not lost.
func (t *seqTracker) lost() uint64 { return t.lostPrev + t.lostNow() }
