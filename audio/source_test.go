package audio

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

func readFrames(t *testing.T, s Source, frames, size int) []int16 {
	t.Helper()
	var out []int16
	frame := make([]int16, size)
	for range frames {
		for i := range frame {
			frame[i] = 12345 // make sure every sample is overwritten
		}
		if err := s.ReadFrame(frame); err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		out = append(out, frame...)
	}
	return out
}

func TestClipSourcePlaysOnceThenSilence(t *testing.T) {
	clip := &Clip{Rate: 48000, Samples: Tone(1000, 48000, 110*time.Millisecond, 0.5)}
	src := NewClipSource(clip, 8000)
	got := readFrames(t, src, 10, 160) // 200 ms
	played := got[:880]
	if f := DominantFrequency(played[80:800], 8000); math.Abs(f-1000) > 20 {
		t.Errorf("clip played at %.1f Hz, want 1000", f)
	}
	if RMS(got[900:]) != 0 {
		t.Error("source must yield silence after the clip")
	}
	if !src.(*ClipSource).Done() {
		t.Error("Done must report the clip as played")
	}
}

func TestLoopingClipSourceWraps(t *testing.T) {
	clip := &Clip{Rate: 8000, Samples: []int16{1, 2, 3, 4, 5, 6, 7}}
	got := readFrames(t, NewLoopingClipSource(clip, 8000), 3, 5)
	want := []int16{1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNullBackends(t *testing.T) {
	for name, src := range map[string]Source{
		"silence":    NewSilenceSource(),
		"nil clip":   NewClipSource(nil, 8000),
		"empty loop": NewLoopingClipSource(&Clip{Rate: 8000}, 8000),
		"bad rate":   NewClipSource(&Clip{Rate: 0, Samples: []int16{1}}, 8000),
	} {
		if got := readFrames(t, src, 3, 160); RMS(got) != 0 {
			t.Errorf("%s: not silent", name)
		}
	}
	if err := NewDiscardSink().WriteFrame(make([]int16, 160)); err != nil {
		t.Error(err)
	}
}

func TestToneSourceIsSeamless(t *testing.T) {
	got := readFrames(t, NewToneSource(440, 8000, 0.5), 50, 160)
	if f := DominantFrequency(got, 8000); math.Abs(f-440) > 0.5 {
		t.Errorf("tone at %.2f Hz", f)
	}
	// A phase jump at frame boundaries would spread energy off 440 Hz.
	if !slices.Equal(got, Tone(440, 8000, time.Second, 0.5)) {
		t.Error("frames differ from one continuous tone")
	}
}

func TestCaptureSinkConcurrent(t *testing.T) {
	sink := NewCaptureSink()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				_ = sink.WriteFrame(make([]int16, 160))
			}
		})
	}
	wg.Wait()
	if n := len(sink.Samples()); n != 4*50*160 {
		t.Errorf("captured %d samples", n)
	}
}
