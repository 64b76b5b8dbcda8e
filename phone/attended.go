package phone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Attended transfer as the transferring party (RFC 5589 §7): the operator
// holds the caller (call c), consults the target on a second call, then
// sends c's far end a REFER whose Refer-To carries the consultation's
// dialog as an escaped Replaces header. The transferee calls the target
// with "Replaces:", the target swaps our consultation for it and hangs the
// consultation up. diago v0.31.0 writes Refer-To from a URI without
// headers, so the phone writes that header itself (sendRefer's headers).

// TransferTo completes an attended transfer of c (the call on hold) to the
// far end of consult (the consultation, answered), and returns once the
// outcome is known: nil when the transferee reached the target — both calls
// then end as "transferred" — or a *TransferError, after which both calls
// stay as they were (c held, consult talking) for the operator to try again
// or CancelTransferTo. ctx bounds the transfer as in Transfer.
//
// Events on c: call.transferring, then call.transferred or
// call.transfer_failed; call.ended of both calls on success.
func (c *Call) TransferTo(ctx context.Context, consult *Call) error {
	if consult == nil || consult == c {
		return errors.New("attended transfer: needs a consultation call other than the transferred one")
	}
	d, _, err := c.talking()
	if err != nil {
		return fmt.Errorf("attended transfer: %w", err)
	}
	if _, _, err := consult.talking(); err != nil {
		return fmt.Errorf("attended transfer: consultation: %w", err)
	}
	target, referTo, err := consult.replacingReferTo()
	if err != nil {
		return fmt.Errorf("attended transfer: %w", err)
	}
	state, err := c.beginTransfer(target.String())
	if err != nil {
		return fmt.Errorf("attended transfer: %w", err)
	}
	// The consultation is handed over too, and the target may hang it up
	// before the final NOTIFY reaches us: followed from now on, it ends as
	// transferred (to the transferee) when the transfer succeeds.
	consultState, err := consult.beginTransfer(c.RemoteURI)
	if err != nil {
		state.settle(false)
		return fmt.Errorf("attended transfer: consultation: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.phone.opts.RingTimeout+15*time.Second)
		defer cancel()
	}
	if err := c.Hold(ctx); err != nil { // normally held already, while consulting
		c.phone.log.Debug("attended transfer without hold: the far end refused it", "call", c.ID, "error", err)
	}
	if outcome := c.referAndFollow(ctx, d, target, state, sip.NewHeader("Refer-To", referTo)); outcome != nil {
		state.settle(false)
		consultState.settle(false)
		c.phone.bus.Publish(c.transferEvent(CallTransferFailed, state.target, outcome.Code, outcome.Reason))
		return outcome
	}
	state.settle(true)
	consultState.settle(true)
	c.phone.bus.Publish(c.transferEvent(CallTransferred, state.target, sip.StatusOK, "OK"))
	// A target that understood Replaces hangs the consultation up itself.
	c.Hangup()
	select {
	case <-consult.done:
	case <-time.After(transferorByeWait):
		consult.Hangup() // the target kept both calls (no Replaces support)
	case <-ctx.Done():
	}
	for _, call := range []*Call{c, consult} {
		select {
		case <-call.done:
		case <-ctx.Done():
		}
	}
	return nil
}

// CancelTransferTo abandons an attended transfer before it is completed:
// the consultation is hung up and c, the call on hold, resumed.
func (c *Call) CancelTransferTo(ctx context.Context, consult *Call) error {
	if consult != nil && consult != c {
		consult.Hangup()
		select {
		case <-consult.done:
		case <-ctx.Done():
			return fmt.Errorf("cancel transfer: consultation %s did not end: %w", consult.ID, ctx.Err())
		}
	}
	if err := c.Resume(ctx); err != nil {
		return fmt.Errorf("cancel transfer: %w", err)
	}
	return nil
}

// replacingReferTo builds the Refer-To that sends a transferee to this
// call's far end in place of this call: <target?Replaces=...>. The tags
// are given as the target sees the dialog (RFC 3891 §3): to-tag is its own
// tag, from-tag ours.
func (c *Call) replacingReferTo() (sip.Uri, string, error) {
	c.mu.Lock()
	callID, local, remote, remoteURI := c.SIPCallID, c.localTag, c.remoteTag, c.RemoteURI
	c.mu.Unlock()
	if callID == "" || local == "" || remote == "" {
		return sip.Uri{}, "", fmt.Errorf("call %s: dialog identifiers unknown", c.ID)
	}
	var target sip.Uri
	if err := sip.ParseUri(remoteURI, &target); err != nil {
		return sip.Uri{}, "", fmt.Errorf("call %s: far end %q: %w", c.ID, remoteURI, err)
	}
	target.Headers = nil
	replaces := callID + ";to-tag=" + remote + ";from-tag=" + local
	return target, "<" + target.String() + "?Replaces=" + escapeURIHeader(replaces) + ">", nil
}

// escapeURIHeader escapes a header value for a SIP URI's header part
// (RFC 3261 §19.1.1 hvalue): everything but unreserved characters becomes
// %XX, so ';', '=' and '@' of a Replaces cannot be taken for URI syntax.
func escapeURIHeader(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("-_.!~*'()", ch) >= 0:
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}
