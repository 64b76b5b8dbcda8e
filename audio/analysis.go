package audio

import (
	"math"
	"math/bits"
	"math/cmplx"
	"time"
)

// fullScale is the magnitude that normalises int16 samples to [-1, 1].
const fullScale = 32768.0

// maxAnalysisSamples bounds the FFT size of DominantFrequency (16 s at 8 kHz).
const maxAnalysisSamples = 1 << 17

// RMS is the root-mean-square level of s normalised to full scale: a
// full-scale square wave is 1, a full-scale sine about 0.707, silence 0.
func RMS(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		x := float64(v)
		sum += x * x
	}
	return math.Sqrt(sum/float64(len(s))) / fullScale
}

// DB converts a normalised level (as from RMS) to dBFS; silence is -Inf.
func DB(level float64) float64 { return 20 * math.Log10(level) }

// Tone generates a sine of freq Hz lasting dur at rate, with a peak of
// amplitude times full scale (amplitude is clamped to [0, 1]).
func Tone(freq float64, rate int, dur time.Duration, amplitude float64) []int16 {
	if rate <= 0 || dur <= 0 {
		return []int16{}
	}
	n := int(dur.Seconds()*float64(rate) + 0.5)
	peak := max(0, min(1, amplitude)) * 32767
	out := make([]int16, n)
	for i := range out {
		out[i] = floatToInt16(peak * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// DominantFrequency estimates the frequency in Hz of the strongest spectral
// component of s, or 0 for silence. A Hann-windowed, zero-padded FFT finds the
// peak bin and a golden-section search of the windowed spectrum around it
// refines the estimate far below the bin width, so even a 20 ms frame of a
// 300 Hz tone is measured to well under 1 %. DC is removed first. Inputs
// longer than maxAnalysisSamples are analysed over their middle part only, to
// bound memory; slice the stretch you care about.
func DominantFrequency(s []int16, rate int) float64 {
	if len(s) < 4 || rate <= 0 {
		return 0
	}
	if len(s) > maxAnalysisSamples {
		skip := (len(s) - maxAnalysisSamples) / 2
		s = s[skip : skip+maxAnalysisSamples]
	}
	windowed := hannWindowed(s)
	if windowed == nil {
		return 0
	}
	size := 2 << bits.Len(uint(len(windowed)-1)) // at least 2x zero padding
	spectrum := make([]complex128, size)
	for i, v := range windowed {
		spectrum[i] = complex(v, 0)
	}
	fft(spectrum)
	peak, peakPower := 0, 0.0
	for k := 1; k < size/2; k++ {
		if p := real(spectrum[k])*real(spectrum[k]) + imag(spectrum[k])*imag(spectrum[k]); p > peakPower {
			peak, peakPower = k, p
		}
	}
	if peak == 0 {
		return 0
	}
	binWidth := float64(rate) / float64(size)
	lo := float64(peak-1) * binWidth
	hi := float64(peak+1) * binWidth
	return goldenSectionMax(func(f float64) float64 {
		return goertzelPower(windowed, f/float64(rate))
	}, lo, hi, binWidth*1e-4)
}

// ToneLevel is the RMS level (normalised like RMS) of the component of s at
// freq Hz, measured with a Hann-windowed Goertzel filter. It lets tests
// measure one tone in the presence of others, e.g. an alias.
func ToneLevel(s []int16, rate int, freq float64) float64 {
	if len(s) < 4 || rate <= 0 {
		return 0
	}
	windowed := hannWindowed(s)
	if windowed == nil {
		return 0
	}
	// A windowed sine of peak A yields |X| = A * sum(w) / 2; Hann sums to N/2.
	windowSum := float64(len(s)-1) / 2
	peak := 2 * math.Sqrt(goertzelPower(windowed, freq/float64(rate))) / windowSum
	return peak / math.Sqrt2 / fullScale
}

// hannWindowed removes the mean of s and applies a Hann window. It returns
// nil if nothing but DC is present.
func hannWindowed(s []int16) []float64 {
	var mean float64
	for _, v := range s {
		mean += float64(v)
	}
	mean /= float64(len(s))
	out := make([]float64, len(s))
	nonZero := false
	denominator := float64(len(s) - 1)
	for i, v := range s {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/denominator)
		out[i] = (float64(v) - mean) * w
		nonZero = nonZero || out[i] != 0
	}
	if !nonZero {
		return nil
	}
	return out
}

// goertzelPower is |X(f)|² of x at normalised frequency f (cycles/sample).
func goertzelPower(x []float64, f float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*f)
	var s1, s2 float64
	for _, v := range x {
		s0 := v + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

// goldenSectionMax finds the maximum of a unimodal f on [lo, hi].
func goldenSectionMax(f func(float64) float64, lo, hi, tolerance float64) float64 {
	invPhi := (math.Sqrt(5) - 1) / 2
	a, b := lo, hi
	c := b - invPhi*(b-a)
	d := a + invPhi*(b-a)
	fc, fd := f(c), f(d)
	for i := 0; i < 100 && b-a > tolerance; i++ {
		if fc > fd {
			b, d, fd = d, c, fc
			c = b - invPhi*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + invPhi*(b-a)
			fd = f(d)
		}
	}
	return (a + b) / 2
}

// fft is an in-place iterative radix-2 FFT; len(x) must be a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := 0; k < size/2; k++ {
				even, odd := x[start+k], w*x[start+k+size/2]
				x[start+k] = even + odd
				x[start+k+size/2] = even - odd
				w *= step
			}
		}
	}
}
