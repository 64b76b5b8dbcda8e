// Package sound turns the [audio] configuration into what calls play and capture:
// the sound card through PortAudio, WAV files, or nothing. The console and the
// headless commands share it, so device handling exists once.
package sound

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

// Backend gives every call its audio.
type Backend struct {
	cfg    config.Audio
	log    *slog.Logger
	kind   string // "portaudio", "file" or "null" — what is really in use
	notice string // said once to the user, e.g. "no sound card: calls carry no audio"
	cards  *cards // nil unless kind == "portaudio"
	tones  *tonePlayer

	mu       sync.Mutex
	onChange func(DeviceEvent)
}

// DeviceEvent tells that a device was lost, replaced by a fallback, or is back.
type DeviceEvent struct {
	Kind   string `json:"kind"` // lost | fallback | restored
	Device string `json:"device"`
	Reason string `json:"reason,omitempty"`
}

// Open prepares the configured backend. A machine without a sound card is not
// an error: calls fall back to "null" and Notice says so.
func Open(cfg config.Audio, log *slog.Logger) (*Backend, error) {
	b := &Backend{cfg: cfg, log: log, kind: cfg.Backend}
	switch cfg.Backend {
	case "null":
	case "file":
		if cfg.FileInput != "" {
			if _, err := audio.ReadWAV(cfg.FileInput); err != nil {
				return nil, fmt.Errorf("audio.file_input: %w", err)
			}
		}
	case "portaudio":
		c, err := openCards(cfg, log, b.deviceEvent)
		if err != nil {
			b.kind, b.notice = "null", fmt.Sprintf("sound card unavailable (%v): calls carry no audio", err)
			break
		}
		if c == nil {
			b.kind, b.notice = "null", "no sound card found: calls carry no audio"
			break
		}
		b.cards = c
	default:
		return nil, fmt.Errorf("unknown audio backend %q", cfg.Backend)
	}
	plan, err := audio.TonePlanByName(cfg.TonePlan)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("audio.tone_plan: %w", err)
	}
	b.tones = newTonePlayer(plan, b.cards, log)
	return b, nil
}

// Kind is the backend really in use ("null" after a fallback).
func (b *Backend) Kind() string { return b.kind }

// Notice is a one-time message for the user, or "".
func (b *Backend) Notice() string { return b.notice }

// OnDeviceChange sets the hook told about lost and restored devices.
func (b *Backend) OnDeviceChange(f func(DeviceEvent)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onChange = f
}

func (b *Backend) deviceEvent(ev DeviceEvent) {
	b.log.Warn("audio device change", "kind", ev.Kind, "device", ev.Device, "reason", ev.Reason)
	b.mu.Lock()
	f := b.onChange
	b.mu.Unlock()
	if f != nil {
		f(ev)
	}
}

// Tones plays call-progress tones on the configured devices.
func (b *Backend) Tones() phone.Tones { return b.tones }

// Media returns the audio of one call.
func (b *Backend) Media() phone.Media {
	inGain, outGain := float64(b.cfg.InputGain), float64(b.cfg.OutputGain)
	var m phone.Media
	switch b.kind {
	case "file":
		if path := b.cfg.FileInput; path != "" {
			m.Source = func(rate int) (audio.Source, error) {
				clip, err := audio.ReadWAV(path)
				if err != nil {
					return nil, err
				}
				return audio.NewGainSource(audio.NewClipSource(clip, rate), inGain), nil
			}
		}
		if path := b.cfg.FileOutput; path != "" {
			m.Sink = func(rate int) (audio.Sink, error) {
				s, err := audio.NewWAVSink(path, rate)
				if err != nil {
					return nil, err
				}
				return gainSink{audio.NewGainSink(s, outGain), s}, nil
			}
		}
	case "portaudio":
		m.Source = func(rate int) (audio.Source, error) { return b.cards.capture(rate, inGain) }
		m.Player = cardPlayer{b.cards, outGain}
	}
	return m
}

// Close releases the sound card.
func (b *Backend) Close() {
	if b.tones != nil {
		b.tones.close()
	}
	if b.cards != nil {
		b.cards.close()
	}
}

// gainSink keeps the file sink's Close reachable through the gain wrapper, so
// the WAV header is completed at the end of the call.
type gainSink struct {
	audio.Sink
	file *audio.WAVSink
}

func (g gainSink) Close() error { return g.file.Close() }
