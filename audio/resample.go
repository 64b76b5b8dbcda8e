package audio

import (
	"math"
	"slices"
)

// Resampler design. The filter is a Kaiser-windowed sinc low-pass whose stop
// band starts exactly at the Nyquist frequency of the lower rate, so nothing
// that could alias survives with more than resampleStopbandDB of gain, and
// whose pass band reaches resamplePassbandFraction of that Nyquist (3.5 kHz
// for 8 kHz output: the whole 300-3400 Hz telephone band is flat).
const (
	resampleStopbandDB       = 80.0
	resamplePassbandFraction = 0.875
	// Above this many polyphase branches the table is sampled more coarsely
	// and interpolated linearly; with 512 rows the interpolation error is
	// about -100 dB, below the stop band.
	maxExactPhases = 512
	// Caps that keep absurd rate ratios (a 1 MHz input, say) from building
	// enormous tables; beyond them the transition band simply widens.
	maxResampleTaps         = 1 << 14
	maxResampleTableEntries = 1 << 22
)

// Resample converts a whole mono buffer from fromRate to toRate with a
// windowed-sinc anti-aliasing filter. The filter is zero-phase (no delay is
// added) and samples outside the buffer are taken as silence. The output has
// ceil(len(in)*toRate/fromRate) samples. Equal rates return a copy;
// non-positive rates return nil.
func Resample(in []int16, fromRate, toRate int) []int16 {
	if fromRate <= 0 || toRate <= 0 {
		return nil
	}
	if fromRate == toRate {
		return slices.Clone(in)
	}
	if len(in) == 0 {
		return []int16{}
	}
	return newResampleFilter(fromRate, toRate).apply(in)
}

// resampleFilter is a polyphase bank: row p holds the taps for an output
// position p/phases of the way between two input samples.
type resampleFilter struct {
	up, down int // toRate/g and fromRate/g: output n sits at input n*down/up
	taps     int // taps per row, even; the row is centred between taps/2-1 and taps/2
	phases   int // rows tabulated (up when exact, else maxExactPhases)
	coeffs   []float64
}

func newResampleFilter(fromRate, toRate int) *resampleFilter {
	g := gcd(fromRate, toRate)
	f := &resampleFilter{up: toRate / g, down: fromRate / g}

	nyquist := float64(min(fromRate, toRate)) / 2
	transition := (1 - resamplePassbandFraction) * nyquist
	// Kaiser's estimate of the length needed for the attenuation and
	// transition width, measured in input samples.
	length := (resampleStopbandDB - 7.95) * float64(fromRate) / (14.36 * transition)
	if length > maxResampleTaps {
		length = maxResampleTaps
		transition = (resampleStopbandDB - 7.95) * float64(fromRate) / (14.36 * length)
	}
	cutoff := nyquist - transition/2 // -6 dB point, midway through the transition band
	halfWidth := length / 2
	f.taps = 2 * int(math.Ceil(halfWidth))
	f.phases = min(f.up, maxExactPhases, max(64, maxResampleTableEntries/f.taps))

	fc := cutoff / float64(fromRate) // cycles per input sample
	beta := 0.1102 * (resampleStopbandDB - 8.7)
	window := kaiserWindow(beta)
	// One extra row (fraction 1.0) lets interpolation read row p+1 for the
	// last tabulated phase.
	f.coeffs = make([]float64, (f.phases+1)*f.taps)
	for p := 0; p <= f.phases; p++ {
		row := f.coeffs[p*f.taps : (p+1)*f.taps]
		frac := float64(p) / float64(f.phases)
		sum := 0.0
		for k := range row {
			t := float64(k-f.taps/2+1) - frac
			if math.Abs(t) > halfWidth {
				continue
			}
			row[k] = 2 * fc * sinc(2*fc*t) * window(t/halfWidth)
			sum += row[k]
		}
		// Unit DC gain per row: otherwise the tiny gain differences between
		// phases modulate a constant signal at the phase-cycle rate.
		for k := range row {
			row[k] /= sum
		}
	}
	return f
}

func (f *resampleFilter) apply(in []int16) []int16 {
	up, down := int64(f.up), int64(f.down)
	out := make([]int16, (int64(len(in))*up+down-1)/down)
	exact := f.phases == f.up
	for n := range out {
		pos := int64(n) * down
		base := int(pos / up)
		rem := pos % up
		first := base - f.taps/2 + 1
		var acc float64
		if exact {
			acc = f.convolve(in, first, int(rem))
		} else {
			scaled := float64(rem) * float64(f.phases) / float64(up)
			row := int(scaled)
			weight := scaled - float64(row)
			a := f.convolve(in, first, row)
			b := f.convolve(in, first, row+1)
			acc = a + weight*(b-a)
		}
		out[n] = floatToInt16(acc)
	}
	return out
}

// convolve applies coefficient row to in[first:first+taps], treating samples
// outside the buffer as zero.
func (f *resampleFilter) convolve(in []int16, first, row int) float64 {
	coeffs := f.coeffs[row*f.taps : (row+1)*f.taps]
	if first >= 0 && first+len(coeffs) <= len(in) {
		window := in[first : first+len(coeffs)]
		var acc float64
		for k, c := range coeffs {
			acc += c * float64(window[k])
		}
		return acc
	}
	lo := max(0, -first)
	hi := min(len(coeffs), len(in)-first)
	var acc float64
	for k := lo; k < hi; k++ {
		acc += coeffs[k] * float64(in[first+k])
	}
	return acc
}

// kaiserWindow returns w(x) for x in [-1, 1].
func kaiserWindow(beta float64) func(x float64) float64 {
	norm := besselI0(beta)
	return func(x float64) float64 {
		if x <= -1 || x >= 1 {
			return 0
		}
		return besselI0(beta*math.Sqrt(1-x*x)) / norm
	}
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed as a power series (converges quickly for the betas used here).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	half := x / 2
	for k := 1; k < 200; k++ {
		term *= (half / float64(k)) * (half / float64(k))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// floatToInt16 rounds to the nearest sample value, saturating.
func floatToInt16(v float64) int16 {
	return int16(max(-32768, min(32767, math.Round(v))))
}
