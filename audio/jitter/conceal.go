package jitter

import "math"

// Concealment timing. Repeating one pitch period sounds natural for a few
// tens of milliseconds and buzzy after that, so the level holds for 10 ms and
// then ramps linearly to silence at 60 ms (three 20 ms frames); G.711
// appendix I uses the same shape.
const (
	concealFullMS = 10
	concealEndMS  = 60
	pitchMinMS    = 2.5 // 400 Hz: the highest voice pitch worth tracking
	pitchMaxMS    = 15  // 66 Hz: the lowest
	pitchWinMS    = 5   // the stretch matched against one period earlier
)

// concealer synthesises audio for a gap by repeating the last pitch period
// of what was played before it. The period is found to a fraction of a sample
// and read back with cubic interpolation, so a periodic sound continues
// without a seam even when its period is not a whole number of samples.
type concealer struct {
	minLag, maxLag, win int
	step                int // coarse pitch-search step: the search runs at about 8 kHz
	full, end           int64
	hist                []int16 // the history handed to start (a prefix of the scratch buffer)
	period              float64
	p                   float64 // read position in hist
	n                   int64   // samples produced since start
	active              bool
	count               uint64 // samples produced with a non-zero level
}

func newConcealer(p params) concealer {
	ms := func(v float64) int { return max(int(v*float64(p.rate)/1000), 1) }
	c := concealer{
		minLag: max(ms(pitchMinMS), 3), maxLag: max(ms(pitchMaxMS), 4), win: ms(pitchWinMS),
		step: max(p.rate/8000, 1),
		full: int64(ms(concealFullMS)), end: int64(ms(concealEndMS)),
	}
	c.hist = make([]int16, c.maxLag+c.win+3)
	return c
}

// scratch is where the caller copies history before start; len(scratch) is
// the most that is useful.
func (c *concealer) scratch() []int16 { return c.hist[:cap(c.hist)] }

// start begins a concealment from h (a prefix of scratch), the most recent
// output last. Too little history (the start of a call) conceals with silence.
func (c *concealer) start(h []int16) {
	c.n, c.active = 0, false
	if len(h) < c.minLag+c.win+3 {
		return
	}
	c.hist = h
	c.period = c.pitch(h)
	c.p = float64(len(h)) - c.period
	c.active = true
}

// pitch finds the lag whose preceding stretch best matches the last win
// samples (normalised cross-correlation). Repeating from len(h)-lag then
// continues the waveform where it would naturally go; for a periodic signal
// any whole number of periods qualifies. A coarse search at about 8 kHz is
// refined around its winner at the full rate, then to a fraction of a sample
// by fitting a parabola through the peak.
func (c *concealer) pitch(h []int16) float64 {
	maxLag := min(c.maxLag, len(h)-c.win-3)
	best, bestScore := maxLag, math.Inf(-1)
	search := func(from, to, step int) {
		for lag := max(from, c.minLag); lag <= min(to, maxLag); lag += step {
			if s := c.score(h, lag, step); s > bestScore {
				best, bestScore = lag, s
			}
		}
	}
	search(c.minLag, maxLag, c.step)
	if c.step > 1 {
		bestScore = math.Inf(-1)
		centre := best
		search(centre-c.step, centre+c.step, 1)
	}
	if best <= c.minLag || best >= maxLag {
		return float64(best)
	}
	l, m, r := c.score(h, best-1, 1), c.score(h, best, 1), c.score(h, best+1, 1)
	if den := l - 2*m + r; den < 0 {
		return float64(best) + max(-0.5, min(0.5*(l-r)/den, 0.5))
	}
	return float64(best)
}

func (c *concealer) score(h []int16, lag, step int) float64 {
	n := len(h)
	tmpl, cand := h[n-c.win:], h[n-c.win-lag:n-lag]
	var xy, yy float64
	for i := 0; i < c.win; i += step {
		y := float64(cand[i])
		xy += float64(tmpl[i]) * y
		yy += y * y
	}
	return xy / math.Sqrt(yy+1)
}

// next returns the next concealed sample. counted says whether it is played
// as concealment (true) or only mixed under a fade-in (false).
func (c *concealer) next(counted bool) int16 {
	if !c.active {
		return 0
	}
	var g float64
	switch {
	case c.n < c.full:
		g = 1
	case c.n < c.end:
		g = float64(c.end-c.n) / float64(c.end-c.full)
	default:
		c.active = false // faded out: silence from here on costs nothing
		return 0
	}
	s := c.at(c.p) * g
	// Wrap a period back before the interpolation would need samples past
	// the end of the history: a period ending two samples early is as good.
	if c.p++; c.p >= float64(len(c.hist)-2) {
		c.p -= c.period
	}
	c.n++
	if counted {
		c.count++
	}
	return clamp16(s)
}

// at reads the history at a fractional position (Catmull-Rom).
func (c *concealer) at(p float64) float64 {
	i := int(p)
	t := p - float64(i)
	h := c.hist
	y0, y1, y2, y3 := float64(h[i-1]), float64(h[i]), float64(h[i+1]), float64(h[i+2])
	return y1 + 0.5*t*(y2-y0+t*(2*y0-5*y1+4*y2-y3+t*(3*(y1-y2)+y3-y0)))
}

// stop ends the concealment once real audio has taken over.
func (c *concealer) stop() { c.active = false }
