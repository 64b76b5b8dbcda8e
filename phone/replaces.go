package phone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Being the target of an attended transfer (RFC 3891): the transferee's
// INVITE carries "Replaces: call-id;to-tag=…;from-tag=…" naming one of our
// answered calls (the consultation the transferor had with us). diago
// v0.31.0 would ring it as a new call; instead
//
//   - the request middleware answers what cannot be replaced: 400 for a
//     malformed header, 481 when no answered call matches, 486 for
//     early-only (our call is answered);
//   - handleIncoming answers a matching INVITE at once (no ringing: the
//     operator is already talking to that party's side of the transfer),
//     ends the old call as "transferred" and carries its audio on.
//
// Only answered calls are replaced; an early dialog gets 481, which RFC
// 3891 permits a UA that does not support replacing early dialogs.

// replacesID is a parsed Replaces header, as the sender sees the dialog:
// toTag is our tag, fromTag the far end's.
type replacesID struct {
	callID, toTag, fromTag string
	earlyOnly              bool
}

// parseReplacesHeader reads a Replaces header value (from the network).
func parseReplacesHeader(value string) (replacesID, error) {
	if len(value) > maxHeaderValue {
		return replacesID{}, fmt.Errorf("Replaces is %d bytes long", len(value))
	}
	callID, tags, err := parseReplaces(value)
	if err != nil {
		return replacesID{}, err
	}
	if strings.ContainsAny(callID, " \t<>\"") {
		return replacesID{}, fmt.Errorf("Replaces Call-ID %q is not a token", truncate(callID, 40))
	}
	_, early := tags["early-only"]
	return replacesID{callID: callID, toTag: tags["to-tag"], fromTag: tags["from-tag"], earlyOnly: early}, nil
}

// replacesHeader returns the single Replaces header of an INVITE, "" when
// there is none, or an error when there are several.
func replacesHeader(req *sip.Request) (string, error) {
	hs := req.GetHeaders("Replaces")
	switch len(hs) {
	case 0:
		return "", nil
	case 1:
		return hs[0].Value(), nil
	}
	return "", errors.New("more than one Replaces header")
}

// screenReplaces runs in the middleware for a dialog-creating INVITE with
// a Replaces header: the failures are answered here, a match goes on to
// diago and handleIncoming.
func (p *Phone) screenReplaces(account string, req *sip.Request, tx sip.ServerTransaction, next sipgo.RequestHandler) {
	_, code, reason := p.replacedCall(account, req)
	if code != 0 {
		p.respondTx(req, tx, code, reason)
		return
	}
	next(req, tx)
}

// replacedCall finds the answered call an INVITE's Replaces names. Without
// a match it returns the response that refuses the INVITE.
func (p *Phone) replacedCall(account string, req *sip.Request) (*Call, int, string) {
	value, err := replacesHeader(req)
	if err != nil {
		return nil, sip.StatusBadRequest, "Bad Request"
	}
	id, err := parseReplacesHeader(value)
	if err != nil {
		p.log.Debug("Replaces not understood", "error", err)
		return nil, sip.StatusBadRequest, "Bad Request"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.calls {
		c.mu.Lock()
		match := c.Account == account && c.SIPCallID == id.callID && c.localTag == id.toTag &&
			c.remoteTag == id.fromTag && c.state == StateActive
		c.mu.Unlock()
		if !match {
			continue
		}
		if id.earlyOnly {
			return nil, sip.StatusBusyHere, "Busy Here" // RFC 3891 §3: the dialog is confirmed
		}
		return c, 0, ""
	}
	return nil, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist"
}

// replacedCallWait bounds how long the new call waits for the old one to
// end before taking over its audio.
const replacedCallWait = 5 * time.Second

// takeOver answers an INVITE that replaces old: no ringing, the old call
// ends as transferred (we send it BYE), and the new one talks with the old
// call's audio. c is the new call, not yet tracked.
func (p *Phone) takeOver(d *diago.DialogServerSession, c, old *Call) {
	callCtx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	c.mu.Lock()
	c.hangup = cancel
	c.mu.Unlock()
	p.track(c)
	in := c.event(CallIncoming)
	in.TransferredFrom = old.ID
	p.bus.Publish(in)

	state, err := old.beginTransfer(c.RemoteURI)
	if err != nil {
		p.log.Debug("replaced call had a transfer under way", "call", old.ID, "error", err)
	}
	if err := p.answerFor(c.Account, d); err != nil {
		if state != nil {
			state.settle(false)
		}
		c.finish(&d.DialogMedia, endEvent(c, ResultFailed, 0, "answer failed: "+err.Error()))
		return
	}
	if state != nil {
		state.settle(true)
		p.bus.Publish(old.transferEvent(CallTransferred, state.target, sip.StatusOK, "OK"))
	}
	old.mu.Lock()
	media := old.media
	old.mu.Unlock()
	// The old call's audio (a sound card, say) is released before the new
	// call opens it again.
	old.Hangup()
	select {
	case <-old.done:
	case <-time.After(replacedCallWait):
		p.log.Warn("replaced call did not end in time", "call", old.ID)
	}
	p.converse(callCtx, c, d, media, p.opts.MaxDuration)
}

// dialogTags returns our tag and the far end's of an answered dialog.
func dialogTags(d dialog) (local, remote string) {
	var req *sip.Request
	var res *sip.Response
	var weCalled bool
	switch s := d.(type) {
	case *diago.DialogClientSession:
		req, res, weCalled = s.InviteRequest, s.InviteResponse, true
	case *diago.DialogServerSession:
		req, res = s.InviteRequest, s.InviteResponse
	default:
		return "", ""
	}
	if req == nil || res == nil {
		return "", ""
	}
	from, to := req.From(), res.To()
	if from == nil || to == nil {
		return "", ""
	}
	fromTag, _ := from.Params.Get("tag")
	toTag, _ := to.Params.Get("tag")
	if weCalled {
		return fromTag, toTag
	}
	return toTag, fromTag
}
