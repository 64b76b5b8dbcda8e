package jitter

import "math"

// Tuning of the delay adaptation. Times are in seconds of audio.
const (
	// jitterFactor x the RFC 3550 jitter is the headroom kept beyond one
	// frame. For uniform or Gaussian delay variation J is about a third of
	// the spread, so 2.5 J covers nearly all of it.
	jitterFactor = 2.5
	// Growth is immediate; shrinking follows the need with this time
	// constant, so one quiet second after a bad spell does not invite the
	// next spike to be late.
	shrinkTau = 8.0
	// headTau smooths the measured headroom; correctTau is how long the
	// controller takes to remove an error (P control, damping ~0.7 with
	// headTau). Together they make corrections gentle rather than hunting.
	headTau    = 0.5
	correctTau = 1.0
	// maxSlipRate bounds the speed change of sample slips. Half a percent
	// (under 9 cents) is inaudible even on a pure tone; larger excesses are
	// shed by pitch-synchronous skips instead (see Buffer.startSkip), which
	// shorten the audio without changing its pitch.
	maxSlipRate = 0.005
	// skipExcessFrames: headroom this many frames above the target is shed
	// at once by a skip rather than slowly by slipping.
	skipExcessFrames = 1.0
	// A slip spreads one sample of time over this many output samples.
	minSlipLen = 20
	maxSlipLen = 400
	// Errors below the dead band (at least 2 ms, more under jitter, where the
	// headroom estimate is noisier) are left alone.
	deadbandMin = 0.002
	// readTau: how slowly the remembered reader chunk size forgets a big read.
	readTau = 10.0
	// maxFeedForward caps the drift estimate applied blindly.
	maxFeedForward = 0.005
)

// adaptive holds the delay target and the playout-rate controller. All
// quantities are in samples.
type adaptive struct {
	rate, frame, lo, hi float64
	jitter              float64 // RFC 3550 interarrival jitter
	target              float64 // desired headroom of an arriving packet
	head                float64 // smoothed measured headroom
	haveHead            bool
	read                float64 // reader chunk size, remembered for a while
	correcting          bool    // outside the dead band (with hysteresis)
}

func newAdaptive(p params) adaptive {
	return adaptive{
		rate: float64(p.rate), frame: float64(p.frame), lo: float64(p.lo), hi: float64(p.hi),
		target: float64(p.lo), read: float64(p.frame),
	}
}

// need is the headroom the current conditions call for. A reader that pulls
// big chunks needs a chunk's worth buffered at each pull, whatever the jitter.
func (a *adaptive) need() float64 {
	n := max(a.frame, a.read) + jitterFactor*a.jitter
	return min(max(n, a.lo), a.hi)
}

// transit feeds one RFC 3550 transit-time difference (|D(i-1,i)|).
func (a *adaptive) transit(d float64) {
	a.jitter += (math.Abs(d) - a.jitter) / 16
}

// packet records the headroom h of an in-order packet of n samples.
func (a *adaptive) packet(h, n float64) {
	if need := a.need(); need >= a.target {
		a.target = need
	} else {
		a.target -= (a.target - need) * min(1, n/(shrinkTau*a.rate))
	}
	if !a.haveHead {
		a.head, a.haveHead = h, true
		return
	}
	a.head += (h - a.head) * min(1, n/(headTau*a.rate))
}

// late records that audio arrived late samples after its play time: the
// headroom has to grow by that much for the next such packet to make it.
func (a *adaptive) late(late float64) {
	if a.haveHead {
		a.target = max(a.target, min(a.head+late, a.hi))
	}
}

// resumed records the end of an underrun. The reader waited late samples
// longer than the gap required, which shifted the timeline: later packets
// will find that much more headroom. snapped means the playout point was
// placed to give this packet exactly head samples of headroom.
func (a *adaptive) resumed(late float64, snapped bool, head float64) {
	if late > 0 {
		a.late(late)
		a.head += late
	}
	if snapped || !a.haveHead {
		a.head, a.haveHead = head, true
	}
}

// excess is how many samples of headroom a skip should shed now, or 0 when
// the error is small enough to be slipped away.
func (a *adaptive) excess() float64 {
	if !a.haveHead {
		return 0
	}
	e := a.head - a.target
	if e <= skipExcessFrames*a.frame+max(deadbandMin*a.rate, a.jitter/2) {
		return 0
	}
	return e
}

// skipped records that playout jumped by samples: every packet to come has
// that much less headroom.
func (a *adaptive) skipped(samples float64) { a.head -= samples }

// noteRead remembers the reader's chunk size.
func (a *adaptive) noteRead(n int) {
	f := float64(n)
	if f > a.read {
		a.read = f
		return
	}
	a.read -= (a.read - f) * min(1, f/(readTau*a.rate))
}

// slipRate is the playout speed correction wanted: positive plays faster
// (drops time), negative slower. ff is the measured drift, fed forward.
func (a *adaptive) slipRate(ff float64) float64 {
	r := max(-maxFeedForward, min(ff, maxFeedForward))
	if !a.haveHead {
		return r
	}
	e := a.head - a.target
	dead := max(deadbandMin*a.rate, a.jitter/2)
	switch {
	case a.correcting && math.Abs(e) < dead/2:
		a.correcting = false
	case !a.correcting && math.Abs(e) > dead:
		a.correcting = true
	}
	if a.correcting {
		r += e / (correctTau * a.rate)
	}
	return max(-maxSlipRate, min(r, maxSlipRate))
}
