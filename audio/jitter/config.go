package jitter

import (
	"fmt"
	"time"
)

// Config describes the PCM a Buffer carries and the bounds of its delay.
type Config struct {
	ClockRate    int           // samples per second of the PCM pushed (8000 for G.711, 48000 for Opus)
	FrameSamples int           // samples in one 20 ms frame at ClockRate (160 / 960)
	MinDelay     time.Duration // lower bound of the target delay; 0 = one frame. Never below one frame.
	MaxDelay     time.Duration // upper bound; 0 = DefaultMaxDelay (or MinDelay if that is larger)
}

// DefaultMaxDelay is the upper bound of the target delay when Config.MaxDelay is 0.
const DefaultMaxDelay = 300 * time.Millisecond

// Limits that keep a mistyped configuration from allocating absurd rings.
const (
	maxClockRate = 384000
	maxDelayCap  = 10 * time.Second
)

// Fixed time constants of the algorithm, in milliseconds of audio.
const (
	crossfadeMS = 5  // fade-in after concealment and overflow skips
	historyMS   = 25 // concealment looks this far back (pitch search window + longest period)
)

// params is a validated Config in samples.
type params struct {
	rate     int
	frame    int64
	lo, hi   int64 // bounds of the target headroom
	xfade    int64
	history  int64
	maxAhead int64 // audio may be stored at most this far past the playout point
	ringSize int64 // power of two holding maxAhead plus history
}

func (c Config) params() (params, error) {
	switch {
	case c.ClockRate <= 0:
		return params{}, fmt.Errorf("jitter: ClockRate must be positive, got %d", c.ClockRate)
	case c.ClockRate > maxClockRate:
		return params{}, fmt.Errorf("jitter: ClockRate %d Hz is above the supported %d Hz", c.ClockRate, maxClockRate)
	case c.FrameSamples <= 0:
		return params{}, fmt.Errorf("jitter: FrameSamples must be positive, got %d", c.FrameSamples)
	case c.FrameSamples > c.ClockRate:
		return params{}, fmt.Errorf("jitter: FrameSamples %d is longer than one second at %d Hz", c.FrameSamples, c.ClockRate)
	case c.MinDelay < 0:
		return params{}, fmt.Errorf("jitter: MinDelay must not be negative, got %v", c.MinDelay)
	case c.MaxDelay < 0:
		return params{}, fmt.Errorf("jitter: MaxDelay must not be negative, got %v", c.MaxDelay)
	case c.MinDelay > maxDelayCap || c.MaxDelay > maxDelayCap:
		return params{}, fmt.Errorf("jitter: delays above %v are not supported (MinDelay %v, MaxDelay %v)", maxDelayCap, c.MinDelay, c.MaxDelay)
	case c.MaxDelay != 0 && c.MinDelay > c.MaxDelay:
		return params{}, fmt.Errorf("jitter: MinDelay %v is greater than MaxDelay %v", c.MinDelay, c.MaxDelay)
	}
	p := params{rate: c.ClockRate, frame: int64(c.FrameSamples)}
	samples := func(d time.Duration) int64 { return int64(d) * int64(c.ClockRate) / int64(time.Second) }
	maxDelay := c.MaxDelay
	if maxDelay == 0 {
		maxDelay = max(DefaultMaxDelay, c.MinDelay)
	}
	// The target can never be below one frame: packets come a frame at a time,
	// so less headroom would starve the reader between arrivals. A MaxDelay
	// below one frame (configs allow 10 ms) is raised rather than rejected.
	p.lo = max(samples(c.MinDelay), p.frame)
	p.hi = max(samples(maxDelay), p.lo)
	p.xfade = max(int64(c.ClockRate*crossfadeMS/1000), 4)
	p.history = max(int64(c.ClockRate*historyMS/1000), 8)
	// Room for a burst of twice the largest delay plus a few long packets
	// before anything has to be refused.
	p.maxAhead = 2*p.hi + 8*p.frame
	p.ringSize = 64
	for p.ringSize < p.maxAhead+p.history+64 {
		p.ringSize *= 2
	}
	return p, nil
}

// dur converts samples to a duration.
func (p params) dur(samples float64) time.Duration {
	return time.Duration(samples * float64(time.Second) / float64(p.rate))
}
