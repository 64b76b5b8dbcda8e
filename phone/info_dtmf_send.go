package phone

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
)

// Sending DTMF by SIP INFO (application/dtmf-relay), for peers that do not
// take RFC 4733 telephone events: gateways and PBXs that leave
// telephone-event out of their SDP, or an account configured dtmf = "info".
// diago has no INFO sender; the phone sends each digit as an in-dialog
// request through the dialog, which numbers and routes it.

// infoDTMFDuration is the key press each INFO announces (Duration=, in ms):
// about what an RFC 4733 digit of ours lasts on the wire.
const infoDTMFDuration = 160 * time.Millisecond

// infoDTMFTimeout bounds one INFO's wait for its final response when the
// caller's context has no deadline; a peer that never answers must not hold
// SendDTMF for the 32 s of a SIP transaction timeout.
const infoDTMFTimeout = 5 * time.Second

// dtmfMethodFor picks how SendDTMF sends digits on a call: what the account
// configures, or for "auto" RFC 4733 when the negotiated SDP kept
// telephone-event. A peer offering telephone-event on another payload type
// than diago's 101 does not match either (diago issue 113); INFO is then the
// better choice too, since diago would send the events as 101.
func dtmfMethodFor(configured string, telephoneEvent bool) string {
	switch configured {
	case config.DTMFInfo:
		return DTMFMethodInfo
	case config.DTMFRFC4733:
		return DTMFMethodRFC4733
	}
	if telephoneEvent {
		return DTMFMethodRFC4733
	}
	return DTMFMethodInfo
}

// negotiatedTelephoneEvent reports whether the answered call's media kept
// telephone-event. Called once at the answer, while nothing else changes
// the session (diago replaces it whole on a re-INVITE).
func negotiatedTelephoneEvent(dm *diago.DialogMedia) bool {
	if dm == nil {
		return false
	}
	sess := dm.MediaSession()
	if sess == nil {
		return false
	}
	for _, c := range sess.CommonCodecs() {
		if strings.EqualFold(c.Name, "telephone-event") {
			return true
		}
	}
	return false
}

// infoDTMFBody is the dtmf-relay body of one key: "Signal=5\r\nDuration=160\r\n".
func infoDTMFBody(digit rune, duration time.Duration) []byte {
	return []byte("Signal=" + string(digit) + "\r\nDuration=" + strconv.FormatInt(duration.Milliseconds(), 10) + "\r\n")
}

// sendInfoDTMF sends digits as SIP INFO requests, one per digit, each after
// the 200 of the one before. The next digit follows the announced key press
// and the configured gap, the cadence an IVR sees from RFC 4733 digits.
// ctx and the end of the call stop it between digits and while waiting for
// a response.
func (c *Call) sendInfoDTMF(ctx context.Context, d dialog, pump *mediaPump, digits string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(d.Context(), cancel) // the call ended
	defer stop()
	select {
	case c.infoDTMFTurn <- struct{}{}:
		defer func() { <-c.infoDTMFTurn }()
	case <-ctx.Done():
		return c.infoDTMFStopped(ctx, d)
	}
	for i, digit := range digits {
		if i > 0 {
			select {
			case <-time.After(infoDTMFDuration + c.phone.opts.DTMFGap):
			case <-ctx.Done():
				return c.infoDTMFStopped(ctx, d)
			}
		}
		if cadence, err := audio.DTMFCadence(digit); err == nil {
			pump.playFeedback(cadence) // the operator hears the key they pressed
		}
		if err := c.sendInfoDigit(ctx, d, digit); err != nil {
			if ctx.Err() != nil {
				return c.infoDTMFStopped(ctx, d)
			}
			return err
		}
	}
	return nil
}

// infoDTMFStopped says why sending stopped early: the call ended, or ctx.
func (c *Call) infoDTMFStopped(ctx context.Context, d dialog) error {
	if d.Context().Err() != nil {
		return errCallEnded
	}
	return ctx.Err()
}

// sendInfoDigit sends one INFO and waits for its final response.
func (c *Call) sendInfoDigit(ctx context.Context, d dialog, digit rune) error {
	contact := d.RemoteContact()
	if contact == nil {
		return errors.New("SIP INFO DTMF: the far end gave no Contact to send it to")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, infoDTMFTimeout)
		defer cancel()
	}
	req := sip.NewRequest(sip.INFO, contact.Address)
	req.AppendHeader(sip.NewHeader("Content-Type", contentDTMFRelay))
	req.SetBody(infoDTMFBody(digit, infoDTMFDuration))
	res, err := d.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("SIP INFO for %q: %w", digit, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("SIP INFO for %q refused: %d %s", digit, res.StatusCode, res.Reason)
	}
	c.phone.log.Debug("DTMF sent by SIP INFO", "call", c.ID, "digit", string(digit))
	return nil
}
