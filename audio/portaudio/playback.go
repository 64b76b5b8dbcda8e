package portaudio

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// Playback plays a source on an output device until Closed.
type Playback struct {
	sv   *supervisor
	src  audio.Source
	rate int

	srcErrors atomic.Uint64 // failed ReadFrames, played as silence

	// Silence pacing while no device works; owned by the watchdog.
	pacerStop chan struct{}
	pacerDone chan struct{}
}

// OpenPlayback plays src, read in 20 ms frames at rate (the codec rate), on
// dev. The stream's pump pulls src through a StreamResampler whenever the
// device has room, so the device clock paces the source; src.ReadFrame runs
// on the pump
// and must return promptly (a jitter buffer, not a network read). While no
// device works src is still drained at real-time pace, so the call goes on.
// The device runs at override when > 0, else at its default rate (falling
// back to 48000 or 44100 Hz).
func (h *Host) OpenPlayback(dev Device, rate int, override float64, src audio.Source, opts Options) (*Playback, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("PortAudio: playback rate %d: must be positive", rate)
	}
	if src == nil {
		return nil, fmt.Errorf("PortAudio: playback without a source")
	}
	p := &Playback{src: src, rate: rate}
	sv, err := h.startStream(dev, true, rate, override, opts, p)
	if err != nil {
		return nil, err
	}
	p.sv = sv
	return p, nil
}

// processor resamples src to the device rate and fans mono out to the
// device's channels. It runs on the pump, which the device's clock paces:
// no allocation (the resampling source reuses its buffers), no locks.
func (p *Playback) processor(ds *deviceStream) (func([]int16), error) {
	src := audio.NewResamplingSource(p.src, p.rate, ds.rate)
	mono := make([]int16, ds.period)
	channels := ds.channels
	return func(out []int16) {
		for len(out) >= channels {
			n := min(len(out)/channels, len(mono))
			if err := src.ReadFrame(mono[:n]); err != nil {
				clear(mono[:n])
				p.srcErrors.Add(1)
			}
			if channels == 1 {
				copy(out, mono[:n])
			} else {
				for i, v := range mono[:n] {
					for ch := range channels {
						out[i*channels+ch] = v
					}
				}
			}
			out = out[n*channels:]
		}
		clear(out) // a partial frame cannot happen, but never play garbage
	}, nil
}

// live starts or stops draining src on a timer while no device plays it.
func (p *Playback) live(on bool) {
	if on {
		p.stopPacer()
		return
	}
	if p.pacerStop != nil {
		return
	}
	p.pacerStop, p.pacerDone = make(chan struct{}), make(chan struct{})
	go p.pace(p.pacerStop, p.pacerDone)
}

func (p *Playback) halt() { p.stopPacer() }

func (p *Playback) stopPacer() {
	if p.pacerStop == nil {
		return
	}
	close(p.pacerStop)
	<-p.pacerDone
	p.pacerStop, p.pacerDone = nil, nil
}

// pace reads one frame per 20 ms and drops it, standing in for the device
// clock so the receive side neither stalls nor piles up audio.
func (p *Playback) pace(stop, done chan struct{}) {
	defer close(done)
	frame := make([]int16, max(1, p.rate/50))
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			if err := p.src.ReadFrame(frame); err != nil {
				p.srcErrors.Add(1)
			}
		}
	}
}

// Stats reports the device in use and how often it underran.
func (p *Playback) Stats() Stats {
	st := p.sv.stats()
	st.Underruns = st.Xruns
	return st
}

// Close stops playing; safe to call more than once.
func (p *Playback) Close() error {
	p.sv.close()
	return nil
}
