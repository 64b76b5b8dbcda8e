package sound

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/audio/portaudio"
	"github.com/switchboard/switchboard/config"
)

// cards is the sound card side: the PortAudio host and the chosen devices.
type cards struct {
	host                *portaudio.Host
	input, output, ring portaudio.Device
	cfg                 config.Audio
	log                 *slog.Logger
	onEvent             func(DeviceEvent)
}

// openCards opens PortAudio and resolves the configured devices. It returns nil
// (and no error) when the machine has no sound device at all.
func openCards(cfg config.Audio, log *slog.Logger, onEvent func(DeviceEvent)) (*cards, error) {
	host, err := portaudio.Open(log)
	if err != nil {
		return nil, err
	}
	devs, err := host.Devices()
	if err != nil {
		_ = host.Close()
		return nil, err
	}
	if len(devs) == 0 {
		_ = host.Close()
		return nil, nil
	}
	c := &cards{host: host, cfg: cfg, log: log, onEvent: onEvent}
	for _, pick := range []struct {
		name   string
		output bool
		dst    *portaudio.Device
		key    string
	}{
		{cfg.Input, false, &c.input, "audio.input"},
		{cfg.Output, true, &c.output, "audio.output"},
		{cfg.Ring, true, &c.ring, "audio.ring"},
	} {
		d, err := host.Find(pick.name, pick.output)
		if err != nil {
			_ = host.Close()
			return nil, fmt.Errorf("%s: %w", pick.key, err)
		}
		*pick.dst = d
	}
	return c, nil
}

func (c *cards) hooks() portaudio.Options {
	return portaudio.Options{OnDeviceChange: func(ev portaudio.DeviceEvent) {
		c.onEvent(DeviceEvent{Kind: ev.Kind, Device: ev.Device, Reason: ev.Reason})
	}}
}

// capture opens the microphone for one call.
func (c *cards) capture(rate int, gainDB float64) (audio.Source, error) {
	capt, err := c.host.OpenCapture(c.input, rate, float64(c.cfg.InputRate), c.hooks())
	if err != nil {
		return nil, fmt.Errorf("open input %q: %w", c.input.Name, err)
	}
	return closingSource{audio.NewGainSource(capt, gainDB), capt}, nil
}

// play starts a playback stream pulling from src.
func (c *cards) play(dev portaudio.Device, rateOverride int, src audio.Source, rate int) (func() error, error) {
	pb, err := c.host.OpenPlayback(dev, rate, float64(rateOverride), src, c.hooks())
	if err != nil {
		return nil, fmt.Errorf("open output %q: %w", dev.Name, err)
	}
	return pb.Close, nil
}

func (c *cards) close() {
	if err := c.host.Close(); err != nil {
		c.log.Debug("close PortAudio", "error", err)
	}
}

// cardPlayer plays a call's received audio on the output device.
type cardPlayer struct {
	c    *cards
	gain float64
}

func (p cardPlayer) Play(src audio.Source, rate int) (func() error, error) {
	return p.c.play(p.c.output, p.c.cfg.OutputRate, audio.NewGainSource(src, p.gain), rate)
}

// closingSource lets the phone close the capture stream when the call ends.
type closingSource struct {
	audio.Source
	c io.Closer
}

func (s closingSource) Close() error { return s.c.Close() }

// Paced forwards the capture's pacing: the send loop then needs no timer.
func (s closingSource) Paced() bool { return audio.IsPaced(s.Source) }
