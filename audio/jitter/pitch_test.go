package jitter

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// Shedding excess delay must not change the pitch: a phone that starts with a
// burst of queued packets (baresip sends five at once) or a network that
// jitters must still deliver a 1 kHz tone at 1 kHz.
func TestExcessIsShedWithoutChangingPitch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		burst  int           // packets delivered at once at the start
		jitter time.Duration // uniform extra delay per packet
	}{
		{"start burst of 5", 5, 0},
		{"start burst of 15", 15, 0},
		{"jitter 40ms", 1, 40 * time.Millisecond},
		{"burst and jitter", 8, 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const rate, frame = 8000, 160
			b, err := New(Config{ClockRate: rate, FrameSamples: frame, MinDelay: 20 * time.Millisecond, MaxDelay: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			tone := audio.Tone(1000, rate, 6*time.Second, 0.5)
			rng := rand.New(rand.NewPCG(1, 2))
			type pkt struct {
				at  time.Duration
				seq int
			}
			var pkts []pkt
			for i := 0; i*frame < len(tone); i++ {
				at := time.Duration(max(0, i-tc.burst+1)) * 20 * time.Millisecond
				if tc.jitter > 0 {
					at += time.Duration(rng.Float64() * float64(tc.jitter))
				}
				pkts = append(pkts, pkt{at, i})
			}
			t0 := time.Unix(0, 0)
			out := make([]int16, 0, len(tone))
			readFrame := make([]int16, frame)
			next := 0
			for read := time.Duration(0); len(out) < len(tone); read += 20 * time.Millisecond {
				// Deliver in arrival order everything that arrived before this read.
				for {
					k := -1
					for j := next; j < len(pkts); j++ {
						if pkts[j].at <= read && (k < 0 || pkts[j].at < pkts[k].at) {
							k = j
						}
					}
					if k < 0 {
						break
					}
					pkts[next], pkts[k] = pkts[k], pkts[next]
					p := pkts[next]
					next++
					b.Push(uint16(p.seq), uint32(p.seq*frame), tone[p.seq*frame:(p.seq+1)*frame], t0.Add(p.at))
				}
				_ = b.ReadFrame(readFrame)
				out = append(out, readFrame...)
			}
			tail := out[len(out)/3:]
			if f := audio.DominantFrequency(tail, rate); math.Abs(f-1000) > 5 {
				t.Errorf("tone played at %.1f Hz, want 1000 (±0.5 %%); stats %+v", f, b.Stats())
			}
			if f := audio.DominantFrequency(out[rate/2:rate*2], rate); math.Abs(f-1000) > 5 {
				t.Errorf("while shedding the excess: %.1f Hz, want 1000; stats %+v", f, b.Stats())
			}
		})
	}
}
