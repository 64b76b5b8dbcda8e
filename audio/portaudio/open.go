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
// three periods passed every run. 10 ms periods were not measurably faster
// and woke the sound server's client thread and ours half as often again.
const (
	// periodsPerSecond sets the period: one 20 ms packet.
	periodsPerSecond = 50
	// playbackQueuePeriods bounds what playback keeps queued in the device;
	// PortAudio sizes the buffer at the suggested latency plus a period.
	playbackQueuePeriods = 3
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
	dp := portaudio.StreamDeviceParameters{Device: info, Channels: ds.channels, Latency: max(latency, minSuggestedLatency)}
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
