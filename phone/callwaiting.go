package phone

import (
	"context"
	"errors"
	"fmt"
)

// Call waiting: the operator talks to one party at a time. Answering a
// second call holds the one in progress (handleIncoming calls holdOthers
// before the answer, so the microphone never goes to two parties), and
// Activate or Swap move the conversation from one call to another. Calls
// in one local conference talk together and are held or resumed together
// only by the operator, one by one; Activate leaves the other members of
// the chosen call's conference alone.

// holdOthers puts every answered call except keep on hold, so that the
// operator's microphone reaches keep alone. Held calls stay as they are; a
// call that refuses the hold is logged and left talking (the far end may
// not support re-INVITEs; we cannot do better than say so).
func (p *Phone) holdOthers(ctx context.Context, keep *Call) error {
	var errs []error
	for _, c := range p.Calls() {
		if c == keep || c.State() != StateActive || c.Held() || keep.inConferenceWith(c) {
			continue
		}
		if err := c.Hold(ctx); err != nil {
			p.log.Warn("call waiting: the call in progress was not held", "call", c.ID, "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Activate makes c the call the operator talks to: every other answered
// call is held, then c is resumed. It returns the first failure; a call
// that could not be held is still talking.
func (p *Phone) Activate(ctx context.Context, c *Call) error {
	if c == nil {
		return errors.New("activate: no call")
	}
	if st := c.State(); st != StateActive {
		return fmt.Errorf("activate: call %s is %s, not active", c.ID, st)
	}
	if err := p.holdOthers(ctx, c); err != nil {
		return fmt.Errorf("activate call %s: %w", c.ID, err)
	}
	if err := c.Resume(ctx); err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	return nil
}

// Swap exchanges the talking and the held call when exactly two calls are
// answered, one talking and one held: the console's "swap" key. It returns
// the call now talking.
func (p *Phone) Swap(ctx context.Context) (*Call, error) {
	var talking, held []*Call
	for _, c := range p.Calls() {
		if c.State() != StateActive {
			continue
		}
		if c.Held() {
			held = append(held, c)
		} else {
			talking = append(talking, c)
		}
	}
	if len(talking) != 1 || len(held) != 1 {
		return nil, fmt.Errorf("swap needs two answered calls, one talking and one held (have %d talking, %d held)", len(talking), len(held))
	}
	return held[0], p.Activate(ctx, held[0])
}
