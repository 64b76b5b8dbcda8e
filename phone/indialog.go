package phone

import (
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Workarounds for diago v0.31.0 at the sipgo level, in the request middleware
// diago lets us put in front of its own handlers (WithServerRequestMiddleware):
//
//   - A re-INVITE from the far end is passed on to diago, which answers it and
//     updates the media; we read the direction of its SDP offer and, when diago
//     accepted it, publish call.remote_hold / call.remote_resumed. diago has no
//     API that tells this.
//   - A SIP INFO carrying DTMF (application/dtmf-relay or application/dtmf) is
//     answered here: diago answers it 406 and drops the digit.
//   - diago v0.31.0 handles the ACK of a re-INVITE it answered by reading the
//     dialog's media session without its lock, while the next re-INVITE
//     replaces that session: a data race whenever the far end holds and
//     resumes quickly (seen with baresip through Kamailio under -race). The
//     phone runs in-dialog INVITEs and ACKs one at a time (Phone.reInviteMu);
//     diago handles both without waiting on the network, so this costs
//     nothing.
//   - An INVITE with a Replaces header (the transferee of an attended
//     transfer) that matches none of our answered calls is refused here
//     (replaces.go); diago would ring it as a new call.
//   - Transfers: a REFER is answered here and the new call placed by the
//     phone (referred.go); the NOTIFYs of our own REFER are read here
//     (transfer.go). diago would answer a REFER 406, and hang the call up on
//     a final NOTIFY.
//
// Before all of that the guard (guard.go) refuses floods, calls from the
// wrong place and unusable offers. Everything else goes to diago untouched.

// inDialogMiddleware returns the middleware of one account's diago.
func (p *Phone) inDialogMiddleware(account string) func(next sipgo.RequestHandler) sipgo.RequestHandler {
	return func(next sipgo.RequestHandler) sipgo.RequestHandler {
		return func(req *sip.Request, tx sip.ServerTransaction) {
			// guard.go: our Server header, then floods, scans, foreign
			// calls and broken offers are answered or dropped here.
			tx = &stampingTx{ServerTransaction: tx, server: p.guard.server}
			if !p.guard.admit(account, req, tx) {
				return
			}
			switch {
			case req.IsInvite() && inDialog(req):
				p.reInviteMu.Lock()
				defer p.reInviteMu.Unlock()
				if p.refuseSRTPReInvite(account, req, tx) { // srtp.go
					return
				}
				p.observeReInvite(account, req, tx, next)
			case req.IsInvite() && req.GetHeader("Replaces") != nil:
				p.screenReplaces(account, req, tx, next) // replaces.go
			case req.IsAck():
				p.reInviteMu.Lock()
				defer p.reInviteMu.Unlock()
				next(req, tx)
			case req.Method == sip.INFO && isInfoDTMF(contentType(req)):
				p.receiveInfoDTMF(account, req, tx)
			case req.Method == sip.REFER && inDialog(req):
				p.receiveRefer(account, req, tx, next)
			case req.Method == sip.NOTIFY && inDialog(req) && isReferEvent(req):
				p.receiveReferNotify(account, req, tx, next)
			default:
				next(req, tx)
			}
		}
	}
}

// inDialog: requests within a dialog carry the To tag we gave it.
func inDialog(req *sip.Request) bool {
	to := req.To()
	return to != nil && to.Params.Has("tag")
}

func contentType(req *sip.Request) string {
	if ct := req.ContentType(); ct != nil {
		return ct.Value()
	}
	return ""
}

// observeReInvite lets diago answer the re-INVITE, then follows the hold state
// of the offer it accepted. An offerless re-INVITE (the offer is in our 200
// and the answer in the ACK) says nothing about hold and is left alone.
func (p *Phone) observeReInvite(account string, req *sip.Request, tx sip.ServerTransaction, next sipgo.RequestHandler) {
	rec := &responseRecorder{ServerTransaction: tx}
	next(req, rec)
	if rec.status < 200 || rec.status > 299 || len(req.Body()) == 0 {
		return
	}
	c := p.callForRequest(account, req)
	if c == nil {
		return
	}
	offer, err := remoteAudioDirection(req.Body())
	if err != nil {
		p.log.Debug("re-INVITE SDP not understood; hold state unchanged", "call", c.ID, "error", err)
		return
	}
	c.applyRemoteOffer(offer)
}

// responseRecorder notes the final status diago sent.
type responseRecorder struct {
	sip.ServerTransaction
	status int
}

func (r *responseRecorder) Respond(res *sip.Response) error {
	r.status = res.StatusCode
	return r.ServerTransaction.Respond(res)
}

// receiveInfoDTMF answers a SIP INFO DTMF and publishes its digit.
func (p *Phone) receiveInfoDTMF(account string, req *sip.Request, tx sip.ServerTransaction) {
	c := p.callForRequest(account, req)
	if c == nil {
		p.respondTx(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	digit, err := parseInfoDTMF(contentType(req), req.Body())
	if err != nil {
		p.log.Debug("SIP INFO DTMF not understood", "call", c.ID, "error", err)
		p.respondTx(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	p.respondTx(req, tx, sip.StatusOK, "OK")
	c.publishDTMF(digit, DTMFMethodInfo)
}

func (p *Phone) respondTx(req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	if err := tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil)); err != nil {
		p.log.Debug("response not sent", "method", req.Method, "code", code, "error", err)
	}
}

// callForRequest finds the answered call of an in-dialog request on one
// account. diago names a dialog by Call-ID and tags in the order of its role:
// as callee (UAS) our tag comes first, as caller (UAC) the far end's. The
// account matters when two accounts of this phone call each other: both legs
// then share one dialog id.
func (p *Phone) callForRequest(account string, req *sip.Request) *Call {
	asCallee, errUAS := sip.DialogIDFromRequestUAS(req)
	asCaller, errUAC := sip.DialogIDFromRequestUAC(req)
	if errUAS != nil && errUAC != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.calls {
		if c.Account != account {
			continue
		}
		c.mu.Lock()
		id := c.dialogID
		c.mu.Unlock()
		if id == "" {
			continue
		}
		if (errUAS == nil && id == asCallee && c.Direction == Inbound) ||
			(errUAC == nil && id == asCaller && c.Direction == Outbound) {
			return c
		}
	}
	return nil
}
