package audio

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// streamResample runs in through a new StreamResampler in chunks of chunk
// samples (the last one shorter) and flushes.
func streamResample(t testing.TB, in []int16, from, to, chunk int) []int16 {
	t.Helper()
	r, err := NewStreamResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	for start := 0; start < len(in); start += chunk {
		out = r.Process(out, in[start:min(start+chunk, len(in))])
	}
	return r.Flush(out)
}

func TestStreamResamplerKeepsToneFrequencyAndLevel(t *testing.T) {
	pairs := []struct{ from, to int }{
		{48000, 8000}, {44100, 8000}, {8000, 48000}, {8000, 44100}, {16000, 44100},
		{44100, 16000}, {48000, 16000}, {96000, 8000}, {8000, 96000}, {48000, 44100},
		{44100, 48000}, {96000, 48000}, {48000, 48000},
	}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d-%d", p.from, p.to), func(t *testing.T) {
			in := Tone(1000, p.from, time.Second, 0.5)
			// 20 ms chunks of the input rate, as a sound card delivers them.
			out := streamResample(t, in, p.from, p.to, frameSamples(p.from))
			if want := (len(in)*p.to + p.from - 1) / p.from; len(out) != want {
				t.Fatalf("len = %d, want %d", len(out), want)
			}
			freq := DominantFrequency(interior(out, p.to), p.to)
			if math.Abs(freq-1000) > 20 {
				t.Errorf("frequency %.2f Hz, want 1000 Hz ±2%%", freq)
			}
			gain := DB(RMS(interior(out, p.to)) / RMS(interior(in, p.from)))
			if math.Abs(gain) > 1 {
				t.Errorf("level changed by %.3f dB, want within ±1 dB", gain)
			}
		})
	}
}

func TestStreamResamplerRejectsAliases(t *testing.T) {
	for _, from := range []int{48000, 44100, 96000} {
		t.Run(fmt.Sprint(from), func(t *testing.T) {
			in := Tone(5000, from, time.Second, 0.9)
			out := interior(streamResample(t, in, from, 8000, frameSamples(from)), 8000)
			attenuation := -DB(RMS(out) / RMS(interior(in, from)))
			alias := -DB(ToneLevel(out, 8000, 3000) / RMS(interior(in, from)))
			t.Logf("5 kHz at %d -> 8000: attenuated by %.1f dB (3 kHz alias %.1f dB down)", from, attenuation, alias)
			if attenuation < 40 || alias < 40 {
				t.Errorf("attenuation %.1f dB, alias %.1f dB down; want both ≥ 40 dB", attenuation, alias)
			}
		})
	}
}

// TestStreamResamplerChunkingIsInvisible feeds the same signal in random
// chunk sizes: every split must give exactly the one-shot result, which in
// turn equals the batch Resample, so chunk boundaries cannot click.
func TestStreamResamplerChunkingIsInvisible(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pairs := []struct{ from, to int }{
		{48000, 8000}, {44100, 8000}, {8000, 48000}, {8000, 44100}, {44100, 48000}, {44101, 8000}, {16000, 16000},
	}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d-%d", p.from, p.to), func(t *testing.T) {
			// A chirp-like mix so every filter phase sees varied input.
			in := Tone(700, p.from, 300*time.Millisecond, 0.4)
			for i, v := range Tone(2900, p.from, 300*time.Millisecond, 0.4) {
				in[i] += v
			}
			batch := Resample(in, p.from, p.to)
			oneShot := streamResample(t, in, p.from, p.to, len(in))
			if !slices.Equal(oneShot, batch) {
				t.Fatalf("one-shot stream differs from Resample (%d vs %d samples)", len(oneShot), len(batch))
			}
			r, err := NewStreamResampler(p.from, p.to)
			if err != nil {
				t.Fatal(err)
			}
			var chunked []int16
			for start := 0; start < len(in); {
				n := min(len(in)-start, rng.IntN(700)) // includes empty chunks
				chunked = r.Process(chunked, in[start:start+n])
				start += n
			}
			chunked = r.Flush(chunked)
			if i := firstDifference(chunked, oneShot); i >= 0 {
				t.Fatalf("chunked output differs from one-shot at sample %d of %d/%d", i, len(chunked), len(oneShot))
			}
		})
	}
}

func firstDifference(a, b []int16) int {
	for i := range min(len(a), len(b)) {
		if d := int(a[i]) - int(b[i]); d > 1 || d < -1 {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func TestStreamResamplerDoesNotAllocate(t *testing.T) {
	for _, p := range []struct{ from, to int }{{48000, 8000}, {8000, 44100}, {44101, 8000}} {
		r, err := NewStreamResampler(p.from, p.to)
		if err != nil {
			t.Fatal(err)
		}
		chunk := Tone(1000, p.from, 20*time.Millisecond, 0.5)
		dst := make([]int16, 0, r.MaxOutput(len(chunk)))
		allocs := testing.AllocsPerRun(200, func() { dst = r.Process(dst[:0], chunk) })
		if allocs != 0 {
			t.Errorf("%d->%d: %.1f allocations per 20 ms chunk, want 0", p.from, p.to, allocs)
		}
		src := NewResamplingSource(NewToneSource(1000, p.from, 0.5), p.from, p.to)
		frame := make([]int16, 441) // an odd callback size
		if allocs := testing.AllocsPerRun(200, func() { _ = src.ReadFrame(frame) }); allocs != 0 {
			t.Errorf("%d->%d source: %.1f allocations per read, want 0", p.from, p.to, allocs)
		}
	}
}

func TestStreamResamplerLatency(t *testing.T) {
	r, err := NewStreamResampler(48000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if l := r.Latency(); l <= 0 || l > 10*time.Millisecond {
		t.Errorf("latency %v, want a few ms", l)
	}
	if _, err := NewStreamResampler(0, 8000); err == nil {
		t.Error("rate 0 accepted")
	}
}

// TestResamplingSourceServesAnySize reads a codec-rate tone at device rate in
// the odd sizes sound-card callbacks ask for; the result must equal resampling
// the source's output in one piece.
func TestResamplingSourceServesAnySize(t *testing.T) {
	const from, to = 8000, 44100
	src := NewResamplingSource(NewToneSource(1000, from, 0.5), from, to)
	var got []int16
	for _, n := range []int{441, 1, 1024, 882, 17, 4410, 441, 2000} {
		frame := make([]int16, n)
		if err := src.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
		got = append(got, frame...)
	}
	ref := make([]int16, 8000)
	_ = NewToneSource(1000, from, 0.5).ReadFrame(ref)
	want := streamResample(t, ref, from, to, len(ref))
	if i := firstDifference(got, want[:len(got)]); i >= 0 {
		t.Fatalf("pulled output differs from one-shot at sample %d", i)
	}
	if freq := DominantFrequency(got[to/20:], to); math.Abs(freq-1000) > 20 {
		t.Errorf("frequency %.1f Hz, want 1000", freq)
	}

	bad := NewResamplingSource(NewSilenceSource(), 0, 8000)
	if err := bad.ReadFrame(make([]int16, 160)); err == nil {
		t.Error("invalid rate: ReadFrame succeeded")
	}
	failing := NewResamplingSource(errSource{}, 8000, 48000)
	if err := failing.ReadFrame(make([]int16, 960)); !errors.Is(err, errSourceFailed) {
		t.Errorf("source error = %v, want it wrapped", err)
	}
}

var errSourceFailed = errors.New("source failed")

type errSource struct{}

func (errSource) ReadFrame([]int16) error { return errSourceFailed }

func TestResamplingSinkDeliversFrames(t *testing.T) {
	capture := NewCaptureSink()
	sink, err := NewResamplingSink(capture, 48000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	in := Tone(1000, 48000, time.Second, 0.5)
	for start := 0; start < len(in); start += 1031 { // not a multiple of anything
		if err := sink.WriteFrame(in[start:min(start+1031, len(in))]); err != nil {
			t.Fatal(err)
		}
	}
	got := capture.Samples()
	if len(got)%160 != 0 || len(got) < 7800 {
		t.Fatalf("got %d samples, want whole 160-sample frames, about 8000", len(got))
	}
	want := Resample(in, 48000, 8000)
	if i := firstDifference(got, want[:len(got)]); i >= 0 {
		t.Fatalf("sink output differs from Resample at sample %d", i)
	}
}

// BenchmarkStreamResampler measures one 20 ms chunk per operation, the work
// of one sound-card callback at the device rate.
func BenchmarkStreamResampler(b *testing.B) {
	for _, p := range []struct{ from, to int }{
		{48000, 8000}, {44100, 8000}, {8000, 48000}, {8000, 44100}, {48000, 16000}, {16000, 48000}, {48000, 44100},
	} {
		b.Run(fmt.Sprintf("%dto%d", p.from, p.to), func(b *testing.B) {
			r, err := NewStreamResampler(p.from, p.to)
			if err != nil {
				b.Fatal(err)
			}
			chunk := Tone(1000, p.from, 20*time.Millisecond, 0.5)
			dst := make([]int16, 0, r.MaxOutput(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				dst = r.Process(dst[:0], chunk)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/20ms")
		})
	}
}
