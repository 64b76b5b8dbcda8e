package audio

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// interior drops the filter's edge transients (the tone starts and stops
// abruptly) before measuring.
func interior(s []int16, rate int) []int16 {
	edge := rate / 20 // 50 ms
	if len(s) <= 2*edge {
		return s
	}
	return s[edge : len(s)-edge]
}

func TestResampleKeepsToneFrequencyAndLevel(t *testing.T) {
	pairs := []struct{ from, to int }{
		{48000, 8000}, {44100, 8000}, {16000, 8000}, {22050, 8000}, {11025, 8000},
		{8000, 48000}, {8000, 16000}, {8000, 44100}, {44100, 48000}, {8000, 8000},
		{44101, 8000}, // prime-ish ratio: exercises the interpolated coefficient table
	}
	for _, p := range pairs {
		for _, freq := range []float64{300, 1000, 3000} {
			t.Run(fmt.Sprintf("%d-%d/%gHz", p.from, p.to, freq), func(t *testing.T) {
				in := Tone(freq, p.from, time.Second, 0.5)
				out := Resample(in, p.from, p.to)
				wantLen := (len(in)*p.to + p.from - 1) / p.from
				if len(out) != wantLen {
					t.Fatalf("len = %d, want %d", len(out), wantLen)
				}
				gotFreq := DominantFrequency(interior(out, p.to), p.to)
				if math.Abs(gotFreq-freq) > 0.02*freq {
					t.Errorf("frequency %.2f Hz, want %g ±2%%", gotFreq, freq)
				}
				gain := DB(RMS(interior(out, p.to)) / RMS(interior(in, p.from)))
				if math.Abs(gain) > 0.2 {
					t.Errorf("level changed by %.3f dB, want within ±0.2 dB (spec ±1 dB)", gain)
				}
			})
		}
	}
}

func TestResampleRejectsAliases(t *testing.T) {
	cases := []struct {
		from, to int
		freq     float64
	}{
		{48000, 8000, 5000}, // would alias to 3 kHz
		{48000, 8000, 4300}, // just past the new Nyquist, would alias to 3.7 kHz
		{44100, 8000, 5000},
		{22050, 8000, 6000},
		{16000, 8000, 4500},
		{44101, 8000, 5000},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d-%d/%gHz", c.from, c.to, c.freq), func(t *testing.T) {
			in := Tone(c.freq, c.from, time.Second, 0.9)
			out := interior(Resample(in, c.from, c.to), c.to)
			attenuation := -DB(RMS(out) / RMS(interior(in, c.from)))
			// +Inf means the residue rounds to digital silence.
			t.Logf("%g Hz at %d -> %d: attenuated by %.1f dB", c.freq, c.from, c.to, attenuation)
			if attenuation < 40 {
				t.Errorf("attenuation %.1f dB, want at least 40 dB", attenuation)
			}
		})
	}
}

func TestResampleUpsamplingAddsNoImages(t *testing.T) {
	in := Tone(3000, 8000, time.Second, 0.9)
	out := interior(Resample(in, 8000, 48000), 48000)
	// Zero-stuffing would leave images at 8000±3000 Hz.
	for _, image := range []float64{5000, 11000, 13000} {
		level := DB(ToneLevel(out, 48000, image) / ToneLevel(out, 48000, 3000))
		if level > -60 {
			t.Errorf("image at %g Hz only %.1f dB below the tone", image, level)
		}
	}
}

func TestResampleEdgeCases(t *testing.T) {
	if Resample([]int16{1, 2}, 0, 8000) != nil || Resample([]int16{1, 2}, 8000, -1) != nil {
		t.Error("invalid rates should return nil")
	}
	if out := Resample(nil, 48000, 8000); out == nil || len(out) != 0 {
		t.Errorf("empty input: got %v", out)
	}
	in := []int16{100, 200, 300}
	same := Resample(in, 8000, 8000)
	same[0] = 0
	if in[0] != 100 {
		t.Error("identity resampling must copy, not alias, the input")
	}
	if got := Resample([]int16{32767}, 48000, 8000); len(got) != 1 {
		t.Errorf("one sample in -> %d out", len(got))
	}
	// Full-scale square waves overshoot after filtering; saturation, not wrap.
	square := make([]int16, 4800)
	for i := range square {
		square[i] = 32767
		if (i/24)%2 == 1 {
			square[i] = -32768
		}
	}
	if out := Resample(square, 48000, 8000); len(out) != 800 {
		t.Errorf("square wave: %d samples", len(out))
	}
	if got := floatToInt16(1e9); got != 32767 {
		t.Errorf("clamp high: %d", got)
	}
	if got := floatToInt16(-1e9); got != -32768 {
		t.Errorf("clamp low: %d", got)
	}
	if out := Resample(make([]int16, 10), 1_000_000, 1); len(out) != 1 {
		t.Errorf("extreme ratio: %d samples", len(out))
	}
}

func TestResampleDCGainIsExactlyOne(t *testing.T) {
	in := make([]int16, 44100)
	for i := range in {
		in[i] = 10000
	}
	for _, v := range interior(Resample(in, 44100, 8000), 8000) {
		if v < 9999 || v > 10001 {
			t.Fatalf("DC level %d, want 10000", v)
		}
	}
}

func BenchmarkResample48kTo8k(b *testing.B) {
	in := Tone(1000, 48000, time.Second, 0.5)
	b.ReportAllocs()
	b.SetBytes(int64(2 * len(in)))
	for b.Loop() {
		Resample(in, 48000, 8000)
	}
}

func BenchmarkResample44k1To8k(b *testing.B) {
	in := Tone(1000, 44100, time.Second, 0.5)
	b.ReportAllocs()
	b.SetBytes(int64(2 * len(in)))
	for b.Loop() {
		Resample(in, 44100, 8000)
	}
}
