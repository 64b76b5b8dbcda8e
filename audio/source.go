package audio

import (
	"math"
	"slices"
	"sync"
)

// Source yields 20 ms frames of mono PCM at the codec rate. ReadFrame fills
// all of frame. Sources never end a call: once a file is exhausted they keep
// yielding silence, so io.EOF is never returned by the sources here.
type Source interface {
	ReadFrame(frame []int16) error
}

// Paced is implemented by sources whose ReadFrame waits for a clock of their
// own, such as a sound card's capture. Whoever reads one in real time needs
// no timer of its own: a second wake-up per frame costs a softphone more CPU
// than all its audio processing. Wrappers forward it.
type Paced interface {
	Paced() bool
}

// IsPaced reports whether src paces itself (see Paced).
func IsPaced(src Source) bool {
	p, ok := src.(Paced)
	return ok && p.Paced()
}

// Sink consumes frames of mono PCM at the codec rate.
type Sink interface {
	WriteFrame(frame []int16) error
}

// ClipSource plays a clip, resampled once to the call rate at construction.
// It is meant for one reading goroutine, like the call's send loop.
type ClipSource struct {
	samples []int16
	pos     int
	loop    bool
}

// NewClipSource plays c once at rate and then yields silence. A nil clip
// behaves like NewSilenceSource.
func NewClipSource(c *Clip, rate int) Source {
	return newClipSource(c, rate, false)
}

// NewLoopingClipSource plays c at rate over and over.
func NewLoopingClipSource(c *Clip, rate int) Source {
	return newClipSource(c, rate, true)
}

func newClipSource(c *Clip, rate int, loop bool) *ClipSource {
	if c == nil || c.Rate <= 0 || rate <= 0 {
		return &ClipSource{}
	}
	return &ClipSource{samples: Resample(c.Samples, c.Rate, rate), loop: loop}
}

// ReadFrame copies the next len(frame) samples, padding with silence after
// the end (or wrapping around when looping).
func (s *ClipSource) ReadFrame(frame []int16) error {
	filled := 0
	for filled < len(frame) {
		if s.pos >= len(s.samples) {
			if !s.loop || len(s.samples) == 0 {
				clear(frame[filled:])
				return nil
			}
			s.pos = 0
		}
		n := copy(frame[filled:], s.samples[s.pos:])
		s.pos += n
		filled += n
	}
	return nil
}

// Done reports whether a non-looping clip has been played completely.
func (s *ClipSource) Done() bool { return !s.loop && s.pos >= len(s.samples) }

// ToneSource generates an endless sine; handy as a test signal in calls.
type ToneSource struct {
	phase, step, peak float64
}

// NewToneSource generates freq Hz at rate with a peak of amplitude times
// full scale. The phase runs on across frames, so the tone is seamless.
func NewToneSource(freq float64, rate int, amplitude float64) *ToneSource {
	step := 0.0
	if rate > 0 {
		step = 2 * math.Pi * freq / float64(rate)
	}
	return &ToneSource{step: step, peak: max(0, min(1, amplitude)) * 32767}
}

// ReadFrame fills frame with the next stretch of the tone.
func (t *ToneSource) ReadFrame(frame []int16) error {
	for i := range frame {
		frame[i] = floatToInt16(t.peak * math.Sin(t.phase))
		// Wrap the phase so precision does not decay over hour-long calls.
		t.phase = math.Mod(t.phase+t.step, 2*math.Pi)
	}
	return nil
}

type silenceSource struct{}

// NewSilenceSource is the null send backend: it yields silence forever.
func NewSilenceSource() Source { return silenceSource{} }

func (silenceSource) ReadFrame(frame []int16) error {
	clear(frame)
	return nil
}

type discardSink struct{}

// NewDiscardSink is the null receive backend: it drops every frame.
func NewDiscardSink() Sink { return discardSink{} }

func (discardSink) WriteFrame([]int16) error { return nil }

// CaptureSink keeps every frame written to it in memory, for tests that
// check what arrived over a call. It is safe for concurrent use.
type CaptureSink struct {
	mu      sync.Mutex
	samples []int16
}

// NewCaptureSink returns an empty CaptureSink.
func NewCaptureSink() *CaptureSink { return &CaptureSink{} }

// WriteFrame appends a copy of frame.
func (c *CaptureSink) WriteFrame(frame []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.samples = append(c.samples, frame...)
	return nil
}

// Samples returns a copy of everything captured so far.
func (c *CaptureSink) Samples() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.samples)
}
