package jitter

import (
	"math"
	"testing"
)

// A 200 ms hole: the sine carries on for 10 ms, fades out by 60 ms, stays
// silent, and the real audio fades back in at exactly the right phase.
func TestConcealmentShape(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	for k := range int64(60) {
		if k < 20 || k >= 30 {
			s.push(k)
		}
		s.read(160)
	}
	const gap = 20*160 + 160 // output index of the first missing sample (one frame of pre-fill)
	out := s.out
	for i := range 80 { // the first 10 ms continue the waveform
		if d := math.Abs(float64(out[gap+i]) - float64(s.sig(int64(20*160+i)))); d > 0.01*simAmp {
			t.Fatalf("concealed sample %d is %d, want about %d", i, out[gap+i], s.sig(int64(20*160+i)))
		}
	}
	peak := func(from, to int) (p float64) {
		for _, v := range out[gap+from : gap+to] {
			p = max(p, math.Abs(float64(v)))
		}
		return p
	}
	if p := peak(0, 80); p < 0.95*simAmp {
		t.Errorf("first 10 ms peak %.0f: concealment should start at full level", p)
	}
	if p := peak(240, 320); p > 0.61*simAmp || p < 0.4*simAmp { // level 0.6 at 30 ms, 0.4 at 40 ms
		t.Errorf("30-40 ms peak %.0f: should be fading linearly", p)
	}
	if p := peak(480, 1600); p != 0 {
		t.Errorf("60-200 ms peak %.0f: should be silent", p)
	}
	// Back on the timeline: fade-in over 5 ms, then the exact signal.
	checkSine(t, out, gap+1600+40, 30*160+40, s.sig)
	if step, at := maxStep(out, 160+40); step > clickFactor*maxSineStep(440, 8000) {
		t.Errorf("click: step %.0f at %d", step, at)
	}
	if st := b.Stats(); st.Lost != 10 || st.Concealed != 3 || st.Late != 0 {
		t.Errorf("stats %+v, want 10 lost and 3 frames (60 ms) concealed", st)
	}
}

// The concealer continues periodic signals, whole-sample period or not,
// without a seam at the start or where the period repeats.
func TestConcealerContinuesPeriodicSignals(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		p, _ := Config{ClockRate: rate, FrameSamples: rate / 50}.params()
		for _, f := range []float64{90, 150, 220, 440, 1000, 2000} {
			// A vowel-like tone: fundamental plus two harmonics.
			sig := func(i int64) float64 {
				x := 2 * math.Pi * f * float64(i) / float64(rate)
				return 0.6*simAmp*math.Sin(x) + 0.25*simAmp*math.Sin(2*x+1) + 0.1*simAmp*math.Sin(3*x+2)
			}
			c := newConcealer(p)
			h := c.scratch()
			for i := range h {
				h[i] = int16(math.Round(sig(int64(i))))
			}
			c.start(h)
			n := len(h)
			prev := float64(h[n-1])
			worst, step := 0.0, 0.0
			for i := range int(c.full) {
				v := float64(c.next(true))
				worst = max(worst, math.Abs(v-sig(int64(n+i))))
				step = max(step, math.Abs(v-prev))
				prev = v
			}
			natural := 0.0
			for i := 1; i < n; i++ {
				natural = max(natural, math.Abs(float64(h[i])-float64(h[i-1])))
			}
			if worst > 0.03*simAmp || step > 1.05*natural+2 {
				t.Errorf("%d Hz at %d Hz (period %.2f): error up to %.0f, step %.0f (signal's own %.0f)",
					int(f), rate, c.period, worst, step, natural)
			}
		}
	}
}

func TestConcealerSilentWithoutHistory(t *testing.T) {
	p, _ := g711.params()
	c := newConcealer(p)
	c.start(c.scratch()[:10])
	for range 100 {
		if c.next(true) != 0 {
			t.Fatal("concealment from 10 samples of history should be silence")
		}
	}
	if c.count != 0 {
		t.Errorf("counted %d silent samples as concealed", c.count)
	}
}
