package phone

import (
	"fmt"
	"sync"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo/sip"
)

// Do-not-disturb and unconditional forwarding, per account. Both start from
// the account's configuration (dnd, dnd_voicemail, forward_to) and can be
// switched at run time (SetDND, SetForward) by the console or the control
// socket; the switches live in the account's line, not in the config.

// divertState is an account's current do-not-disturb and forwarding.
type divertState struct {
	mu        sync.Mutex
	dnd       bool
	voicemail string // dnd sends callers here (302) when set; else 486
	forwardTo string // every call is sent here (302) when set
}

// divertDecision is what happens to a new incoming call before it rings.
type divertDecision struct {
	code   int     // 0: the call rings
	target sip.Uri // Contact of a 302
	reason string  // for call.ended
}

// decide runs before a call rings: forwarding wins over do-not-disturb,
// since it still gets the caller to someone.
func (s *divertState) decide(domain string) (divertDecision, error) {
	s.mu.Lock()
	forwardTo, dnd, voicemail := s.forwardTo, s.dnd, s.voicemail
	s.mu.Unlock()
	switch {
	case forwardTo != "":
		uri, err := ParseTarget(forwardTo, domain)
		if err != nil {
			return divertDecision{}, fmt.Errorf("forward_to: %w", err)
		}
		return divertDecision{code: sip.StatusMovedTemporarily, target: uri, reason: "forwarded to " + uri.String()}, nil
	case dnd && voicemail != "":
		uri, err := ParseTarget(voicemail, domain)
		if err != nil {
			return divertDecision{}, fmt.Errorf("dnd_voicemail: %w", err)
		}
		return divertDecision{code: sip.StatusMovedTemporarily, target: uri, reason: "do not disturb: sent to voicemail " + uri.String()}, nil
	case dnd:
		return divertDecision{code: sip.StatusBusyHere, reason: "do not disturb"}, nil
	}
	return divertDecision{}, nil
}

// SetDND switches do-not-disturb of an account ("" = the first) on or off.
func (p *Phone) SetDND(account string, on bool) error {
	l, err := p.line(account)
	if err != nil {
		return err
	}
	l.divert.mu.Lock()
	l.divert.dnd = on
	l.divert.mu.Unlock()
	return nil
}

// SetForward forwards every incoming call of an account to target (a
// number or a SIP URI); "" turns forwarding off. The target is checked now,
// so that a typo is reported to whoever set it, not to the next caller.
func (p *Phone) SetForward(account, target string) error {
	l, err := p.line(account)
	if err != nil {
		return err
	}
	if target != "" {
		if _, err := ParseTarget(target, l.acct.Domain); err != nil {
			return fmt.Errorf("forward: %w", err)
		}
	}
	l.divert.mu.Lock()
	l.divert.forwardTo = target
	l.divert.mu.Unlock()
	return nil
}

// divert answers a call that must not ring here; false when it may ring.
// A forwarding target that cannot be parsed lets the call ring rather than
// lose it.
func (p *Phone) divert(l *line, c *Call, d *diago.DialogServerSession) bool {
	dec, err := l.divert.decide(l.acct.Domain)
	if err != nil {
		p.log.Warn("call not diverted", "account", l.acct.Name, "error", err)
		return false
	}
	if dec.code == 0 {
		return false
	}
	var headers []sip.Header
	ev := endEvent(c, ResultRejected, dec.code, dec.reason)
	if dec.code == sip.StatusMovedTemporarily {
		headers = append(headers, &sip.ContactHeader{Address: dec.target})
		ev.TransferTarget = dec.target.String()
	}
	if err := d.Respond(dec.code, reasonPhrase(dec.code), nil, headers...); err != nil {
		p.log.Debug("divert response not sent", "code", dec.code, "error", err)
	}
	c.finish(nil, ev)
	return true
}
