package history

import (
	"math"
	"testing"
)

func TestEstimateMOS(t *testing.T) {
	// Worked by hand: effective delay d = delay + 2*jitter + 10; delay
	// impairment d/40 below 160 ms, else (d-120)/10; R = 93.2 - that -
	// 2.5*loss; MOS = 1 + 0.035R + R(R-60)(100-R)*7e-6.
	cases := []struct {
		name                string
		loss, jitter, delay float64
		want                float64
	}{
		{"perfect network", 0, 0, 0, 4.404394}, // d=10, R=92.95
		{"good call", 1, 20, 100, 4.257311},    // d=150, R=86.95
		{"poor call", 5, 30, 200, 3.389415},    // d=270, R=65.7
		{"at the knee", 0, 0, 150, 4.318911},   // d=160, R=89.2 from either side
		{"just below the knee", 0, 0, 149.999999, 4.318911},
		{"unusable", 40, 0, 0, 1}, // R below 0
		{"negative inputs count as 0", -3, -1, -50, 4.404394},
		{"NaN counts as 0", math.NaN(), math.NaN(), math.NaN(), 4.404394},
		{"loss above 100 %", 250, 0, 0, 1},
	}
	for _, tc := range cases {
		if got := EstimateMOS(tc.loss, tc.jitter, tc.delay); math.Abs(got-tc.want) > 5e-6 {
			t.Errorf("%s: EstimateMOS(%v, %v, %v) = %.6f, want %.6f", tc.name, tc.loss, tc.jitter, tc.delay, got, tc.want)
		}
	}
}

func TestMOSFromR(t *testing.T) {
	for _, tc := range []struct{ r, want float64 }{
		{-10, 1}, {0, 1}, {5, 1}, // the cubic dips below 1 here; the scale does not
		{50, 1 + 1.75 + 50*-10*50*7e-6}, {80, 1 + 2.8 + 80*20*20*7e-6}, {100, 4.5}, {120, 4.5},
	} {
		if got := mosFromR(tc.r); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("mosFromR(%v) = %v, want %v", tc.r, got, tc.want)
		}
	}
}

// TestEstimateMOSIsMonotonic: more loss, jitter or delay never sounds
// better, and the estimate stays on the 1-4.5 scale.
func TestEstimateMOSIsMonotonic(t *testing.T) {
	for loss := 0.0; loss <= 30; loss += 1.5 {
		for jitter := 0.0; jitter <= 120; jitter += 7 {
			for delay := 0.0; delay <= 500; delay += 23 {
				mos := EstimateMOS(loss, jitter, delay)
				if mos < 1 || mos > 4.5 {
					t.Fatalf("EstimateMOS(%v, %v, %v) = %v, off the scale", loss, jitter, delay, mos)
				}
				for _, worse := range []float64{EstimateMOS(loss+1, jitter, delay), EstimateMOS(loss, jitter+5, delay), EstimateMOS(loss, jitter, delay+10)} {
					if worse > mos+1e-12 {
						t.Fatalf("worse network, better MOS at (%v, %v, %v): %v > %v", loss, jitter, delay, worse, mos)
					}
				}
			}
		}
	}
}
