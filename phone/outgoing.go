package phone

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// DialOptions tune one outgoing call. Zero values take the phone's defaults.
type DialOptions struct {
	Media       Media
	RingTimeout time.Duration
	MaxDuration time.Duration
}

// Dial starts an outgoing call and returns at once; follow it with the event stream
// or Call.Done. target is a number, an extension, or a sip:/tel: URI.
func (p *Phone) Dial(ctx context.Context, account, target string, opts DialOptions) (*Call, error) {
	l, err := p.line(account)
	if err != nil {
		return nil, err
	}
	uri, err := ParseTarget(target, l.acct.Domain)
	if err != nil {
		return nil, err
	}
	return p.dial(l, uri, opts, dialExtras{})
}

// dialExtras are what a call placed by the phone itself carries beyond
// DialOptions: the one we make when the far end transfers us.
type dialExtras struct {
	headers         []sip.Header // Referred-By, Replaces
	transferredFrom string       // id of the call that was transferred
}

func (p *Phone) dial(l *line, uri sip.Uri, opts DialOptions, extras dialExtras) (*Call, error) {
	if n := p.activeCalls(); n >= p.opts.MaxCalls {
		return nil, fmt.Errorf("cannot dial: %d calls already (max_calls = %d)", n, p.opts.MaxCalls)
	}
	c := newCall(p, l.acct.Name, Outbound)
	c.RemoteURI = uri.String()
	c.Number = uri.User
	aor := l.aor()
	c.LocalURI = aor.String()
	callCtx, cancel := context.WithCancel(p.ctx)
	c.hangup = cancel
	if !p.enter() {
		cancel()
		return nil, errors.New("cannot dial: the phone is closing")
	}
	p.track(c)
	go func() {
		defer p.wg.Done()
		defer cancel()
		p.runOutgoing(callCtx, l, c, uri, opts, extras)
	}()
	return c, nil
}

func (p *Phone) runOutgoing(ctx context.Context, l *line, c *Call, uri sip.Uri, opts DialOptions, extras dialExtras) {
	d, err := l.dg.NewDialog(uri, diago.NewDialogOptions{Transport: l.transport})
	if err != nil {
		c.finish(nil, endEvent(c, ResultFailed, 0, "cannot create dialog: "+err.Error()))
		return
	}
	defer d.Close()
	if err := l.followNetworkOut(d); err != nil { // netwatch_media.go
		c.finish(nil, endEvent(c, ResultFailed, 0, "cannot create media session: "+err.Error()))
		return
	}
	if l.acct.Registrar != "" {
		// The registrar is our outbound proxy: the request URI keeps the domain.
		d.InviteRequest.SetDestination(l.registrarAddr())
	}
	from := &sip.FromHeader{DisplayName: l.acct.DisplayName, Address: l.aor(), Params: sip.NewParams()}
	// sipgo adds a Call-ID only when the INVITE goes out: give it ours now,
	// so that every event of the call (and a Replaces naming it) has it.
	callID := sip.CallIDHeader(uuid.NewString())
	d.InviteRequest.AppendHeader(&callID)
	if cid := d.InviteRequest.CallID(); cid != nil {
		c.SIPCallID = cid.Value()
	}
	started := c.event(CallOutgoing)
	started.TransferredFrom = extras.transferredFrom
	p.bus.Publish(started)

	ringTimeout := firstPositive(opts.RingTimeout, p.opts.RingTimeout)
	ringCtx, ringCancel := context.WithTimeout(ctx, ringTimeout)
	onResponse := func(res *sip.Response) error { p.onProvisional(c, res); return nil }
	inviteOpts := diago.InviteClientOptions{
		Username: l.acct.User, Password: l.password,
		Headers:          append([]sip.Header{from, sip.NewHeader("User-Agent", l.userAgent)}, extras.headers...),
		OnResponse:       onResponse,
		EarlyMediaDetect: true,
	}
	err = d.Invite(ringCtx, inviteOpts)
	if refusedSRTPOffer(l.acct.SRTP, err) { // srtp.go
		// A From of its own: sipgo tagged the first one.
		inviteOpts.Headers[0] = &sip.FromHeader{DisplayName: l.acct.DisplayName, Address: l.aor(), Params: sip.NewParams()}
		if plain, perr := p.invitePlain(ringCtx, l, d, inviteOpts); plain != nil {
			defer plain.Close()
			d, err = plain, perr
		}
	}
	if errors.Is(err, diago.ErrClientEarlyMedia) {
		err = p.earlyMedia(ringCtx, ctx, c, d, opts.Media, sipgo.AnswerOptions{
			Username: l.acct.User, Password: l.password, OnResponse: onResponse})
	}
	ringTimedOut := errors.Is(ringCtx.Err(), context.DeadlineExceeded)
	ringCancel()
	if err != nil {
		c.finish(&d.DialogMedia, explainSRTPRefusal(l.acct.SRTP, outgoingFailure(c, err, ringTimedOut, ctx.Err() != nil)))
		return
	}
	if err := d.Ack(ctx); err != nil {
		c.finish(&d.DialogMedia, endEvent(c, ResultFailed, 0, "ACK failed: "+err.Error()))
		return
	}
	if p.refusePlainAnswer(l, c, d) { // srtp.go
		return
	}
	p.converse(ctx, c, d, opts.Media, firstPositive(opts.MaxDuration, p.opts.MaxDuration))
}

// onProvisional publishes ringing once.
func (p *Phone) onProvisional(c *Call, res *sip.Response) {
	if res.StatusCode != sip.StatusRinging && res.StatusCode != sip.StatusSessionInProgress {
		return
	}
	first := c.State() != StateRinging
	c.setState(StateRinging)
	if first {
		ev := c.event(CallRinging)
		ev.Code, ev.Reason = res.StatusCode, res.Reason
		p.bus.Publish(ev)
	}
	if res.StatusCode == sip.StatusRinging || len(res.Body()) == 0 {
		p.opts.Tones.Play(ToneRingback) // a 183 with SDP brings its own sound
	}
}

// earlyMedia handles a 183 with SDP: what the far end plays before it answers
// (ringback, announcements) reaches the sink and the recording; nothing is sent
// until the answer. Then it waits for the final response as Invite would.
func (p *Phone) earlyMedia(ringCtx, callCtx context.Context, c *Call, d *diago.DialogClientSession, m Media, opts sipgo.AnswerOptions) error {
	ev := c.event(CallEarly)
	ev.Code, ev.Reason = sip.StatusSessionInProgress, "Session Progress"
	p.bus.Publish(ev)
	p.opts.Tones.Stop(ToneRingback)
	if err := c.startEarlyMedia(callCtx, &d.DialogMedia, m); err != nil {
		p.log.Warn("early media not played", "call", c.ID, "error", err)
	}
	return d.WaitAnswer(ringCtx, opts)
}

// outgoingFailure classifies why an INVITE did not lead to a call.
func outgoingFailure(c *Call, err error, ringTimedOut, cancelled bool) Event {
	var dr *sipgo.ErrDialogResponse
	if errors.As(err, &dr) && dr.Res != nil {
		code := dr.Res.StatusCode
		return endEvent(c, resultForCode(code), code, dr.Res.Reason)
	}
	var drv sipgo.ErrDialogResponse
	if errors.As(err, &drv) && drv.Res != nil {
		code := drv.Res.StatusCode
		return endEvent(c, resultForCode(code), code, drv.Res.Reason)
	}
	switch {
	case ringTimedOut:
		return endEvent(c, ResultNoAnswer, sip.StatusRequestTerminated, "no answer within the ring timeout")
	case cancelled:
		return endEvent(c, ResultCancelled, sip.StatusRequestTerminated, "cancelled")
	}
	return endEvent(c, ResultFailed, 0, describeNetErr(err))
}

// resultForCode maps a final failure response of an outgoing call.
func resultForCode(code int) Result {
	switch code {
	case sip.StatusBusyHere, 600:
		return ResultBusy
	case 603:
		return ResultDeclined
	case sip.StatusRequestTimeout, sip.StatusTemporarilyUnavailable:
		return ResultNoAnswer
	case sip.StatusRequestTerminated:
		return ResultCancelled
	}
	return ResultFailed
}

func endEvent(c *Call, r Result, code int, reason string) Event {
	ev := c.event(CallEnded)
	ev.Result, ev.Code, ev.Reason = r, code, reason
	return ev
}

func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}
