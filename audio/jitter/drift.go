package jitter

import "math"

// Drift estimation. Each in-order packet gives a point x = samples played so
// far (the playout clock), y = its timeline position minus x. If the sender's
// clock runs fast relative to the sound card, y grows: the slope of y over x
// is the drift.
//
// Network delay only ever adds to y's scatter in one direction (a delayed
// packet finds more samples played), and its mean changes whenever the
// jitter does, which would read as drift. Its floor does not, so each block
// of driftBlock seconds contributes one point: its largest y, the packet that
// came fastest (the same minimum filter NTP uses). A least-squares fit over
// those points forgets with a time constant of a few minutes — long enough to
// average the reader's chunking, whose sawtooth has a period of chunk/drift
// (100 s for 20 ms chunks at 200 ppm).
const (
	driftBlock   = 2.0   // seconds of playout per point
	driftTau     = 150.0 // seconds of playout
	driftMinSpan = 20.0  // seconds of data before the estimate is reported
	driftMaxSE   = 20e-6 // and its standard error below 20 ppm or a fifth of the estimate
	// A block further off the fitted line than the tolerance is a delay
	// spike and ignored; this many in a row on the same side are a step (a
	// network path change) and the fit is shifted to follow it.
	driftStepRun = 3
)

type driftEstimator struct {
	block, tau, minSpan float64 // in samples
	// The block being collected.
	bx, by, bStart float64
	bn             int
	// Exponentially weighted sums over block points, x measured from x0 (the
	// latest point) so they stay small however long the call.
	sw, sx, sy, sxx, sxy, syy float64
	x0, span                  float64
	n                         int
	resync                    bool // the timeline was re-anchored: the next block starts a new level
	run                       int
	runSign                   float64
	slope                     float64 // last confident estimate
	valid                     bool
}

func newDriftEstimator(rate int) driftEstimator {
	r := float64(rate)
	return driftEstimator{block: driftBlock * r, tau: driftTau * r, minSpan: driftMinSpan * r}
}

// add feeds one packet; tol is how far off the line a block may be before it
// counts as an outlier.
func (d *driftEstimator) add(x, y, tol float64) {
	if d.bn > 0 && x-d.bStart >= d.block {
		d.addPoint(d.bx, d.by, tol)
		d.bn = 0
	}
	if d.bn == 0 {
		d.bStart = x
	}
	if d.bn == 0 || y > d.by {
		d.bx, d.by = x, y
	}
	d.bn++
}

// rebased says the timeline moved under the estimator: positions before and
// after are not comparable, so the block in progress is dropped and the next
// one only sets the new level.
func (d *driftEstimator) rebased() {
	d.bn = 0
	d.resync = true
}

func (d *driftEstimator) addPoint(x, y, tol float64) {
	if d.n == 0 {
		d.sw, d.sx, d.sy, d.sxx, d.sxy, d.syy = 1, 0, y, 0, 0, y*y
		d.x0, d.n, d.resync = x, 1, false
		return
	}
	dx := max(x-d.x0, 0)
	if slope, icpt, _, ok := d.fit(); ok {
		r := y - (icpt + slope*dx)
		switch {
		case d.resync:
			d.shift(r)
		case math.Abs(r) > tol:
			if s := math.Copysign(1, r); s == d.runSign {
				d.run++
			} else {
				d.run, d.runSign = 1, s
			}
			if d.run < driftStepRun {
				return
			}
			d.shift(r)
			d.run = 0
		default:
			d.run = 0
		}
	} else if d.resync {
		d.shift(y - d.sy/d.sw)
	}
	d.resync = false
	// Forget, move the origin to x, then add the point at x = 0.
	f := math.Exp(-dx / d.tau)
	d.sw, d.sx, d.sy, d.sxx, d.sxy, d.syy = d.sw*f, d.sx*f, d.sy*f, d.sxx*f, d.sxy*f, d.syy*f
	d.sxx += dx*dx*d.sw - 2*dx*d.sx
	d.sxy -= dx * d.sy
	d.sx -= dx * d.sw
	d.sw++
	d.sy += y
	d.syy += y * y
	d.x0 = x
	d.span += dx
	d.n++
	if slope, _, se, ok := d.fit(); ok && d.span >= d.minSpan && se <= max(driftMaxSE, math.Abs(slope)/5) {
		d.slope, d.valid = slope, true
	}
}

// shift moves every past point by r, keeping the slope: after a step in
// the timeline only the level changed, not the clocks.
func (d *driftEstimator) shift(r float64) {
	d.syy += 2*r*d.sy + r*r*d.sw
	d.sy += r * d.sw
	d.sxy += r * d.sx
}

// fit returns the weighted least-squares slope, the intercept at x0 and the
// slope's standard error.
func (d *driftEstimator) fit() (slope, icpt, se float64, ok bool) {
	cxx := d.sxx - d.sx*d.sx/d.sw
	if d.n < 3 || cxx <= 1e-9 {
		return 0, 0, 0, false
	}
	cxy := d.sxy - d.sx*d.sy/d.sw
	cyy := d.syy - d.sy*d.sy/d.sw
	slope = cxy / cxx
	rss := max(cyy-slope*cxy, 0)
	se = math.Sqrt(rss / max(d.sw-2, 1) / cxx)
	return slope, (d.sy - slope*d.sx) / d.sw, se, true
}

// ratio is the measured drift as a fraction (1e-6 = 1 ppm): the latest
// estimate that was confident, or 0 before there is one.
func (d *driftEstimator) ratio() float64 {
	if !d.valid {
		return 0
	}
	return d.slope
}
