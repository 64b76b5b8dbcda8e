package portaudio

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// Capture buffering, in milliseconds of audio. The ring absorbs the phase
// between the device's periods and the send loop's ticks; when the
// microphone's clock runs faster than the send loop's, audio piles up and
// the oldest is dropped so the delay stays low.
const (
	captureRingMillis = 200
	captureTrimAbove  = 60 // more than this waiting: drop down to captureTrimTo
	captureTrimTo     = 30
)

// Capture is a microphone resampled to the codec rate. It implements
// audio.Source and io.Closer; ReadFrame is meant for one goroutine.
type Capture struct {
	sv   *supervisor
	rate int
	ring *ring
	on   atomic.Bool // a device stream is running

	mu        sync.Mutex // serialises ReadFrame
	timer     *time.Timer
	closed    atomic.Bool
	underruns atomic.Uint64
	trimmed   atomic.Uint64
}

// OpenCapture opens dev for recording and resamples it to rate, the codec
// rate. The device runs at override when > 0, else at its default rate
// (falling back to 48000 or 44100 Hz).
func (h *Host) OpenCapture(dev Device, rate int, override float64, opts Options) (*Capture, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("PortAudio: capture rate %d: must be positive", rate)
	}
	c := &Capture{rate: rate, ring: newRing(rate * captureRingMillis / 1000), timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	sv, err := h.startStream(dev, false, rate, override, opts, c)
	if err != nil {
		return nil, err
	}
	c.sv = sv
	return c, nil
}

// processor downmixes, resamples to the codec rate and queues. It runs on
// the pump: no allocation, no locks, no blocking.
func (c *Capture) processor(ds *deviceStream) (func([]int16), error) {
	r, err := audio.NewStreamResampler(ds.rate, c.rate)
	if err != nil {
		return nil, err
	}
	mono := make([]int16, ds.period)
	out := make([]int16, 0, 2*ds.period*c.rate/ds.rate+64)
	channels := ds.channels
	return func(in []int16) {
		for len(in) >= channels {
			n := min(len(in)/channels, len(mono))
			if channels == 1 {
				copy(mono, in[:n])
			} else {
				for i := range n {
					mono[i] = int16((int32(in[i*channels]) + int32(in[i*channels+1])) / 2)
				}
			}
			in = in[n*channels:]
			out = r.Process(out[:0], mono[:n])
			c.ring.write(out)
		}
	}, nil
}

func (c *Capture) live(on bool) { c.on.Store(on) }

func (c *Capture) halt() { c.on.Store(false) }

// ReadFrame fills frame with the next captured audio at the codec rate. It
// waits at most one frame's duration for the device, then pads with
// silence; while no device works it returns silence at once. It never
// returns an error: a failing microphone must not end the call.
func (c *Capture) ReadFrame(frame []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on.Load() || c.closed.Load() {
		clear(frame)
		return nil
	}
	if avail := c.ring.available(); avail > c.rate*captureTrimAbove/1000 {
		drop := avail - max(len(frame), c.rate*captureTrimTo/1000)
		c.ring.skip(drop)
		c.trimmed.Add(uint64(drop))
	}
	deadline := time.Now().Add(time.Duration(len(frame)) * time.Second / time.Duration(c.rate))
	c.ring.want(len(frame))
	for c.ring.available() < len(frame) && c.on.Load() {
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		c.timer.Reset(wait)
		select {
		case <-c.ring.notify:
		case <-c.timer.C:
		}
		c.timer.Stop()
	}
	if n := c.ring.readInto(frame); n < len(frame) {
		clear(frame[n:])
		c.underruns.Add(1)
	}
	return nil
}

// Paced is true: ReadFrame waits for the device, so a send loop reading it
// needs no clock of its own. While no device works it returns silence at
// once, and the reader's clock must take over (see audio.Paced).
func (c *Capture) Paced() bool { return true }

// Stats reports the device in use and the buffer's under- and overruns.
func (c *Capture) Stats() Stats {
	st := c.sv.stats()
	st.Underruns = c.underruns.Load()
	st.Overruns = c.trimmed.Load() + c.ring.dropped.Load()
	return st
}

// Close stops the stream and its watchdog. ReadFrame then yields silence.
func (c *Capture) Close() error {
	c.closed.Store(true)
	c.sv.close()
	return nil
}

var _ audio.Source = (*Capture)(nil)
