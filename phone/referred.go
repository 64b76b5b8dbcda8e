package phone

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Being transferred (RFC 3515 as the transferee). diago v0.31.0 answers a
// REFER 406 unless OnRefer was given at the answer, and then places the new
// call itself — without our outbound proxy, credentials, media or events.
// The phone therefore answers REFERs in the request middleware and places
// the new call like any other (Phone.dial), reporting its progress to the
// transferor in NOTIFYs sent through the old dialog.

// referNotifyTimeout bounds each NOTIFY we send.
const referNotifyTimeout = 5 * time.Second

// transferorByeWait is how long, after the target answered, the old call
// waits for the transferor's BYE before we end it ourselves.
const transferorByeWait = 2 * time.Second

// receiveRefer answers an in-dialog REFER on one of our calls: 603 when the
// account does not accept transfers, 400 when the Refer-To is unusable,
// else 202 and the new call starts.
func (p *Phone) receiveRefer(account string, req *sip.Request, tx sip.ServerTransaction, next sipgo.RequestHandler) {
	c := p.callForRequest(account, req)
	if c == nil {
		next(req, tx) // not one of our answered calls: diago answers 481
		return
	}
	l, err := p.line(account)
	if err != nil {
		p.respondTx(req, tx, sip.StatusInternalServerError, "Server Internal Error")
		return
	}
	referTo := req.GetHeaders("Refer-To")
	if len(referTo) != 1 { // RFC 3515 §2.4.2
		p.respondTx(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	target, err := parseReferTo(referTo[0].Value())
	if err != nil {
		p.log.Debug("REFER refused", "call", c.ID, "error", err)
		p.respondTx(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	referred := c.transferEvent(CallReferred, target.uri.String(), 0, "")
	if !l.acct.AcceptTransfer {
		p.respondTx(req, tx, 603, "Decline")
		referred.Code, referred.Reason = 603, "refused: accept_transfer is off for this account"
		p.bus.Publish(referred)
		return
	}
	contact := req.Contact()
	if contact == nil {
		p.respondTx(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	c.mu.Lock()
	d := c.dialog
	c.mu.Unlock()
	state, err := c.beginTransfer(target.uri.String())
	if err != nil || d == nil {
		p.log.Debug("REFER refused", "call", c.ID, "error", err)
		p.respondTx(req, tx, sip.StatusRequestPending, "Request Pending")
		return
	}
	if !p.enter() {
		p.respondTx(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	p.respondTx(req, tx, sip.StatusAccepted, "Accepted")
	referred.Code, referred.Reason = sip.StatusAccepted, "Accepted"
	p.bus.Publish(referred)
	n := &referNotifier{d: d, target: contact.Address, log: p.log}
	go func() {
		defer p.wg.Done()
		p.followRefer(l, c, req, target, state, n)
	}()
}

// followRefer places the call the far end asked for and reports it back:
// NOTIFY 100 now, then the final answer of the target. When the target
// answers, the old call ends as transferred; when it does not, the old
// call goes on.
func (p *Phone) followRefer(l *line, c *Call, refer *sip.Request, target referTarget, state *transferState, n *referNotifier) {
	n.send(sip.StatusTrying, "Trying", false)
	extras := dialExtras{transferredFrom: c.ID}
	if h := refer.GetHeader("Referred-By"); h != nil {
		extras.headers = append(extras.headers, sip.HeaderClone(h))
	}
	if target.replaces != "" {
		extras.headers = append(extras.headers, sip.NewHeader("Replaces", target.replaces))
	}
	c.mu.Lock()
	media := c.media
	c.mu.Unlock()
	next, err := p.dial(l, target.uri, DialOptions{Media: media}, extras)
	if err != nil {
		n.send(sip.StatusServiceUnavailable, "Service Unavailable", true)
		p.referFailed(c, state, 0, err.Error())
		return
	}
	select {
	case <-next.answered:
		n.send(sip.StatusOK, "OK", true)
		state.settle(true)
		p.bus.Publish(c.transferEvent(CallTransferred, state.target, sip.StatusOK, "OK"))
		select {
		case <-c.done: // the transferor hung up, as RFC 5589 has it
		case <-time.After(transferorByeWait):
			c.Hangup()
		}
	case <-next.done:
		end := next.Ended()
		code, reason := end.Code, end.Reason
		if code < 300 {
			code, reason = sip.StatusServiceUnavailable, orDefault(reason, "call failed")
		}
		n.send(code, reasonPhrase(code), true)
		p.referFailed(c, state, code, reason)
	case <-p.ctx.Done():
	}
}

func (p *Phone) referFailed(c *Call, state *transferState, code int, reason string) {
	state.settle(false)
	p.bus.Publish(c.transferEvent(CallTransferFailed, state.target, code, reason))
}

// referNotifier sends the NOTIFYs of one REFER subscription through the
// dialog it arrived on. A NOTIFY that fails is logged: the transferor may
// have hung up already, which does not change what we do with the new call.
type referNotifier struct {
	d      dialog
	target sip.Uri // the REFER's Contact
	log    *slog.Logger
}

func (n *referNotifier) send(code int, reason string, final bool) {
	req := sip.NewRequest(sip.NOTIFY, n.target)
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n"))
	ctx, cancel := context.WithTimeout(context.Background(), referNotifyTimeout)
	defer cancel()
	res, err := n.d.Do(ctx, req)
	switch {
	case err != nil:
		n.log.Debug("refer NOTIFY not delivered", "code", code, "error", err)
	case res.StatusCode != sip.StatusOK:
		n.log.Debug("refer NOTIFY refused", "code", code, "response", fmt.Sprint(res.StatusCode, " ", res.Reason))
	}
}
