package jitter

import (
	"testing"
	"time"
)

// BenchmarkPushRead measures one 20 ms packet in and one 20 ms frame out.
func BenchmarkPushRead(b *testing.B) {
	for _, c := range []struct {
		name        string
		rate, frame int
	}{{"8kHz", 8000, 160}, {"48kHz", 48000, 960}} {
		b.Run(c.name, func(b *testing.B) {
			jb, err := New(Config{ClockRate: c.rate, FrameSamples: c.frame})
			if err != nil {
				b.Fatal(err)
			}
			pcm := make([]int16, c.frame)
			sig := sine(440, c.rate)
			for i := range pcm {
				pcm[i] = sig(int64(i))
			}
			out := make([]int16, c.frame)
			t0 := time.Unix(0, 0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				jb.Push(uint16(i), uint32(i*c.frame), pcm, t0.Add(time.Duration(i)*20*time.Millisecond))
				_ = jb.ReadFrame(out)
			}
		})
	}
}

// BenchmarkAddedLatencyZeroJitter plays jitter-free streams whose samples
// count up (sample i is i mod 2^16, as int16), so the output itself says which
// packet each sample came from. For every packet it takes the time from its
// arrival to the ReadFrame call that returns its first sample, over reads at
// every phase (0-19 ms) relative to the arrivals.
func BenchmarkAddedLatencyZeroJitter(b *testing.B) {
	const frame, packets = 160, 1500
	ramp := func(i int64) int16 { return int16(uint16(i)) }
	var sum, worst float64
	var n int
	for range b.N {
		for phase := range 20 {
			s := sim{dur: packets * 20 * time.Millisecond, signal: ramp, readPhase: time.Duration(phase)*time.Millisecond + time.Microsecond}.defaults()
			jb, err := New(s.cfg)
			if err != nil {
				b.Fatal(err)
			}
			arr, _ := s.schedule()
			arrivedAt := make(map[int64]time.Duration, len(arr))
			pcm := make([]int16, frame)
			out := make([]int16, frame)
			next := 0
			var last int64 = -1 // ramp index of the last sample seen, to unwrap mod 2^16
			for r := int64(0); r < packets+20; r++ {
				now := s.readPhase + time.Duration(r)*20*time.Millisecond
				for ; next < len(arr) && arr[next].at <= now; next++ {
					a := arr[next]
					for j := range pcm {
						pcm[j] = ramp(a.k*frame + int64(j))
					}
					jb.Push(a.seq, a.ts, pcm, time.Unix(0, 0).Add(a.at))
					arrivedAt[a.k] = a.at
				}
				_ = jb.ReadFrame(out)
				for _, v := range out {
					if last < 0 && v != 0 {
						continue // silence, then the fade-in of packet 0
					}
					idx := int64(v)
					if last >= 0 {
						idx = last + int64(v-int16(uint16(last))) // int16 arithmetic wraps like the ramp
					}
					last = idx
					if k := idx / frame; idx%frame == 0 && k >= 1 {
						if at, ok := arrivedAt[k]; ok {
							d := float64(now-at) / float64(time.Millisecond)
							sum += d
							n++
							worst = max(worst, d)
							delete(arrivedAt, k)
						}
					}
				}
			}
		}
	}
	b.ReportMetric(sum/float64(n), "avg-ms")
	b.ReportMetric(worst, "max-ms")
	b.ReportMetric(float64(n)/float64(b.N), "packets/op")
}
