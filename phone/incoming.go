package phone

import (
	"context"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo/sip"
)

// maxRingWait ends an incoming call that nobody answers and the caller never cancels
// (a broken peer), so that it cannot hold a call slot for ever.
const maxRingWait = 5 * time.Minute

// Screening decides, before anything rings, whether an incoming call may ring.
// A non-zero code rejects the call with that final response.
type Screening func(in ScreenRequest) (code int, reason string)

// ScreenRequest is what the screening hook knows about a new call.
type ScreenRequest struct {
	Account, Number, DisplayName, Line, RemoteURI string
}

// handleIncoming runs one incoming dialog from INVITE to its end. diago ends the
// dialog when this function returns.
func (p *Phone) handleIncoming(l *line, d *diago.DialogServerSession) {
	c := newCall(p, l.acct.Name, Inbound)
	req := d.InviteRequest
	if from := req.From(); from != nil {
		c.RemoteURI, c.Number, c.DisplayName = callerText(from.Address.String()), callerText(from.Address.User), callerText(from.DisplayName)
	}
	if to := req.To(); to != nil {
		c.LocalURI, c.Line = callerText(to.Address.String()), callerText(to.Address.User)
	}
	if cid := req.CallID(); cid != nil {
		c.SIPCallID = cid.Value()
	}
	if err := d.Trying(); err != nil {
		p.log.Debug("100 Trying not sent", "error", err)
	}
	if req.GetHeader("Replaces") != nil {
		// Attended transfer to us: checked in the middleware already, but
		// the old call may have ended since.
		old, code, reason := p.replacedCall(l.acct.Name, req)
		if old == nil {
			p.respond(d, code, reason)
			return
		}
		p.takeOver(d, c, old)
		return
	}

	if code, reason := p.screen(c); code != 0 {
		p.respond(d, code, reason)
		c.finish(nil, endEvent(c, ResultBlacklisted, code, reason))
		return
	}
	if p.divert(l, c, d) {
		return
	}
	if code, reason := refuseOffer(l.acct.SRTP, req.Body()); code != 0 { // srtp.go
		p.respond(d, code, reason)
		c.finish(nil, endEvent(c, ResultRejected, code, reason))
		return
	}
	if n := p.activeCalls(); n >= p.opts.MaxCalls {
		p.respond(d, sip.StatusBusyHere, "Busy Here")
		c.finish(nil, endEvent(c, ResultRejected, sip.StatusBusyHere, "too many calls"))
		return
	}

	callCtx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	c.mu.Lock()
	c.hangup = cancel
	c.mu.Unlock()
	p.track(c)

	if err := d.Ringing(); err != nil {
		c.finish(nil, endEvent(c, ResultMissed, 0, "caller went away: "+err.Error()))
		return
	}
	c.setState(StateRinging)
	p.bus.Publish(c.event(CallIncoming))
	p.updateRingTone() // the ringer, or the call-waiting tone while the operator talks
	if delay, ok := autoAnswerDelay(l, req); ok && p.opts.AutoAnswer != nil {
		answer := time.AfterFunc(delay, func() {
			if c.State() == StateRinging {
				_ = c.Answer(p.opts.AutoAnswer(c))
			}
		})
		defer answer.Stop()
	}

	dec, ended := p.awaitDecision(callCtx, d, c)
	if ended != nil {
		c.finish(nil, *ended)
		return
	}
	if !dec.answer {
		p.respond(d, dec.code, dec.reason)
		result := ResultRejected
		if dec.code == 603 {
			result = ResultDeclined
		}
		c.finish(nil, endEvent(c, result, dec.code, dec.reason))
		return
	}
	// Call waiting: the call in progress waits on hold while we talk to
	// this one. Holding first keeps the microphone from reaching both.
	if !p.opts.TalkInParallel {
		if err := p.holdOthers(callCtx, c); err != nil {
			p.log.Debug("answering with another call still talking", "call", c.ID, "error", err)
		}
	}
	if err := l.answer(d); err != nil { // netwatch_media.go
		c.finish(&d.DialogMedia, endEvent(c, ResultFailed, 0, "answer failed: "+err.Error()))
		return
	}
	p.converse(callCtx, c, d, dec.media, p.opts.MaxDuration)
}

// awaitDecision waits while the call rings. It returns the operator's decision, or
// the call.ended event when the call ended before one.
func (p *Phone) awaitDecision(ctx context.Context, d *diago.DialogServerSession, c *Call) (decision, *Event) {
	timer := time.NewTimer(maxRingWait)
	defer timer.Stop()
	select {
	case dec := <-c.decision:
		return dec, nil
	case <-d.Context().Done():
		ev := endEvent(c, ResultMissed, sip.StatusRequestTerminated, "caller hung up while ringing")
		ev.HangupBy = "remote"
		return decision{}, &ev
	case <-ctx.Done():
		p.respond(d, sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
		ev := endEvent(c, ResultMissed, sip.StatusTemporarilyUnavailable, "not answered")
		ev.HangupBy = "local"
		return decision{}, &ev
	case <-timer.C:
		p.respond(d, sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
		return decision{}, ptr(endEvent(c, ResultMissed, sip.StatusTemporarilyUnavailable, "not answered in time"))
	}
}

// autoAnswerDelay says whether an incoming call is answered by itself and
// when: every call of an auto_answer account, and on intercom accounts the
// calls that ask for it. The longer of the account's delay and the
// caller's answer-after wins.
func autoAnswerDelay(l *line, req *sip.Request) (time.Duration, bool) {
	delay := l.acct.AutoAnswerDelay.Duration
	if l.acct.AutoAnswer {
		return delay, true
	}
	if !l.acct.Intercom {
		return 0, false
	}
	asked, ok := intercomRequest(req)
	return max(delay, asked), ok
}

func (p *Phone) screen(c *Call) (int, string) {
	if p.opts.Screening == nil {
		return 0, ""
	}
	return p.opts.Screening(ScreenRequest{
		Account: c.Account, Number: c.Number, DisplayName: c.DisplayName, Line: c.Line, RemoteURI: c.RemoteURI,
	})
}

func (p *Phone) respond(d *diago.DialogServerSession, code int, reason string) {
	if err := d.Respond(code, reason, nil); err != nil {
		p.log.Debug("final response not sent", "code", code, "error", err)
	}
}

func ptr[T any](v T) *T { return &v }
