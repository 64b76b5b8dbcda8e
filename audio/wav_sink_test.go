package audio

import (
	"path/filepath"
	"testing"
	"time"
)

func TestWAVSinkRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.wav")
	s, err := NewWAVSink(path, 8000)
	if err != nil {
		t.Fatal(err)
	}
	tone := Tone(600, 8000, time.Second, 0.5)
	for i := 0; i+160 <= len(tone); i += 160 {
		if err := s.WriteFrame(tone[i : i+160]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clip, err := ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if clip.Rate != 8000 || len(clip.Samples) != len(tone) {
		t.Fatalf("read back %d samples at %d Hz, want %d at 8000", len(clip.Samples), clip.Rate, len(tone))
	}
	if f := DominantFrequency(clip.Samples, 8000); f < 590 || f > 610 {
		t.Errorf("frequency %.1f, want 600", f)
	}
}
