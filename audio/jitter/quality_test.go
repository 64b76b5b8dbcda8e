package jitter

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// clickFactor: no sample-to-sample step may exceed the sine's own largest
// step by more than this. Concealment seams and cross-fades between audio of
// slightly different phase add a few percent; a click would add 100 %+.
const clickFactor = 1.1

// checkAudio asserts no clicks in out[from:to] and no silence longer than
// allowed samples.
func checkAudio(t *testing.T, r simResult, rate int, from, to, allowed int) {
	t.Helper()
	if step, at := maxStep(r.out[:to], from); step > clickFactor*maxSineStep(440, rate) {
		t.Errorf("click: step %.0f at sample %d (sine steps at most %.0f)", step, at, maxSineStep(440, rate))
	}
	if n, at := longestSilence(r.out, from, to); n > allowed {
		t.Errorf("%d samples (%.1f ms) of silence at sample %d, allowed %d", n, 1000*float64(n)/float64(rate), at, allowed)
	}
}

// allowedSilence is how much silence a burst of lost 20 ms packets may leave:
// concealment covers about 55 ms before it has faded below the detector.
func allowedSilence(burst int, rate int) int {
	gap := time.Duration(burst)*20*time.Millisecond - 55*time.Millisecond
	return max(int(gap*time.Duration(rate)/time.Second), 0) + 2
}

func TestJitterLossReordering(t *testing.T) {
	dur := 30 * time.Second
	if testing.Short() {
		dur = 10 * time.Second
	}
	const warmup = 2 * time.Second // the target starts at one frame and must learn the jitter
	seed := uint64(100)
	for _, jit := range []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond} {
		for _, loss := range []float64{0, 0.01, 0.03, 0.05} {
			seed++
			s := sim{dur: dur, jitter: jit, loss: loss, seed: seed, swap: 0.02, dup: 0.01}
			t.Run(fmt.Sprintf("jitter=%v/loss=%v%%", jit, loss*100), func(t *testing.T) {
				r := s.run(t)
				st := r.stats
				from, to := r.sampleAt(warmup), r.sampleAt(dur)
				checkAudio(t, r, 8000, from, to, allowedSilence(r.lossBurst, 8000))

				_, maxDelay := summarize(r.window(r.delays, warmup, dur))
				meanDelay, _ := summarize(r.window(r.delays, warmup, dur))
				meanTarget, maxTarget := summarize(r.window(r.targets, warmup, dur))
				if maxDelay > ms(DefaultMaxDelay) || maxTarget > ms(DefaultMaxDelay) {
					t.Errorf("delay up to %.1f ms, target up to %.1f ms: above MaxDelay", maxDelay, maxTarget)
				}
				// Added delay = headroom kept (the target) + the packet's own
				// jitter + waiting for the next read.
				if limit := meanTarget + ms(jit)/2 + 25; meanDelay > limit {
					t.Errorf("mean added delay %.1f ms, want <= %.1f (mean target %.1f)", meanDelay, limit, meanTarget)
				}
				// 2 % of packets swapped: even "zero jitter" has some.
				if want := 35 + 2*ms(jit); meanTarget > want {
					t.Errorf("mean target %.1f ms for %v jitter, want <= %.1f", meanTarget, jit, want)
				}
				packets := uint64(dur / (20 * time.Millisecond))
				if st.Late > packets/100 {
					t.Errorf("%d of %d packets late", st.Late, packets)
				}
				if d := int(st.Lost) - r.lost; d > 0 || d < -r.lossBurst-1 {
					t.Errorf("Lost = %d, the network dropped %d", st.Lost, r.lost)
				}
				if int(st.Duplicates) != r.dups {
					t.Errorf("Duplicates = %d, the network duplicated %d", st.Duplicates, r.dups)
				}
				if st.Concealed < st.Lost {
					t.Errorf("Concealed %d frames for %d lost packets", st.Concealed, st.Lost)
				}
				if jit >= 40*time.Millisecond && st.Reordered == 0 {
					t.Error("no reordering counted under heavy jitter")
				}
			})
		}
	}
}

func TestTargetFollowsJitter(t *testing.T) {
	const rough, calm = 20 * time.Second, 60 * time.Second
	r := sim{dur: rough + calm, jitter: 60 * time.Millisecond, jitterTo: rough, seed: 7}.run(t)
	_, peak := summarize(r.window(r.targets, 0, rough))
	if peak < 60 {
		t.Errorf("target peaked at %.1f ms under 60 ms jitter", peak)
	}
	for i, v := range r.targets {
		if v < 20 {
			t.Fatalf("target %.1f ms at read %d: below one frame", v, i)
		}
	}
	// Shrinking is slow: still well up a few seconds after the jitter ends...
	if v, _ := summarize(r.window(r.targets, rough+2*time.Second, rough+3*time.Second)); v < 30 {
		t.Errorf("target %.1f ms 2 s after the jitter stopped: shrinking too fast", v)
	}
	// ...and back to the one-frame floor by the end, with the delay.
	end := rough + calm
	if v, _ := summarize(r.window(r.targets, end-5*time.Second, end)); v > 22 {
		t.Errorf("target %.1f ms at the end, want back near 20", v)
	}
	if _, v := summarize(r.window(r.delays, end-5*time.Second, end)); v > 40 {
		t.Errorf("added delay up to %.1f ms at the end, want <= 40", v)
	}
	checkAudio(t, r, 8000, r.sampleAt(2*time.Second), r.sampleAt(end), 2)
}

func TestMinDelayIsAFloor(t *testing.T) {
	r := sim{dur: 10 * time.Second, cfg: Config{MinDelay: 80 * time.Millisecond}}.run(t)
	mean, _ := summarize(r.window(r.targets, time.Second, 10*time.Second))
	delay, _ := summarize(r.window(r.delays, time.Second, 10*time.Second))
	if mean != 80 || delay < 80 || delay > 100 {
		t.Errorf("target %.1f ms, delay %.1f ms; want 80 and 80-100", mean, delay)
	}
}

// At zero jitter the buffer adds at most two frames, whatever the phase of
// the reads relative to the arrivals.
func TestZeroJitterLatency(t *testing.T) {
	for _, phase := range []time.Duration{0, 1, 5, 10, 15, 19, 20} {
		r := sim{dur: 10 * time.Second, readPhase: phase*time.Millisecond + time.Microsecond}.run(t)
		mean, worst := summarize(r.window(r.delays, time.Second, 10*time.Second))
		if worst > 40 {
			t.Errorf("read phase %v ms: added delay up to %.1f ms (mean %.1f), want <= 40", phase, worst, mean)
		}
	}
}

// A 10-minute call with the sender's or the sound card's clock off by 200
// or 1000 ppm: uncorrected, the buffer would gain or lose 120-600 ms.
func TestClockDrift(t *testing.T) {
	const dur = 10 * time.Minute
	for _, c := range []struct {
		sender, playout float64
		jitter          time.Duration
	}{
		{200, 0, 0}, {-200, 0, 0}, {0, 200, 10 * time.Millisecond}, {0, -200, 10 * time.Millisecond},
		{1000, 0, 0}, {0, 1000, 0}, {-1000, 0, 20 * time.Millisecond}, {0, -1000, 20 * time.Millisecond},
	} {
		want := ((1+c.sender*1e-6)/(1+c.playout*1e-6) - 1) * 1e6
		t.Run(fmt.Sprintf("%+.0fppm/jitter=%v", want, c.jitter), func(t *testing.T) {
			t.Parallel()
			r := sim{dur: dur, senderPPM: c.sender, playoutPPM: c.playout, jitter: c.jitter, seed: 3}.run(t)
			st := r.stats
			if got := st.DriftPPM; got*want <= 0 || math.Abs(got-want) > 0.25*math.Abs(want) {
				t.Errorf("DriftPPM = %.1f, want %.0f ± 25 %%", got, want)
			}
			// Bounded: the depth an hour would reach uncorrected is
			// dur*ppm (120 ms at 200 ppm in 10 min); it must stay near the target.
			_, depth := summarize(r.window(r.depths, 10*time.Second, dur))
			_, delay := summarize(r.window(r.delays, 10*time.Second, dur))
			if limit := 60 + 4*ms(c.jitter); depth > limit || delay > limit+20 {
				t.Errorf("depth up to %.1f ms, delay up to %.1f ms, want <= %.0f / %.0f", depth, delay, limit, limit+20)
			}
			lastMin, _ := summarize(r.window(r.depths, dur-time.Minute, dur))
			firstMin, _ := summarize(r.window(r.depths, 10*time.Second, time.Minute))
			if math.Abs(lastMin-firstMin) > 15 {
				t.Errorf("mean depth went from %.1f to %.1f ms: drifting", firstMin, lastMin)
			}
			if st.Late != 0 || st.Concealed > 3 { // 3: the fade-out after the last packet
				t.Errorf("stats %+v: corrections must not cost audio", st)
			}
			// A fast sender's stream ends early by playout time.
			checkAudio(t, r, 8000, r.sampleAt(time.Second), r.sampleAt(dur-2*time.Second), 2)
		})
	}
}

func TestSilenceSuppression(t *testing.T) {
	// The sender stops for 1 s, 20 ms, 6 s; sequence numbers continue, the
	// timestamps jump.
	gaps := [][2]int64{{100, 150}, {300, 301}, {500, 800}}
	r := sim{dur: 20 * time.Second, gaps: gaps}.run(t)
	st := r.stats
	if st.Lost != 0 || st.Late != 0 {
		t.Errorf("stats %+v: a silence gap is not loss", st)
	}
	// Each talk spurt starts after the usual delay, not the gap's length.
	for _, g := range gaps {
		at := time.Duration(g[1])*20*time.Millisecond + 100*time.Millisecond
		if _, d := summarize(r.window(r.delays, at, at+time.Second)); d > 40 {
			t.Errorf("after the gap ending at packet %d: added delay %.1f ms", g[1], d)
		}
	}
	if step, at := maxStep(r.out, r.firstSample+40); step > clickFactor*maxSineStep(440, 8000) {
		t.Errorf("click: step %.0f at %d", step, at)
	}
}

func TestLateBurstAfterStall(t *testing.T) {
	for _, stall := range []time.Duration{300 * time.Millisecond, time.Second, 3 * time.Second} {
		t.Run(stall.String(), func(t *testing.T) {
			const from, dur = 5 * time.Second, 40 * time.Second
			r := sim{dur: dur, stallFrom: from, stallFor: stall}.run(t)
			st := r.stats
			checkAudio(t, r, 8000, r.sampleAt(time.Second), r.sampleAt(from), 2)
			checkAudio(t, r, 8000, r.sampleAt(from+stall+time.Second), r.sampleAt(dur), 2)
			if step, at := maxStep(r.out[:r.sampleAt(dur)], r.firstSample+40); step > clickFactor*maxSineStep(440, 8000) {
				t.Errorf("click: step %.0f at %d", step, at)
			}
			// The buffer never holds more than MaxDelay for long, and the
			// target it raised for the spike has decayed by the end.
			for i, v := range r.depths {
				if v > ms(DefaultMaxDelay)+60 {
					t.Fatalf("depth %.1f ms at read %d", v, i)
				}
			}
			if v, _ := summarize(r.window(r.targets, dur-time.Second, dur)); v > 40 {
				t.Errorf("target %.1f ms at the end", v)
			}
			if _, d := summarize(r.window(r.delays, dur-time.Second, dur)); d > 60 {
				t.Errorf("added delay %.1f ms at the end", d)
			}
			if st.Lost != 0 {
				t.Errorf("stats %+v: nothing was lost", st)
			}
		})
	}
}

func TestTimestampJumps(t *testing.T) {
	for _, c := range []struct {
		name    string
		ts      uint32
		seq     uint16
		jitter  time.Duration
		late    uint64 // the first packet of a new sequence space is dropped
		silence int
	}{
		{"forward", 0x8000_0000, 0, 0, 0, 2},
		{"back", 0xFFFF_0000, 0, 0, 0, 2},
		{"small forward", 8000, 0, 0, 0, 2},
		{"new source", 0x1234_5678, 30000, 0, 1, 2},
		{"new source with jitter", 0xF234_5678, 40000, 20 * time.Millisecond, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sim{dur: 20 * time.Second, tsJump: c.ts, seqJump: c.seq, jumpAt: 300, jitter: c.jitter, seed: 5}.run(t)
			checkAudio(t, r, 8000, r.sampleAt(2*time.Second), r.sampleAt(20*time.Second), allowedSilence(1, 8000))
			if st := r.stats; st.Late > c.late || st.Lost != 0 || st.Depth > 100*time.Millisecond {
				t.Errorf("stats %+v", st)
			}
			_, depth := summarize(r.window(r.depths, 8*time.Second, 20*time.Second))
			if depth > 80+3*ms(c.jitter) {
				t.Errorf("depth up to %.1f ms after the jump", depth)
			}
		})
	}
}

func TestOpus48kHz(t *testing.T) {
	for _, pkt := range []int{960, 2880} {
		t.Run(fmt.Sprintf("%dms packets", pkt/48), func(t *testing.T) {
			r := sim{rate: 48000, pkt: pkt, dur: 20 * time.Second, jitter: 30 * time.Millisecond, loss: 0.02, swap: 0.02, seed: 11}.run(t)
			burst := r.lossBurst * pkt / 960
			checkAudio(t, r, 48000, r.sampleAt(2*time.Second), r.sampleAt(20*time.Second), allowedSilence(burst, 48000))
			if _, d := summarize(r.window(r.delays, 2*time.Second, 20*time.Second)); d > 200 {
				t.Errorf("added delay up to %.1f ms", d)
			}
		})
	}
}
