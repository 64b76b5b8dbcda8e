package phone

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Blind transfer (RFC 3515, RFC 5589 §6): we hold the far end, send it a
// REFER naming the target, and follow the NOTIFYs that report its call to
// the target. A 2xx ends our call as "transferred"; anything else resumes
// it and says why.
//
// diago v0.31.0 hangs up the call on any final NOTIFY unless OnNotify is
// set, and tells OnNotify only the status code; the phone therefore reads
// the NOTIFYs itself in the request middleware (receiveReferNotify) and
// gives diago a harmless OnNotify in case one slips past.

// ErrTransferFailed is wrapped by every error of a transfer that did not
// happen: the REFER was refused, the target did not answer, or no outcome
// came in time.
var ErrTransferFailed = errors.New("transfer failed")

// TransferError says why a transfer failed: the SIP code of the REFER's
// rejection or of the sipfrag of the final NOTIFY (0 when none applies).
type TransferError struct {
	Target string
	Code   int
	Reason string
}

func (e *TransferError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("transfer to %s failed: %d %s", e.Target, e.Code, e.Reason)
	}
	return fmt.Sprintf("transfer to %s failed: %s", e.Target, e.Reason)
}

func (e *TransferError) Unwrap() error { return ErrTransferFailed }

// transferOutcomeGrace is how long a call that the far end hangs up during
// a transfer waits for the final NOTIFY: transferees often send BYE and the
// last NOTIFY back to back, and they may arrive in either order.
const transferOutcomeGrace = 3 * time.Second

// transferState follows one transfer of a call, in either role.
type transferState struct {
	target   string
	progress chan sipfrag // provisional NOTIFYs; dropped when nobody reads
	final    chan sipfrag // the first final outcome; later ones are dropped
	settled  chan struct{}
	once     sync.Once
	success  bool
}

func newTransferState(target string) *transferState {
	return &transferState{target: target, progress: make(chan sipfrag, 8),
		final: make(chan sipfrag, 1), settled: make(chan struct{})}
}

// report hands a NOTIFY's sipfrag to whoever follows the transfer.
func (t *transferState) report(f sipfrag) {
	ch := t.progress
	if f.code >= 200 {
		ch = t.final
	}
	select {
	case ch <- f:
	default:
	}
}

// settle records the outcome once; converse reads it when the call ends.
func (t *transferState) settle(success bool) {
	t.once.Do(func() {
		t.success = success
		close(t.settled)
	})
}

// beginTransfer starts following a transfer; one at a time per call.
func (c *Call) beginTransfer(target string) (*transferState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.transfer != nil {
		select {
		case <-c.transfer.settled:
			if c.transfer.success {
				return nil, fmt.Errorf("call %s is transferred already", c.ID)
			}
		default:
			return nil, fmt.Errorf("call %s: a transfer to %s is under way", c.ID, c.transfer.target)
		}
	}
	c.transfer = newTransferState(target)
	return c.transfer, nil
}

func (c *Call) pendingTransfer() *transferState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transfer
}

// transferredTo returns the target when the call ended in a transfer. When
// the far end hung up, it first waits a little for an outcome still on
// its way.
func (c *Call) transferredTo(remoteHungUp bool) (string, bool) {
	t := c.pendingTransfer()
	if t == nil {
		return "", false
	}
	if remoteHungUp {
		select {
		case <-t.settled:
		case <-time.After(transferOutcomeGrace):
		}
	}
	select {
	case <-t.settled:
		return t.target, t.success
	default:
		return "", false
	}
}

// Transfer hands the far end of an active call over to target (a number,
// an extension or a SIP URI) by a blind transfer, and returns once the
// outcome is known: nil when the target answered the far end — the call
// then ends as "transferred" — or a *TransferError. A failed transfer
// resumes the call. ctx bounds the whole transfer; without a deadline it is
// bounded by the ring timeout plus 15 s.
//
// Events: call.held, call.transferring (REFER accepted, then each
// provisional NOTIFY), then call.transferred and call.ended, or
// call.transfer_failed and call.resumed.
func (c *Call) Transfer(ctx context.Context, target string) error {
	l, err := c.phone.line(c.Account)
	if err != nil {
		return err
	}
	uri, err := ParseTarget(target, l.acct.Domain)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	d, _, err := c.talking()
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	state, err := c.beginTransfer(uri.String())
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.phone.opts.RingTimeout+15*time.Second)
		defer cancel()
	}
	// RFC 5589 §6: the transferee waits on hold, not listening to us.
	if err := c.Hold(ctx); err != nil {
		c.phone.log.Debug("transfer without hold: the far end refused it", "call", c.ID, "error", err)
	}
	outcome := c.referAndFollow(ctx, d, uri, state)
	if outcome == nil {
		state.settle(true)
		c.phone.bus.Publish(c.transferEvent(CallTransferred, state.target, sip.StatusOK, "OK"))
		c.Hangup() // converse sends BYE unless the far end did already
		select {
		case <-c.done:
		case <-ctx.Done():
		}
		return nil
	}
	state.settle(false)
	c.phone.bus.Publish(c.transferEvent(CallTransferFailed, state.target, outcome.Code, outcome.Reason))
	if c.State() == StateActive {
		resumeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := c.Resume(resumeCtx); err != nil {
			c.phone.log.Warn("call not resumed after a failed transfer", "call", c.ID, "error", err)
		}
	}
	return outcome
}

// referAndFollow sends the REFER and waits for the final NOTIFY; nil means
// the target answered.
// headers go into the REFER (an attended transfer's own Refer-To).
func (c *Call) referAndFollow(ctx context.Context, d dialog, uri sip.Uri, state *transferState, headers ...sip.Header) *TransferError {
	fail := func(code int, reason string) *TransferError {
		return &TransferError{Target: state.target, Code: code, Reason: reason}
	}
	if err := sendRefer(ctx, d, uri, func(code int) {
		c.phone.log.Debug("refer NOTIFY reached diago", "call", c.ID, "code", code)
	}, headers...); err != nil {
		var res sipgo.ErrDialogResponse
		if errors.As(err, &res) && res.Res != nil {
			return fail(res.Res.StatusCode, res.Res.Reason)
		}
		return fail(0, "REFER not sent: "+describeNetErr(err))
	}
	c.phone.bus.Publish(c.transferEvent(CallTransferring, state.target, sip.StatusAccepted, "Accepted"))
	for {
		select {
		case f := <-state.progress:
			c.phone.bus.Publish(c.transferEvent(CallTransferring, state.target, f.code, f.reason))
		case f := <-state.final:
			if f.code >= 200 && f.code < 300 {
				return nil
			}
			if f.code == 0 {
				return fail(0, f.reason)
			}
			return fail(f.code, f.reason)
		case <-c.done:
			return fail(0, "the call ended before the transfer was confirmed")
		case <-ctx.Done():
			return fail(0, "no final NOTIFY in time: "+describeNetErr(ctx.Err()))
		}
	}
}

// sendRefer sends the REFER through diago, which knows the remote target
// and the route set. diago's session types take different option structs.
// A Refer-To among headers replaces the one diago writes from uri.
func sendRefer(ctx context.Context, d dialog, uri sip.Uri, onNotify func(int), headers ...sip.Header) error {
	switch s := d.(type) {
	case *diago.DialogClientSession:
		return s.ReferOptions(ctx, uri, diago.ReferClientOptions{OnNotify: onNotify, Headers: headers})
	case *diago.DialogServerSession:
		return s.ReferOptions(ctx, uri, diago.ReferServerOptions{OnNotify: onNotify, Headers: headers})
	}
	return fmt.Errorf("dialog %T cannot send REFER", d)
}

func (c *Call) transferEvent(kind Kind, target string, code int, reason string) Event {
	ev := c.event(kind)
	ev.TransferTarget, ev.Code, ev.Reason = target, code, reason
	return ev
}

// receiveReferNotify answers a NOTIFY of a REFER subscription on one of
// our calls and hands its sipfrag to the transfer under way. NOTIFYs of
// calls we do not know go on to diago (which answers 481).
func (p *Phone) receiveReferNotify(account string, req *sip.Request, tx sip.ServerTransaction, next sipgo.RequestHandler) {
	c := p.callForRequest(account, req)
	if c == nil {
		next(req, tx)
		return
	}
	frag, err := parseSipfrag(req.Body())
	if err != nil {
		p.log.Debug("refer NOTIFY not understood", "call", c.ID, "error", err)
		p.respondTx(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	p.respondTx(req, tx, sip.StatusOK, "OK")
	state := c.pendingTransfer()
	if state == nil {
		// Never passed on to diago: without our OnNotify it would hang up.
		p.log.Debug("refer NOTIFY without a transfer under way; ignored", "call", c.ID, "code", frag.code)
		return
	}
	if h := req.GetHeader("Subscription-State"); h != nil && frag.code < 200 {
		if st, reason := subscriptionState(h.Value()); st == "terminated" {
			// The subscription ended without a final answer from the target.
			state.report(sipfrag{code: 0, reason: "the far end ended the transfer without an outcome (" + orDefault(reason, "no reason") + ")"})
			return
		}
	}
	state.report(frag)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
