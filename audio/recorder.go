package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
)

// Recorder writes a call to a 16-bit stereo WAV file: LEFT is what we sent,
// RIGHT is what we received, aligned by the wall-clock time of each frame.
//
// Placement: frame offsets are measured from the start time (Start, or the
// first frame of either side). A side's frames are laid end to end; when a
// frame's time is at least half a frame past the end of that side, the
// difference is rounded to whole frames and filled with silence. When a side
// runs a whole frame ahead of its time — a sound card whose clock is a little
// fast — its newest frame is overwritten, so over a long call both channels
// stay within one frame of the wall clock and of each other. Small jitter
// therefore neither opens gaps nor drops audio.
//
// Memory: only the most recent recorderWindow of audio is held, in a ring of
// interleaved pairs; older pairs are written out as newer audio arrives. A
// side lagging more than the window behind the other is snapped forward.
//
// Crash safety: the header starts with the "length unknown, read to end"
// sizes and is rewritten with the true sizes every recorderHeaderInterval of
// audio and on Close, so a killed process leaves a playable file.
//
// All methods are safe for concurrent use (the send and receive loops call
// WriteSent and WriteReceived from different goroutines). Write errors are
// sticky and reported by Err and Close.
type Recorder struct {
	mu   sync.Mutex
	path string
	file *os.File
	out  *bufio.Writer
	rate int

	started bool
	start   time.Time

	ring    []int16 // window interleaved pairs; pair at offset o lives at o % window
	window  int64   // ring capacity in pairs
	flushed int64   // pairs before this offset are in the file
	cursor  [2]int64
	scratch []byte // byte staging for flushes, allocated once

	dataBytes        int64 // bytes handed to out
	headerDataBytes  int64 // dataBytes at the last header rewrite
	headerEveryBytes int64

	err    error
	closed bool
}

const (
	sideSent     = 0 // left channel
	sideReceived = 1 // right channel

	recorderWindow         = time.Second
	recorderHeaderInterval = 2 * time.Second
	recorderScratchBytes   = 16 << 10
)

// NewRecorder creates (or truncates) the WAV file at path and returns a
// recorder for a call at rate samples per second.
func NewRecorder(path string, rate int) (*Recorder, error) {
	if rate <= 0 || rate > math.MaxInt32/4 {
		return nil, fmt.Errorf("new recorder: invalid sample rate %d", rate)
	}
	// 0600: a recording is a private conversation, whatever the directory.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("new recorder: %w", err)
	}
	header := wavHeader16(rate, 2, wavUnknownDataSize)
	if _, err := f.Write(header[:]); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("new recorder %s: write header: %w", path, err)
	}
	window := int64(rate) * int64(recorderWindow) / int64(time.Second)
	return &Recorder{
		path:             path,
		file:             f,
		out:              bufio.NewWriterSize(f, 64<<10),
		rate:             rate,
		ring:             make([]int16, 2*window),
		window:           window,
		scratch:          make([]byte, recorderScratchBytes),
		headerEveryBytes: 4 * int64(rate) * int64(recorderHeaderInterval/time.Second),
	}, nil
}

// Start fixes the time of offset zero. It only has an effect before the
// first frame; without it the first frame of either side defines the start.
func (r *Recorder) Start(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		r.start, r.started = t, true
	}
}

// WriteSent records a frame we sent, captured at time at (left channel).
// A zero at appends the frame right after the previous one.
func (r *Recorder) WriteSent(frame []int16, at time.Time) { r.write(sideSent, frame, at) }

// WriteReceived records a frame we received, captured at time at (right
// channel). A zero at appends the frame right after the previous one.
func (r *Recorder) WriteReceived(frame []int16, at time.Time) { r.write(sideReceived, frame, at) }

// Err returns the first write error, if any; recording stops after it.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close writes out the buffered audio, finalises the header and closes the
// file. The shorter side is padded with silence. Calling Close again returns
// the same result.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err == nil {
		r.flushTo(max(r.cursor[sideSent], r.cursor[sideReceived]))
	}
	if r.err == nil {
		r.rewriteHeader()
	}
	if err := r.file.Close(); err != nil && r.err == nil {
		r.err = fmt.Errorf("recorder %s: close: %w", r.path, err)
	}
	return r.err
}

func (r *Recorder) write(side int, frame []int16, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil || len(frame) == 0 {
		return
	}
	if !r.started && !at.IsZero() {
		r.start, r.started = at, true
	}
	offset := r.placement(side, len(frame), at)
	for len(frame) > 0 && r.err == nil {
		// Pieces no longer than the window, so a piece always fits the ring.
		piece := frame[:min(int64(len(frame)), r.window)]
		r.flushTo(offset + int64(len(piece)) - r.window)
		for i, v := range piece {
			r.ring[2*((offset+int64(i))%r.window)+int64(side)] = v
		}
		offset += int64(len(piece))
		frame = frame[len(piece):]
	}
	r.cursor[side] = offset
}

// placement decides where a frame of n samples captured at at goes.
func (r *Recorder) placement(side, n int, at time.Time) int64 {
	offset := r.cursor[side]
	if !at.IsZero() && r.started {
		ideal := at.Sub(r.start).Seconds() * float64(r.rate)
		switch drift := ideal - float64(offset); {
		case drift >= float64(n)/2: // behind its time: fill the gap with silence
			offset += int64(math.Round(drift/float64(n))) * int64(n)
		case -drift >= float64(n): // a whole frame ahead: step back over the newest frame
			offset -= int64(math.Floor(-drift/float64(n))) * int64(n)
		}
	}
	// Audio before the flushed point can no longer be placed; snap forward.
	return max(offset, r.flushed)
}

// flushTo writes all pairs before target to the file and frees their slots.
// Offsets beyond anything written are already zero, so a long gap is written
// as silence by cycling over cleared slots.
func (r *Recorder) flushTo(target int64) {
	for r.flushed < target && r.err == nil {
		slot := r.flushed % r.window
		pairs := min(target-r.flushed, r.window-slot, int64(len(r.scratch)/4))
		if r.dataBytes+4*pairs > maxWAVDataBytes {
			r.err = fmt.Errorf("recorder %s: recording reached the 4 GiB WAV size limit", r.path)
			return
		}
		samples := r.ring[2*slot : 2*(slot+pairs)]
		if _, err := r.out.Write(int16ToLEBytes(r.scratch, samples)); err != nil {
			r.err = fmt.Errorf("recorder %s: write audio: %w", r.path, err)
			return
		}
		clear(samples)
		r.flushed += pairs
		r.dataBytes += 4 * pairs
		if r.dataBytes-r.headerDataBytes >= r.headerEveryBytes {
			r.rewriteHeader()
		}
	}
}

// rewriteHeader pushes buffered audio to the file and then records its size
// in the header, in that order, so the header never claims unwritten audio.
func (r *Recorder) rewriteHeader() {
	if err := r.out.Flush(); err != nil {
		r.err = fmt.Errorf("recorder %s: write audio: %w", r.path, err)
		return
	}
	var size [4]byte
	binary.LittleEndian.PutUint32(size[:], uint32(r.dataBytes))
	if _, err := r.file.WriteAt(size[:], wavDataSizeOffset); err != nil {
		r.err = fmt.Errorf("recorder %s: update header: %w", r.path, err)
		return
	}
	binary.LittleEndian.PutUint32(size[:], riffSizeFor(uint32(r.dataBytes)))
	if _, err := r.file.WriteAt(size[:], wavRIFFSizeOffset); err != nil {
		r.err = fmt.Errorf("recorder %s: update header: %w", r.path, err)
		return
	}
	r.headerDataBytes = r.dataBytes
}
