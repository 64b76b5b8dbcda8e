package phone

import (
	"context"
	"errors"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo/sip"
)

// dialog is what an answered call needs of diago's client and server sessions.
type dialog interface {
	Id() string
	Context() context.Context
	Hangup(ctx context.Context) error
	Media() *diago.DialogMedia
	Hold(ctx context.Context) error   // re-INVITE a=sendonly
	Unhold(ctx context.Context) error // re-INVITE a=sendrecv
	// Do sends an in-dialog request (the NOTIFYs of a transfer we follow,
	// SIP INFO DTMF).
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	// RemoteContact is the far end's target, where in-dialog requests go.
	RemoteContact() *sip.ContactHeader
}

// converse runs an answered call, incoming or outgoing, to its end: audio on,
// call.answered, wait for a hang-up from either side or the duration limit,
// call.ended.
func (p *Phone) converse(ctx context.Context, c *Call, d dialog, m Media, maxDuration time.Duration) {
	local, remote := dialogTags(d)
	// The offer and answer are exchanged: the DTMF method is known before
	// the call is active, so that no SendDTMF sees none.
	dtmfMethod := dtmfMethodFor(p.accountDTMF(c.Account), negotiatedTelephoneEvent(d.Media()))
	srtpSuite := negotiatedSRTP(p.accountSRTP(c.Account), d) // srtp.go
	c.mu.Lock()
	c.dialog, c.dialogID, c.media, c.dtmfMethod = d, d.Id(), m, dtmfMethod
	c.srtp = srtpSuite
	c.localTag, c.remoteTag = local, remote
	c.mu.Unlock()
	c.setState(StateActive)
	p.opts.Tones.Stop(ToneRingback)
	p.updateRingTone()
	if err := c.startMedia(ctx, d.Media(), m); err != nil {
		p.hangupDialog(d)
		c.finish(d.Media(), endEvent(c, ResultFailed, 0, "media: "+err.Error()))
		return
	}
	ans := c.event(CallAnswered)
	ans.Code, ans.Codec, ans.Recording, ans.SRTP = sip.StatusOK, c.codec, c.recording, srtpSuite
	p.bus.Publish(ans)
	close(c.answered)
	p.applySetupHold(c, d) // initial_hold.go

	// The watchdog ends a call whose network is gone (netwatch_call.go).
	watched, stopWatch := context.WithCancelCause(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		p.watchCall(watched, c, d.Media(), stopWatch)
	}()
	by, reason := p.talk(watched, d.Context(), maxDuration)
	stopWatch(nil)
	<-watchDone
	if by == "local" {
		p.hangupDialog(d)
	}
	ev := endEvent(c, ResultAnswered, 0, reason)
	ev.HangupBy = by
	if target, ok := c.transferredTo(by == "remote"); ok {
		ev.Result, ev.TransferTarget, ev.Reason = ResultTransferred, target, "transferred to "+target
	}
	c.finish(d.Media(), ev)
}

// accountDTMF is the dtmf setting of an account ("" for none known: auto).
func (p *Phone) accountDTMF(account string) string {
	l, err := p.line(account)
	if err != nil {
		return ""
	}
	return l.acct.DTMF
}

// talk waits until the call ends and says who ended it and why.
func (p *Phone) talk(local, remote context.Context, maxDuration time.Duration) (by, reason string) {
	var limit <-chan time.Time
	if maxDuration > 0 {
		t := time.NewTimer(maxDuration)
		defer t.Stop()
		limit = t.C
	}
	select {
	case <-remote.Done():
		return "remote", "remote hung up"
	case <-local.Done():
		var dropped *callDropped
		if errors.As(context.Cause(local), &dropped) {
			return "local", dropped.reason
		}
		return "local", "hung up"
	case <-limit:
		return "local", "maximum call duration reached"
	}
}

func (p *Phone) hangupDialog(d interface{ Hangup(context.Context) error }) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Hangup(ctx); err != nil {
		p.log.Debug("hangup", "error", err)
	}
}
