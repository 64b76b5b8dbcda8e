package audio

import (
	"math"
	"testing"
	"time"
)

type countingSource struct{ reads int }

func (c *countingSource) ReadFrame(frame []int16) error {
	c.reads++
	for i := range frame {
		frame[i] = 1000
	}
	return nil
}

func TestMuteSendsSilenceButKeepsReading(t *testing.T) {
	src := &countingSource{}
	m := NewMutableSource(src)
	frame := make([]int16, 160)
	m.SetMuted(true)
	_ = m.ReadFrame(frame)
	if RMS(frame) != 0 || src.reads != 1 || !m.IsMuted() {
		t.Fatalf("muted: rms %v reads %d", RMS(frame), src.reads)
	}
	m.SetMuted(false)
	_ = m.ReadFrame(frame)
	if frame[0] != 1000 {
		t.Fatalf("unmuted frame[0] = %d", frame[0])
	}
}

func TestGainScalesAndSaturates(t *testing.T) {
	tone := Tone(1000, 8000, 100*time.Millisecond, 0.25)
	up := make([]int16, len(tone))
	_ = NewGainSource(NewClipSource(&Clip{Rate: 8000, Samples: tone}, 8000), 6).ReadFrame(up)
	if r := RMS(up) / RMS(tone); math.Abs(r-2) > 0.01 {
		t.Errorf("+6 dB ratio %.3f, want 2", r)
	}
	loud := make([]int16, len(tone))
	_ = NewGainSource(NewClipSource(&Clip{Rate: 8000, Samples: tone}, 8000), 20).ReadFrame(loud)
	if maxAbs(loud) < 32767 {
		t.Errorf("+20 dB must saturate at full scale, peak %d", maxAbs(loud))
	}
	sink := NewCaptureSink()
	orig := append([]int16(nil), tone...)
	if err := NewGainSink(sink, -6).WriteFrame(tone); err != nil {
		t.Fatal(err)
	}
	if r := RMS(sink.Samples()) / RMS(orig); math.Abs(r-0.5) > 0.01 {
		t.Errorf("-6 dB sink ratio %.3f, want 0.5", r)
	}
	if tone[10] != orig[10] {
		t.Error("the gain sink must not change the caller's frame")
	}
	if NewGainSource(sink2source{}, 0) != (sink2source{}) {
		t.Error("0 dB must return the source itself")
	}
}

type sink2source struct{}

func (sink2source) ReadFrame([]int16) error { return nil }

func maxAbs(s []int16) int {
	m := 0
	for _, v := range s {
		m = max(m, int(math.Abs(float64(v))))
	}
	return m
}

// pacedStub is a source that says it waits for a clock of its own.
type pacedStub struct{ Source }

func (pacedStub) Paced() bool { return true }

func TestPacingIsForwardedThroughWrappers(t *testing.T) {
	if IsPaced(NewSilenceSource()) {
		t.Error("silence claims to pace itself")
	}
	for name, src := range map[string]Source{
		"mute": NewMutableSource(pacedStub{NewSilenceSource()}),
		"gain": NewGainSource(pacedStub{NewSilenceSource()}, -6),
		"both": NewMutableSource(NewGainSource(pacedStub{NewSilenceSource()}, 3)),
	} {
		if !IsPaced(src) {
			t.Errorf("%s: the wrapped source's pacing is lost", name)
		}
	}
}
