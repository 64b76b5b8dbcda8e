package portaudio

import (
	"errors"
	"fmt"
	"time"

	"github.com/gordonklaus/portaudio"
)

// describe gives errors without text (the binding's UnanticipatedHostError
// when ALSA reported nothing) some words, keeping them for errors.Is/As.
func describe(err error) error {
	var host portaudio.UnanticipatedHostError
	if errors.As(err, &host) && host.Text == "" {
		return fmt.Errorf("host API error %d (details in the debug log): %w", host.Code, err)
	}
	return err
}

func direction(output bool) string {
	if output {
		return "output"
	}
	return "input"
}

// open opens (without starting) a stream on dev: at the forced rate, or the
// device's default rate, else 48000 or 44100 Hz; mono, else stereo.
func (sv *supervisor) open(want Device) (*deviceStream, error) {
	dev, info, ok := sv.host.lookup(want.Name, want.Index, sv.output)
	if !ok {
		return nil, fmt.Errorf("PortAudio: %w: %s %q", ErrNoDevice, direction(sv.output), want.Name)
	}
	rates := []float64{sv.override}
	if sv.override <= 0 {
		// The codec rate first: a sound server (PulseAudio, PipeWire, ALSA's
		// plug) converts it in its own optimised resampler and moves 6x less
		// data for G.711, as baresip does. Hardware that refuses it runs at
		// its own rate and our resampler bridges the two.
		rates = []float64{float64(sv.rate), info.DefaultSampleRate, 48000, 44100}
	}
	maxChannels := info.MaxInputChannels
	if sv.output {
		maxChannels = info.MaxOutputChannels
	}
	var opened *deviceStream
	err := callPA("open "+direction(sv.output)+" "+dev.Name, func() error {
		if err := probeDevice(dev, sv.output); err != nil {
			return err
		}
		var firstErr error
		tried := map[int]bool{}
		for _, r := range rates {
			rate := int(r + 0.5)
			if rate <= 0 || tried[rate] {
				continue
			}
			tried[rate] = true
			for channels := 1; channels <= min(2, maxChannels); channels++ {
				ds := &deviceStream{dev: dev, rate: rate, channels: channels, xruns: &sv.xruns}
				s, err := sv.openStream(ds, info)
				if err == nil {
					ds.s, opened = s, ds
					return nil
				}
				if firstErr == nil {
					firstErr = fmt.Errorf("%d Hz, %d channel(s): %w", rate, channels, describe(err))
				}
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("no usable sample rate or channel count")
		}
		return firstErr
	}, func() {
		if opened != nil {
			_ = opened.s.Close()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("PortAudio: open %s %q: %w", direction(sv.output), dev.Name, err)
	}
	return opened, nil
}

// Device buffering, measured on the test sound card (PulseAudio through
// ALSA's pulse plugin). Two periods (40 ms) queued for playback gave a
// click 45-101 ms mouth-to-ear instead of 92-127 ms, but on a loaded
// machine (load average 5-10 on two cores) the pump then woke too late,
// the device underran and the ringback test heard gaps in 2 of 3 runs;
// three periods passed every run. Much of that was the pump's schedule,
// not the queue: it slid 3 ms later every period, so every few periods it
// found the device empty (see pumpPhaseStep). With the pump locked to the
// device's phase, playback starts with two periods, goes to three at the
// first late wake-up or nearly dry device (see growQueue) and back to two
// after 10 s without one. Mouth-to-ear went from 97-112 ms to 79-93 ms.
// Under a synthetic load (average 5-7) the ringback had short gaps in 6 of
// 12 runs against 3 of 12 with three periods throughout. Starting at three
// and shrinking later gained nothing: the jitter buffer then holds the
// extra period and only slips it away over seconds. 10 ms periods (three
// queued) were slower (93-98 ms) and woke twice as often.
const (
	// periodsPerSecond sets the period: one 20 ms packet.
	periodsPerSecond = 50
	// playbackQueuePeriods is what playback keeps queued in the device at
	// first; it grows to playbackMaxQueuePeriods at a sign of strain and
	// shrinks back, never below playbackMinQueuePeriods, after
	// playbackShrinkAfter without one. PortAudio sizes the buffer at the
	// suggested latency plus a period, room for playbackMaxQueuePeriods.
	playbackQueuePeriods    = 2
	playbackMinQueuePeriods = 2
	playbackMaxQueuePeriods = 3
	// playbackLowWaterDiv: a wake-up that finds less than a period / this
	// still queued came close to an underrun, and the queue grows.
	playbackLowWaterDiv = 4
	// minSuggestedLatency: lower invites xruns on a loaded machine.
	minSuggestedLatency = 40 * time.Millisecond
)

// openStream is one Pa_OpenStream attempt; PortAudio lock held. The stream
// is a blocking one, moved by the pump (see pump.go).
func (sv *supervisor) openStream(ds *deviceStream, info *portaudio.DeviceInfo) (*portaudio.Stream, error) {
	ds.period = max(1, ds.rate/periodsPerSecond)
	ds.buf = make([]int16, ds.period*ds.channels)
	if sv.output {
		ds.queueLimit = playbackQueuePeriods * ds.period
		ds.queueMin = playbackMinQueuePeriods * ds.period
		ds.queueMax = playbackMaxQueuePeriods * ds.period
	}
	process, err := sv.ep.processor(ds)
	if err != nil {
		return nil, err
	}
	ds.process = process
	latency := info.DefaultLowInputLatency
	if sv.output {
		latency = info.DefaultLowOutputLatency
	}
	latency = max(latency, minSuggestedLatency)
	if sv.output {
		// Room for the longest queue writePeriods may grow to.
		latency = max(latency, time.Duration(playbackMaxQueuePeriods-1)*time.Second/periodsPerSecond)
	}
	dp := portaudio.StreamDeviceParameters{Device: info, Channels: ds.channels, Latency: latency}
	p := portaudio.StreamParameters{SampleRate: float64(ds.rate), FramesPerBuffer: ds.period}
	if sv.output {
		p.Output = dp
	} else {
		p.Input = dp
	}
	// The binding reads and writes through this slice header on every
	// Read and Write, so it must stay where it is: ds is never copied.
	return portaudio.OpenStream(p, &ds.buf)
}
