package phone

import (
	"fmt"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/audio/jitter"
)

// MediaStats is a snapshot of a call's audio, cheap to take at any time (the
// console refreshes it several times a second).
type MediaStats struct {
	Codec      string       `json:"codec"`
	Muted      bool         `json:"muted"`
	Held       bool         `json:"held"`        // we hold the far end
	RemoteHeld bool         `json:"remote_held"` // the far end holds us
	Recording  bool         `json:"recording"`
	Input      audio.Level  `json:"input"`  // what we send (after mute)
	Output     audio.Level  `json:"output"` // what we play
	Jitter     jitter.Stats `json:"jitter"`
}

func (c *Call) mediaPump() (*mediaPump, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pump == nil {
		return nil, fmt.Errorf("call %s has no audio yet", c.ID)
	}
	return c.pump, nil
}

// SetMuted mutes or unmutes our side: silence is sent, RTP keeps flowing. A
// change publishes call.muted or call.unmuted; asking for the state the call
// is already in publishes nothing.
func (c *Call) SetMuted(muted bool) error {
	c.control.Lock()
	defer c.control.Unlock()
	p, err := c.mediaPump()
	if err != nil {
		return err
	}
	if p.muted.IsMuted() == muted {
		return nil
	}
	p.muted.SetMuted(muted)
	kind := CallUnmuted
	if muted {
		kind = CallMuted
	}
	c.phone.bus.Publish(c.event(kind))
	return nil
}

// StartRecording records the rest of the call to a stereo WAV (left = sent,
// right = received), replacing a recording already running.
func (c *Call) StartRecording(path string) error {
	p, err := c.mediaPump()
	if err != nil {
		return err
	}
	if err := p.startRecording(path); err != nil {
		return err
	}
	c.mu.Lock()
	c.recording = path
	c.mu.Unlock()
	return nil
}

// StopRecording finalises the recording, if one runs.
func (c *Call) StopRecording() error {
	p, err := c.mediaPump()
	if err != nil {
		return err
	}
	return p.closeRecording()
}

// MediaStats reports levels, mute, recording and jitter-buffer figures.
func (c *Call) MediaStats() (MediaStats, error) {
	p, err := c.mediaPump()
	if err != nil {
		return MediaStats{}, err
	}
	return p.stats(), nil
}

func (p *mediaPump) stats() MediaStats {
	return MediaStats{
		Codec: p.codec.Name, Muted: p.muted.IsMuted(), Recording: p.recorder.Load() != nil,
		Held: p.holdMusic.Load() != nil, RemoteHeld: p.remoteHeld.Load(),
		Input: p.inLevel.Level(), Output: p.outLevel.Level(), Jitter: p.jitter.Stats(),
	}
}
