package audio

import (
	"math"
	"sync/atomic"
)

// MutableSource wraps a Source with a mute switch that the UI flips while the
// send loop reads. Muted, it still reads its source — so a sound card's buffer
// keeps draining and the unmute is instant — but yields silence. Sending goes
// on either way: RTP keeps flowing, the far end hears silence, not a dead line.
type MutableSource struct {
	src   Source
	muted atomic.Bool
}

// NewMutableSource wraps src; nil means silence.
func NewMutableSource(src Source) *MutableSource {
	if src == nil {
		src = NewSilenceSource()
	}
	return &MutableSource{src: src}
}

// Paced forwards the wrapped source's pacing (see IsPaced).
func (m *MutableSource) Paced() bool { return IsPaced(m.src) }

// SetMuted switches mute on or off; safe from any goroutine.
func (m *MutableSource) SetMuted(muted bool) { m.muted.Store(muted) }

// IsMuted reports the switch.
func (m *MutableSource) IsMuted() bool { return m.muted.Load() }

// ReadFrame reads the source and silences the frame when muted.
func (m *MutableSource) ReadFrame(frame []int16) error {
	err := m.src.ReadFrame(frame)
	if m.muted.Load() {
		clear(frame)
	}
	return err
}

// gainFactor turns decibels into a linear factor.
func gainFactor(db float64) float64 { return math.Pow(10, db/20) }

// applyGain scales frame in place, saturating instead of wrapping around.
func applyGain(frame []int16, factor float64) {
	for i, s := range frame {
		frame[i] = floatToInt16(float64(s) * factor)
	}
}

type gainSource struct {
	src    Source
	factor float64
}

// NewGainSource amplifies (positive dB) or attenuates src. 0 dB returns src.
func NewGainSource(src Source, db float64) Source {
	if db == 0 {
		return src
	}
	return gainSource{src, gainFactor(db)}
}

// Paced forwards the wrapped source's pacing (see IsPaced).
func (g gainSource) Paced() bool { return IsPaced(g.src) }

func (g gainSource) ReadFrame(frame []int16) error {
	err := g.src.ReadFrame(frame)
	applyGain(frame, g.factor)
	return err
}

type gainSink struct {
	sink   Sink
	factor float64
	buf    []int16
}

// NewGainSink applies db to everything written to sink. 0 dB returns sink.
// The caller's frame is not modified. Meant for one writing goroutine.
func NewGainSink(sink Sink, db float64) Sink {
	if db == 0 {
		return sink
	}
	return &gainSink{sink: sink, factor: gainFactor(db)}
}

func (g *gainSink) WriteFrame(frame []int16) error {
	g.buf = append(g.buf[:0], frame...)
	applyGain(g.buf, g.factor)
	return g.sink.WriteFrame(g.buf)
}
