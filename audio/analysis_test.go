package audio

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestRMS(t *testing.T) {
	if RMS(nil) != 0 || RMS(make([]int16, 100)) != 0 {
		t.Error("silence must measure 0")
	}
	if got := RMS([]int16{-32768, -32768}); got != 1 {
		t.Errorf("full-scale square = %v, want 1", got)
	}
	sine := Tone(1000, 8000, time.Second, 1)
	if got := RMS(sine); math.Abs(got-math.Sqrt2/2) > 1e-3 {
		t.Errorf("full-scale sine = %v, want 0.707", got)
	}
	if got := DB(RMS(Tone(1000, 8000, time.Second, 0.1))); math.Abs(got-(-23.01)) > 0.05 {
		t.Errorf("0.1 sine = %.2f dBFS, want -23.01", got)
	}
}

func TestTone(t *testing.T) {
	tone := Tone(440, 8000, 20*time.Millisecond, 0.5)
	if len(tone) != 160 {
		t.Fatalf("len %d, want 160", len(tone))
	}
	peak := int16(0)
	for _, v := range Tone(440, 8000, time.Second, 2) { // amplitude clamps to 1
		peak = max(peak, v)
	}
	if peak != 32767 {
		t.Errorf("peak %d, want 32767", peak)
	}
	if len(Tone(440, 0, time.Second, 1)) != 0 || len(Tone(440, 8000, -time.Second, 1)) != 0 {
		t.Error("invalid rate or duration must give an empty tone")
	}
}

// g711RoundTrip passes pcm through a codec, as a call would.
func g711RoundTrip(t testing.TB, c Codec, pcm []int16) []int16 {
	payload := make([]byte, len(pcm))
	out := make([]int16, len(pcm))
	if _, err := c.Encode(payload, pcm); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode(out, payload); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDominantFrequencyAccuracy(t *testing.T) {
	worst := 0.0
	for _, rate := range []int{8000, 16000, 48000} {
		for _, dur := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, time.Second} {
			for _, freq := range []float64{300, 440, 1000, 1234.5, 2000, 3400} {
				for _, amp := range []float64{0.9, 0.02} {
					for _, path := range []string{"linear", "PCMU", "PCMA"} {
						name := fmt.Sprintf("%d/%v/%gHz/%g/%s", rate, dur, freq, amp, path)
						s := Tone(freq, rate, dur, amp)
						if path != "linear" {
							if rate != 8000 {
								continue
							}
							c, _ := CodecByName(path)
							s = g711RoundTrip(t, c, s)
						}
						got := DominantFrequency(s, rate)
						relErr := math.Abs(got-freq) / freq
						worst = max(worst, relErr)
						if relErr > 0.02 {
							t.Errorf("%s: got %.2f Hz", name, got)
						}
					}
				}
			}
		}
	}
	t.Logf("worst relative error: %.4f%%", 100*worst)
}

func TestDominantFrequencyPicksStrongest(t *testing.T) {
	strong := Tone(1000, 8000, 200*time.Millisecond, 0.5)
	weak := Tone(440, 8000, 200*time.Millisecond, 0.1)
	for i := range strong {
		strong[i] += weak[i]
	}
	if got := DominantFrequency(strong, 8000); math.Abs(got-1000) > 5 {
		t.Errorf("got %.1f Hz, want 1000", got)
	}
	if DominantFrequency(make([]int16, 800), 8000) != 0 {
		t.Error("silence must give 0")
	}
	dc := make([]int16, 800)
	for i := range dc {
		dc[i] = 5000
	}
	if DominantFrequency(dc, 8000) != 0 {
		t.Error("pure DC must give 0")
	}
	if DominantFrequency([]int16{1, 2}, 8000) != 0 || DominantFrequency(strong, 0) != 0 {
		t.Error("degenerate input must give 0")
	}
	long := Tone(700, 8000, 40*time.Second, 0.5) // longer than maxAnalysisSamples
	if got := DominantFrequency(long, 8000); math.Abs(got-700) > 1 {
		t.Errorf("long input: %.2f Hz", got)
	}
}

func TestToneLevel(t *testing.T) {
	s := Tone(1000, 8000, 500*time.Millisecond, 0.5)
	other := Tone(3000, 8000, 500*time.Millisecond, 0.05)
	for i := range s {
		s[i] += other[i]
	}
	if got := DB(ToneLevel(s, 8000, 1000)); math.Abs(got-DB(0.5/math.Sqrt2)) > 0.1 {
		t.Errorf("1 kHz level %.2f dBFS, want %.2f", got, DB(0.5/math.Sqrt2))
	}
	if got := DB(ToneLevel(s, 8000, 3000)); math.Abs(got-DB(0.05/math.Sqrt2)) > 0.1 {
		t.Errorf("3 kHz level %.2f dBFS, want %.2f", got, DB(0.05/math.Sqrt2))
	}
	if got := DB(ToneLevel(s, 8000, 2000)); got > -80 {
		t.Errorf("2 kHz (absent) level %.2f dBFS", got)
	}
}
