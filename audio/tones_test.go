package audio

import (
	"math"
	"testing"
	"time"
)

func readFor(src Source, rate int, d time.Duration) []int16 {
	out := make([]int16, int(d.Seconds()*float64(rate)))
	for i := 0; i < len(out); i += rate / 50 {
		end := min(len(out), i+rate/50)
		_ = src.ReadFrame(out[i:end])
	}
	return out
}

func TestTonePlansHaveTheirFrequencies(t *testing.T) {
	const rate = 16000
	cases := []struct {
		plan  string
		tone  func(TonePlan) Cadence
		freqs []float64
	}{
		{"eu", func(p TonePlan) Cadence { return p.Ringback }, []float64{425}},
		{"eu", func(p TonePlan) Cadence { return p.Busy }, []float64{425}},
		{"us", func(p TonePlan) Cadence { return p.Ringback }, []float64{440, 480}},
		{"us", func(p TonePlan) Cadence { return p.Busy }, []float64{480, 620}},
		{"uk", func(p TonePlan) Cadence { return p.Ringback }, []float64{400, 450}},
	}
	for _, tc := range cases {
		plan, err := TonePlanByName(tc.plan)
		if err != nil {
			t.Fatal(err)
		}
		c := tc.tone(plan)
		on := readFor(NewCadenceSource(c, rate), rate, c.Steps[0].Dur)
		body := on[len(on)/10 : len(on)*9/10] // skip the ramps
		for _, f := range tc.freqs {
			if lvl := ToneLevel(body, rate, f); lvl < 0.05 {
				t.Errorf("%s: %.0f Hz level %.3f, want a clear tone", tc.plan, f, lvl)
			}
		}
		if stray := ToneLevel(body, rate, 1000); stray > 0.01 {
			t.Errorf("%s: 1 kHz level %.3f, want none", tc.plan, stray)
		}
	}
}

func TestCadenceIsSilentWhenOffAndRepeats(t *testing.T) {
	const rate = 8000
	plan, _ := TonePlanByName("eu")
	src := NewCadenceSource(plan.Busy, rate) // 0.5 s on, 0.5 s off
	s := readFor(src, rate, 2*time.Second)
	second := func(from, to float64) []int16 { return s[int(from*rate):int(to*rate)] }
	if RMS(second(0.55, 0.95)) != 0 {
		t.Error("busy tone not silent in its off time")
	}
	if RMS(second(1.1, 1.4)) < 0.05 {
		t.Error("busy tone did not repeat")
	}
}

func TestCadenceEdgesDoNotClick(t *testing.T) {
	const rate = 8000
	plan, _ := TonePlanByName("us")
	s := readFor(NewCadenceSource(plan.Busy, rate), rate, 3*time.Second)
	// The largest step a 620 Hz sine at this amplitude can make between samples.
	limit := toneAmplitude * 32767 * 2 * math.Pi * 620 / rate * 1.1
	for i := 1; i < len(s); i++ {
		if d := math.Abs(float64(s[i]) - float64(s[i-1])); d > limit {
			t.Fatalf("jump of %.0f at sample %d (limit %.0f): a click", d, i, limit)
		}
	}
}

func TestDTMFFeedbackPlaysOnce(t *testing.T) {
	const rate = 8000
	c, err := DTMFCadence('5')
	if err != nil {
		t.Fatal(err)
	}
	src := NewCadenceSource(c, rate)
	s := readFor(src, rate, 200*time.Millisecond)
	body := s[100:700]
	if ToneLevel(body, rate, 770) < 0.05 || ToneLevel(body, rate, 1336) < 0.05 {
		t.Error("key 5 must sound 770 Hz + 1336 Hz")
	}
	if !src.Done() || RMS(s[900:]) != 0 {
		t.Error("DTMF feedback must stop after 100 ms")
	}
	if _, err := DTMFCadence('x'); err == nil {
		t.Error("x is not a DTMF key")
	}
}

func TestUnknownTonePlan(t *testing.T) {
	if _, err := TonePlanByName("mars"); err == nil {
		t.Fatal("want an error for an unknown plan")
	}
}

func TestRingtoneRepeats(t *testing.T) {
	const rate = 16000
	s := readFor(NewCadenceSource(RingtoneCadence(), rate), rate, 4*time.Second)
	if RMS(s[:rate]) < 0.05 || RMS(s[int(1.2*rate):int(2.8*rate)]) != 0 || RMS(s[3*rate:int(3.9*rate)]) < 0.05 {
		t.Error("ringtone: want 1 s ring, 2 s pause, ring again")
	}
}
