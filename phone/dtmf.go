package phone

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// defaultDTMFGap separates two RFC 4733 digits. Each digit lasts about 140 ms
// on the wire; without audio in between, two digits share one RTP timestamp
// and some receivers take the second for a repeat of the first.
const defaultDTMFGap = 100 * time.Millisecond

// errCallEnded is what a DTMF sender learns when the call ends first.
var errCallEnded = errors.New("the call ended")

// dtmfRequest is one SendDTMF call handed to the sending goroutine, which
// reports on done when every digit went out or sending failed.
type dtmfRequest struct {
	ctx    context.Context // a cancelled request stops before its next digit
	digits string
	done   chan error // buffered: the sender never blocks on a gone caller
}

// SendDTMF sends digits (0-9 * # A-D) on an active call and returns when the
// last one went out, with Options.DTMFGap between digits. The account's dtmf
// setting and the negotiated SDP choose the method (dtmfMethodFor): RFC 4733
// telephone events, which go through the same RTP writer as the audio
// (diago's writer is not safe from two goroutines), or SIP INFO requests
// (info_dtmf_send.go). Each digit plays as key feedback on the operator's
// device. Sent digits are not published as call.dtmf: that event tells what
// the far end pressed.
func (c *Call) SendDTMF(ctx context.Context, digits string) error {
	if digits == "" {
		return errors.New("no DTMF digits to send")
	}
	for _, d := range digits {
		if !ValidDTMF(d) {
			return fmt.Errorf("invalid DTMF digit %q (use 0-9, *, #, A-D)", d)
		}
	}
	if st := c.State(); st != StateActive {
		return fmt.Errorf("call %s is %s, not active: no DTMF", c.ID, st)
	}
	d, pump, err := c.talking()
	if err != nil {
		return fmt.Errorf("send DTMF: %w", err)
	}
	if c.DTMFMethod() == DTMFMethodInfo {
		// Signalling, not media: it reaches a far end that holds us too.
		if err := c.sendInfoDTMF(ctx, d, pump, digits); err != nil {
			return fmt.Errorf("send DTMF %q by SIP INFO: %w", digits, err)
		}
		return nil
	}
	if pump.remoteHeld.Load() {
		// We answered recvonly: the far end does not listen, diago would drop the events.
		return fmt.Errorf("call %s: the far end has put the call on hold; DTMF not sent", c.ID)
	}
	req := &dtmfRequest{ctx: ctx, digits: digits, done: make(chan error, 1)}
	select {
	case pump.dtmf <- req:
	case <-pump.quit:
		return fmt.Errorf("send DTMF: %w", errCallEnded)
	case <-ctx.Done():
		return fmt.Errorf("send DTMF: %w", ctx.Err())
	}
	select {
	case err := <-req.done:
		if err != nil {
			return fmt.Errorf("send DTMF %q: %w", digits, err)
		}
		return nil
	case <-pump.quit:
		return fmt.Errorf("send DTMF: %w", errCallEnded)
	case <-ctx.Done():
		return fmt.Errorf("send DTMF: %w", ctx.Err())
	}
}

// DTMFMethod is how SendDTMF sends digits on the call (DTMFMethodRFC4733 or
// DTMFMethodInfo), chosen at the answer; "" before it.
func (c *Call) DTMFMethod() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dtmfMethod
}

// ValidDTMF reports whether r is a DTMF digit that can be sent (0-9 * # A-D).
func ValidDTMF(r rune) bool {
	return (r >= '0' && r <= '9') || r == '*' || r == '#' || (r >= 'A' && r <= 'D')
}

// publishDTMF puts a received digit on the event stream.
func (c *Call) publishDTMF(digit rune, method string) {
	ev := c.event(CallDTMF)
	ev.Digit, ev.DTMFMethod = string(digit), method
	c.phone.bus.Publish(ev)
}
