package phone

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// HoldToneMusic is a generated music on hold for Options.HoldMusic: a soft
// rising three-note chime (C5 E5 G5) every four seconds. It tells the far end
// that the line is alive without needing an audio file.
func HoldToneMusic(rate int) (audio.Source, error) {
	const note = 400 * time.Millisecond
	chime := audio.Cadence{Steps: []audio.ToneStep{
		{Freqs: []float64{523.25}, Dur: note},
		{Freqs: []float64{659.25}, Dur: note},
		{Freqs: []float64{783.99}, Dur: note},
		{Dur: 4*time.Second - 3*note},
	}, Repeat: true}
	return audio.NewCadenceSource(chime, rate), nil
}

// Hold puts the far end on hold: a re-INVITE with a=sendonly, after which we
// send Options.HoldMusic (silence without one) instead of the microphone and
// hear nothing. The microphone stops before the re-INVITE goes out; if the far
// end refuses, the call stays as it was. Holding a held call does nothing.
func (c *Call) Hold(ctx context.Context) error {
	c.control.Lock()
	defer c.control.Unlock()
	d, pump, err := c.talking()
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	if pump.holdMusic.Load() != nil {
		return nil
	}
	if err := c.refuseSRTPRenegotiation(); err != nil { // srtp.go
		return fmt.Errorf("hold call %s: %w", c.ID, err)
	}
	music := audio.NewSilenceSource()
	if newMusic := c.phone.opts.HoldMusic; newMusic != nil {
		if music, err = newMusic(pump.codec.Rate); err != nil {
			return fmt.Errorf("hold call %s: music on hold: %w", c.ID, err)
		}
	}
	pump.holdMusic.Store(&heldSource{music})
	if err := d.Hold(ctx); err != nil {
		pump.holdMusic.Store(nil)
		return fmt.Errorf("hold call %s: %w", c.ID, err)
	}
	c.phone.bus.Publish(c.event(CallHeld))
	return nil
}

// Resume takes the far end off hold: a re-INVITE with a=sendrecv, then the
// microphone again. If the far end refuses, the call stays on hold.
// Resuming a call that is not held does nothing.
func (c *Call) Resume(ctx context.Context) error {
	c.control.Lock()
	defer c.control.Unlock()
	d, pump, err := c.talking()
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if pump.holdMusic.Load() == nil {
		return nil
	}
	if err := d.Unhold(ctx); err != nil {
		return fmt.Errorf("resume call %s: %w", c.ID, err)
	}
	pump.holdMusic.Store(nil) // the sending goroutine closes the music source
	c.phone.bus.Publish(c.event(CallResumed))
	return nil
}

// Held reports whether we hold the far end.
func (c *Call) Held() bool {
	pump, err := c.mediaPump()
	return err == nil && pump.holdMusic.Load() != nil
}

// RemoteHeld reports whether the far end holds us.
func (c *Call) RemoteHeld() bool {
	pump, err := c.mediaPump()
	return err == nil && pump.remoteHeld.Load()
}

// talking returns the dialog and media of an active call.
func (c *Call) talking() (dialog, *mediaPump, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != StateActive || c.dialog == nil || c.pump == nil {
		return nil, nil, fmt.Errorf("call %s is %s, not active", c.ID, c.state)
	}
	return c.dialog, c.pump, nil
}

// applyRemoteOffer follows the direction of a re-INVITE offer the far end
// sent and we accepted: publishes call.remote_hold or call.remote_resumed when
// it changes. While held we send nothing (see sender.sendFrame) and local
// ringback and key feedback stop.
func (c *Call) applyRemoteOffer(m remoteMedia) {
	pump, err := c.mediaPump()
	if err != nil {
		return // no media yet: nothing to hold
	}
	held := m.holdsUs()
	if pump.remoteHeld.Swap(held) == held {
		return // a session refresh or codec change, not a hold change
	}
	kind := CallRemoteResumed
	if held {
		kind = CallRemoteHold
		c.phone.opts.Tones.Stop(ToneRingback)
		pump.feedback.Store(nil)
	}
	ev := c.event(kind)
	ev.Reason = m.describe()
	c.phone.bus.Publish(ev)
}

// describe says in SDP terms what the far end offered, for the event's Reason.
func (m remoteMedia) describe() string {
	if m.nullAddress {
		return "a=" + string(m.direction) + ", c=0.0.0.0"
	}
	return "a=" + string(m.direction)
}
