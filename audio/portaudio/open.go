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

// openStream is one Pa_OpenStream attempt; PortAudio lock held.
func (sv *supervisor) openStream(ds *deviceStream, info *portaudio.DeviceInfo) (*portaudio.Stream, error) {
	cb, err := sv.ep.callback(ds)
	if err != nil {
		return nil, err
	}
	latency := info.DefaultLowInputLatency
	if sv.output {
		latency = info.DefaultLowOutputLatency
	}
	// Two 20 ms periods at least: lower saves nothing on a phone call and
	// invites underruns on a loaded machine.
	dp := portaudio.StreamDeviceParameters{Device: info, Channels: ds.channels, Latency: max(latency, 40*time.Millisecond)}
	p := portaudio.StreamParameters{SampleRate: float64(ds.rate), FramesPerBuffer: ds.rate / 50}
	if sv.output {
		p.Output = dp
	} else {
		p.Input = dp
	}
	return portaudio.OpenStream(p, cb)
}
