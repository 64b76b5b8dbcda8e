package jitter

import (
	"encoding/json"
	"math"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a Buffer. In JSON the durations are milliseconds
// (depth_ms, target_ms, jitter_ms) so scripts need not know Go's units.
type Stats struct {
	Depth      time.Duration `json:"depth_ms"`   // audio buffered now
	Target     time.Duration `json:"target_ms"`  // current adaptive target delay
	Jitter     time.Duration `json:"jitter_ms"`  // RFC 3550 interarrival jitter estimate
	Received   uint64        `json:"received"`   // packets pushed, duplicates and late ones included
	Late       uint64        `json:"late"`       // dropped: arrived after their play time (or could not be placed)
	Lost       uint64        `json:"lost"`       // RFC 3550 cumulative loss: expected minus received
	Concealed  uint64        `json:"concealed"`  // frames (FrameSamples each) synthesised by concealment
	Duplicates uint64        `json:"duplicates"` // dropped: same sequence number seen before
	Reordered  uint64        `json:"reordered"`  // arrived after a higher sequence number
	// DriftPPM is how much faster the sender's clock runs than the playout
	// clock, in parts per million (positive: audio arrives faster than it is
	// played, so the buffer drops time). 0 until the estimate is confident,
	// which takes at least 20 s of playout.
	DriftPPM float64 `json:"drift_ppm"`
}

// statsJSON is the wire form of Stats.
type statsJSON struct {
	DepthMS    float64 `json:"depth_ms"`
	TargetMS   float64 `json:"target_ms"`
	JitterMS   float64 `json:"jitter_ms"`
	Received   uint64  `json:"received"`
	Late       uint64  `json:"late"`
	Lost       uint64  `json:"lost"`
	Concealed  uint64  `json:"concealed"`
	Duplicates uint64  `json:"duplicates"`
	Reordered  uint64  `json:"reordered"`
	DriftPPM   float64 `json:"drift_ppm"`
}

// MarshalJSON writes durations as milliseconds (to 0.001 ms).
func (s Stats) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(statsJSON{
		DepthMS: ms(s.Depth), TargetMS: ms(s.Target), JitterMS: ms(s.Jitter),
		Received: s.Received, Late: s.Late, Lost: s.Lost, Concealed: s.Concealed,
		Duplicates: s.Duplicates, Reordered: s.Reordered,
		DriftPPM: math.Round(s.DriftPPM*10) / 10,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Stats) UnmarshalJSON(b []byte) error {
	var w statsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d := func(ms float64) time.Duration { return time.Duration(math.Round(ms * 1e6)) }
	*s = Stats{
		Depth: d(w.DepthMS), Target: d(w.TargetMS), Jitter: d(w.JitterMS),
		Received: w.Received, Late: w.Late, Lost: w.Lost, Concealed: w.Concealed,
		Duplicates: w.Duplicates, Reordered: w.Reordered, DriftPPM: w.DriftPPM,
	}
	return nil
}

// liveStats is what Stats reads: written under the buffer's mutex, read
// without it, so a UI polling Stats never delays the audio path. Fields are
// individually atomic; a snapshot may mix values from consecutive updates.
type liveStats struct {
	depth, target, jitter                 atomic.Int64
	received, late, duplicates, reordered atomic.Uint64
	lost, concealed                       atomic.Uint64
	drift                                 atomic.Uint64 // float64 bits
}

// Stats returns a snapshot; safe from any goroutine at any time.
func (b *Buffer) Stats() Stats {
	s := &b.live
	return Stats{
		Depth: time.Duration(s.depth.Load()), Target: time.Duration(s.target.Load()),
		Jitter:   time.Duration(s.jitter.Load()),
		Received: s.received.Load(), Late: s.late.Load(), Lost: s.lost.Load(),
		Concealed: s.concealed.Load(), Duplicates: s.duplicates.Load(),
		Reordered: s.reordered.Load(), DriftPPM: math.Float64frombits(s.drift.Load()),
	}
}

// publish refreshes the derived figures; called with the mutex held at the
// end of every Push and ReadFrame.
func (b *Buffer) publish() {
	s := &b.live
	var depth int64
	if b.started && !b.holding {
		depth = max(b.newestEnd-b.playPos(), 0)
	}
	s.depth.Store(int64(b.p.dur(float64(depth))))
	s.target.Store(int64(b.p.dur(b.adapt.target)))
	s.jitter.Store(int64(b.p.dur(b.adapt.jitter)))
	s.lost.Store(b.seq.lost())
	s.concealed.Store(b.conc.count / uint64(b.p.frame))
	s.drift.Store(math.Float64bits(b.drift.ratio() * 1e6))
}
