package phone

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// Registration is driven here rather than by diago.Register, which in v0.31.0 panics
// when the registrar is unreachable, ends its loop after one failed refresh and
// unregisters with "Contact: *" (removing the user's other devices too).

const (
	registerTimeout  = 4 * time.Second // one REGISTER or OPTIONS exchange, auth included
	minRefresh       = 5 * time.Second
	maxRetryInterval = 60 * time.Second
)

// RegisterError is a REGISTER that got a final answer other than 200, or none.
type RegisterError struct {
	Code   int    // 0 when the registrar never answered
	Reason string // the registrar's reason phrase or what failed locally
	Err    error  // underlying network error, if any
}

func (e *RegisterError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("registrar answered %d %s", e.Code, e.Reason)
	}
	if isCertificateError(e.Err) {
		// Reached, but not trusted: "unreachable" would send the user
		// looking for a network fault.
		return "registrar not trusted: " + e.Reason
	}
	return "registrar unreachable: " + e.Reason
}

func (e *RegisterError) Unwrap() error { return e.Err }

// AuthFailed tells whether the registrar refused our credentials.
func (e *RegisterError) AuthFailed() bool { return e.Code == 401 || e.Code == 407 || e.Code == 403 }

// registrar keeps one account's binding alive.
type registrar struct {
	l       *line
	callID  string // one Call-ID for all REGISTERs of this binding (RFC 3261 10.2.4)
	cseq    uint32
	publish func(Event)
	// kick wakes the loop to re-register at once: the network changed
	// (netwatch.go), so waiting out a refresh or a back-off would leave
	// calls going to a dead address.
	kick chan struct{}
	// bound is the Contact the registrar accepted last; when ours changes
	// the next REGISTER removes it.
	bound *sip.Uri
}

func newRegistrar(l *line, publish func(Event)) *registrar {
	return &registrar{l: l, callID: uuid.NewString(), publish: publish, kick: make(chan struct{}, 1)}
}

// reregister asks the loop to register again now; it never blocks.
func (r *registrar) reregister() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// register sends one REGISTER asking for expires and returns what was granted.
// expires = 0 removes our own Contact only.
func (r *registrar) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()

	l := r.l
	aor := l.aor()
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: aor.Host, Port: aor.Port})
	from := &sip.FromHeader{DisplayName: l.acct.DisplayName, Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	callID := sip.CallIDHeader(r.callID)
	req.AppendHeader(&callID)
	r.cseq++
	req.AppendHeader(&sip.CSeqHeader{SeqNo: r.cseq, MethodName: sip.REGISTER})
	req.AppendHeader(sip.NewHeader("User-Agent", l.userAgent))
	contact := l.contactURI()
	if expires == 0 && r.bound != nil {
		contact = *r.bound // remove what was registered, wherever we are now
	}
	req.AppendHeader(&sip.ContactHeader{Address: contact, Params: sip.NewParams()})
	if stale := r.bound; expires > 0 && stale != nil && stale.String() != contact.String() {
		// Our address changed: the old binding points nowhere. Removing it in
		// the same REGISTER (RFC 3261 10.2.2) spares the registrar forking
		// calls to it until it expires.
		old := &sip.ContactHeader{Address: *stale, Params: sip.NewParams()}
		old.Params.Add("expires", "0")
		req.AppendHeader(old)
	}
	exp := sip.ExpiresHeader(uint32(expires / time.Second))
	req.AppendHeader(&exp)
	req.SetDestination(l.registrarAddr())
	req.SetTransport(l.upperTransport())

	res, err := l.client.Do(ctx, req)
	if err != nil {
		return 0, &RegisterError{Reason: describeNetErr(err), Err: err}
	}
	if res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired {
		res, err = l.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: l.acct.User, Password: l.password})
		if err != nil {
			return 0, &RegisterError{Reason: describeNetErr(err), Err: err}
		}
		if seq := req.CSeq(); seq != nil {
			r.cseq = seq.SeqNo
		}
	}
	if res.StatusCode != sip.StatusOK {
		reason := res.Reason
		if res.StatusCode == 401 || res.StatusCode == 407 {
			reason = "authentication failed: wrong user or password"
		}
		return 0, &RegisterError{Code: res.StatusCode, Reason: reason}
	}
	if expires > 0 {
		r.bound = &contact
	} else {
		r.bound = nil
	}
	return grantedExpiry(res, expires), nil
}

// grantedExpiry reads the registrar's answer: our Contact's expires parameter, else
// the Expires header, else what we asked for.
func grantedExpiry(res *sip.Response, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok {
			if v, ok := c.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil {
					return time.Duration(n) * time.Second
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// keepalive sends OPTIONS to the registrar; any answer proves it is there.
func (r *registrar) keepalive(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	l := r.l
	aor := l.aor()
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: aor.Host, Port: aor.Port})
	req.SetDestination(l.registrarAddr())
	req.SetTransport(l.upperTransport())
	if _, err := l.client.Do(ctx, req); err != nil {
		return &RegisterError{Reason: "keepalive not answered: " + describeNetErr(err), Err: err}
	}
	return nil
}

// run keeps the binding until ctx ends, then removes our own Contact.
func (r *registrar) run(ctx context.Context) {
	l := r.l
	base := l.acct.RetryInterval.Duration
	if base <= 0 {
		base = 5 * time.Second
	}
	wanted := l.acct.Expires.Duration
	retry := base
	registered := false
	for ctx.Err() == nil {
		granted, err := r.register(ctx, wanted)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			r.publishFailure(err)
			r.publish(Event{Kind: RegRetrying, Account: l.acct.Name, Registrar: l.registrarAddr(), RetryInMS: retry.Milliseconds()})
			woke, kicked := r.wait(ctx, retry)
			if !woke {
				break
			}
			retry = min(retry*2, max(base, maxRetryInterval))
			if kicked {
				retry = base // a new network deserves a fresh start, not the old back-off
			}
			continue
		}
		retry = base
		registered = true
		r.publish(Event{Kind: RegOK, Account: l.acct.Name, Registrar: l.registrarAddr(), Expires: int(granted / time.Second)})
		r.holdBinding(ctx, granted, l.acct.Keepalive.Duration)
	}
	if registered {
		r.unregister()
	}
}

// holdBinding waits until the binding needs a refresh, probing the registrar in the
// meantime: a registrar that stopped answering has probably lost our binding too.
func (r *registrar) holdBinding(ctx context.Context, granted, keepaliveEvery time.Duration) {
	refresh := max(granted*8/10, minRefresh)
	deadline := time.Now().Add(refresh)
	for {
		wait := time.Until(deadline)
		if keepaliveEvery > 0 && keepaliveEvery < wait {
			wait = keepaliveEvery
		}
		if woke, kicked := r.wait(ctx, wait); !woke || kicked || !time.Now().Before(deadline) {
			return
		}
		if err := r.keepalive(ctx); err != nil {
			if ctx.Err() == nil {
				r.publishFailure(err)
			}
			return
		}
	}
}

func (r *registrar) unregister() {
	ctx, cancel := context.WithTimeout(context.Background(), registerTimeout)
	defer cancel()
	if _, err := r.register(ctx, 0); err != nil {
		r.publishFailure(fmt.Errorf("unregister: %w", err))
		return
	}
	r.publish(Event{Kind: RegUnregistered, Account: r.l.acct.Name, Registrar: r.l.registrarAddr()})
}

func (r *registrar) publishFailure(err error) {
	ev := Event{Kind: RegFailed, Account: r.l.acct.Name, Registrar: r.l.registrarAddr(), Reason: err.Error()}
	var re *RegisterError
	if errors.As(err, &re) {
		ev.Code = re.Code
	}
	r.l.log.Warn("registration failed", "error", err)
	r.publish(ev)
}

// wait sleeps d; woke is false when ctx ended, kicked true when the network
// watcher asked to re-register before d was up.
func (r *registrar) wait(ctx context.Context, d time.Duration) (woke, kicked bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, false
	case <-r.kick:
		return true, true
	case <-t.C:
		return true, false
	}
}
