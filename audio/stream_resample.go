package audio

import (
	"fmt"
	"math"
	"time"
)

// StreamResampler is the streaming form of Resample for sound-card audio: it
// converts an endless stream handed over in chunks of any size, keeping the
// filter history across calls, so chunk boundaries leave no trace. It uses
// the very same Kaiser polyphase filter as Resample and computes every output
// sample with the same arithmetic, so feeding a buffer in pieces and calling
// Flush yields exactly Resample's result.
//
// The output is sample-aligned with the input (the filter is zero-phase), but
// an output sample can only be computed once the filter's look-ahead has
// arrived: Latency tells how long that is (about 5 ms at telephone rates).
//
// A StreamResampler is not safe for concurrent use. In steady state (chunks of
// similar size, dst with enough capacity) it does not allocate.
type StreamResampler struct {
	from, to int
	f        *resampleFilter // nil when the rates are equal: plain copy
	up, down int
	half     int // taps/2: the look-ahead in input samples

	// hist holds the input still needed, as float64 so each sample is
	// converted once rather than once per tap. hist[base] is the input sample
	// at or just before the next output's position; rem/up is the fraction
	// of the way to the sample after it.
	hist    []float64
	base    int
	rem     int64
	absBase int64 // absolute input index of hist[base]
	absIn   int64 // input samples received since the start
}

// NewStreamResampler converts from one sample rate to another. Any pair of
// positive rates works; equal rates copy the samples through.
func NewStreamResampler(from, to int) (*StreamResampler, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("audio: resample %d Hz to %d Hz: rates must be positive", from, to)
	}
	r := &StreamResampler{from: from, to: to}
	if from != to {
		r.f = newResampleFilter(from, to)
		r.up, r.down = r.f.up, r.f.down
		r.half = r.f.taps / 2
	}
	r.Reset()
	return r, nil
}

// Reset forgets all history, as if the resampler had just been created.
func (r *StreamResampler) Reset() {
	r.rem, r.absBase, r.absIn = 0, 0, 0
	if r.f == nil {
		return
	}
	// The first output's window starts half-1 samples before the stream:
	// those samples are silence, exactly as Resample treats them.
	pad := r.half - 1
	if cap(r.hist) < pad {
		r.hist = make([]float64, pad, pad+r.f.taps+4096)
	}
	r.hist = r.hist[:pad]
	clear(r.hist)
	r.base = pad
}

// Rates returns the input and output sample rates.
func (r *StreamResampler) Rates() (from, to int) { return r.from, r.to }

// Latency is how far the output lags the input: the filter's look-ahead.
func (r *StreamResampler) Latency() time.Duration {
	return time.Duration(r.half) * time.Second / time.Duration(r.from)
}

// MaxOutput bounds how many samples Process can append for n more input
// samples; size dst with it to avoid allocations.
func (r *StreamResampler) MaxOutput(n int) int {
	if r.f == nil {
		return n
	}
	pending := int64(len(r.hist)-r.base) + int64(n)
	return int(pending*int64(r.up)/int64(r.down)) + 2
}

// Process appends to dst the output that src makes computable and returns
// the extended slice, like append. Output lags input by Latency.
func (r *StreamResampler) Process(dst, src []int16) []int16 {
	if r.f == nil {
		r.absIn += int64(len(src))
		return append(dst, src...)
	}
	for _, v := range src {
		r.hist = append(r.hist, float64(v))
	}
	r.absIn += int64(len(src))
	dst = r.emit(dst, math.MaxInt64) // no end: only the look-ahead limits
	r.compact()
	return dst
}

// Flush appends the output still held back by the look-ahead, taking the
// input after the last sample as silence, and resets the resampler. After
// Flush the total output length is ceil(input*to/from), as with Resample.
func (r *StreamResampler) Flush(dst []int16) []int16 {
	if r.f != nil {
		for i := 0; i < r.half; i++ {
			r.hist = append(r.hist, 0)
		}
		dst = r.emit(dst, r.absIn)
	}
	r.Reset()
	return dst
}

// emit computes outputs while their window is complete and their position is
// before end (an absolute input index).
func (r *StreamResampler) emit(dst []int16, end int64) []int16 {
	f := r.f
	up, down := int64(r.up), int64(r.down)
	exact := f.phases == f.up
	for r.base+r.half < len(r.hist) && r.absBase < end {
		first := r.base - r.half + 1
		window := r.hist[first : first+f.taps]
		var acc float64
		if exact {
			acc = r.convolve(window, int(r.rem))
		} else {
			// Same interpolation between tabulated phases as Resample.
			scaled := float64(r.rem) * float64(f.phases) / float64(up)
			row := int(scaled)
			weight := scaled - float64(row)
			a := r.convolve(window, row)
			b := r.convolve(window, row+1)
			acc = a + weight*(b-a)
		}
		dst = append(dst, floatToInt16(acc))
		r.rem += down
		step := r.rem / up
		r.rem -= step * up
		r.base += int(step)
		r.absBase += step
	}
	return dst
}

// convolve is resampleFilter.convolve for a complete window; the summation
// order is the same, so results match Resample bit for bit.
func (r *StreamResampler) convolve(window []float64, row int) float64 {
	taps := r.f.taps
	coeffs := r.f.coeffs[row*taps : (row+1)*taps]
	window = window[:len(coeffs)]
	var acc float64
	for k, c := range coeffs {
		acc += c * window[k]
	}
	return acc
}

// compact drops input that no future output needs. It moves at most a
// window's worth of samples (plus the last chunk), so cost stays linear.
func (r *StreamResampler) compact() {
	first := r.base - r.half + 1
	if first <= 0 {
		return
	}
	n := copy(r.hist, r.hist[first:])
	r.hist = r.hist[:n]
	r.base -= first
}

// frameSamples is one 20 ms frame at rate, at least one sample.
func frameSamples(rate int) int { return max(1, rate/50) }

// resamplingSource is the pull adapter: it reads 20 ms frames from src at
// srcRate and serves reads of any length at dstRate.
type resamplingSource struct {
	src Source
	r   *StreamResampler
	err error
	in  []int16 // one source frame
	out []int16 // resampled samples not yet handed out
	pos int
}

// NewResamplingSource pulls 20 ms frames from src at srcRate and yields reads
// of any size at dstRate; a sound-card callback asking for 441 or 1024
// samples is served seamlessly. Invalid rates make every ReadFrame fail.
// Like the resampler it is meant for one reading goroutine or thread and
// does not allocate per read.
func NewResamplingSource(src Source, srcRate, dstRate int) Source {
	r, err := NewStreamResampler(srcRate, dstRate)
	if err != nil {
		return &resamplingSource{err: err}
	}
	n := frameSamples(srcRate)
	return &resamplingSource{
		src: src,
		r:   r,
		in:  make([]int16, n),
		out: make([]int16, 0, r.MaxOutput(n)+n),
	}
}

// ReadFrame fills frame with resampled audio, pulling source frames as needed.
func (s *resamplingSource) ReadFrame(frame []int16) error {
	if s.err != nil {
		return s.err
	}
	for filled := 0; filled < len(frame); {
		if s.pos == len(s.out) {
			if err := s.src.ReadFrame(s.in); err != nil {
				clear(frame[filled:])
				return fmt.Errorf("audio: resampling source: %w", err)
			}
			s.out = s.r.Process(s.out[:0], s.in)
			s.pos = 0
			continue
		}
		n := copy(frame[filled:], s.out[s.pos:])
		s.pos += n
		filled += n
	}
	return nil
}

// ResamplingSink is the push adapter: it takes chunks of any size at one rate
// and delivers 20 ms frames at another rate to the next sink, as a capture
// callback handing over whatever the sound card produced needs.
type ResamplingSink struct {
	dst     Sink
	r       *StreamResampler
	pending []int16 // resampled samples short of a whole frame
	frame   int
}

// NewResamplingSink converts chunks at srcRate into 20 ms frames at dstRate
// for dst. It is not safe for concurrent use.
func NewResamplingSink(dst Sink, srcRate, dstRate int) (*ResamplingSink, error) {
	r, err := NewStreamResampler(srcRate, dstRate)
	if err != nil {
		return nil, err
	}
	frame := frameSamples(dstRate)
	return &ResamplingSink{dst: dst, r: r, frame: frame, pending: make([]int16, 0, 4*frame)}, nil
}

// WriteFrame resamples chunk and passes on every whole frame now available.
func (s *ResamplingSink) WriteFrame(chunk []int16) error {
	s.pending = s.r.Process(s.pending, chunk)
	sent := 0
	for len(s.pending)-sent >= s.frame {
		if err := s.dst.WriteFrame(s.pending[sent : sent+s.frame]); err != nil {
			return fmt.Errorf("audio: resampling sink: %w", err)
		}
		sent += s.frame
	}
	n := copy(s.pending, s.pending[sent:])
	s.pending = s.pending[:n]
	return nil
}
