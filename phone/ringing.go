package phone

// Which sound announces incoming calls: the ringer while the operator is
// free, the soft call-waiting tone while a call is answered (call waiting),
// nothing when no incoming call rings. Recomputed whenever a call starts
// ringing, is answered or ends, so that answering one of two ringing calls
// turns the ringer into the call-waiting tone, and ending the call in
// progress turns a waiting call's tone back into the ringer.

// ringToneNow decides from the calls that exist now.
func (p *Phone) ringToneNow() ToneKind {
	p.mu.Lock()
	defer p.mu.Unlock()
	ringing, talking := false, false
	for _, c := range p.calls {
		switch st := c.State(); {
		case st == StateRinging && c.Direction == Inbound:
			ringing = true
		case st == StateActive:
			talking = true
		}
	}
	switch {
	case !ringing:
		return ""
	case talking:
		return ToneCallWaiting
	}
	return ToneRing
}

// updateRingTone plays what ringToneNow says, touching the tones only when
// that changes (Play restarts a cadence from its beginning).
func (p *Phone) updateRingTone() {
	p.ringToneMu.Lock()
	defer p.ringToneMu.Unlock()
	want := p.ringToneNow()
	if want == p.ringTone {
		return
	}
	if p.ringTone != "" {
		p.opts.Tones.Stop(p.ringTone)
	}
	if want != "" {
		p.opts.Tones.Play(want)
	}
	p.ringTone = want
}

// answeredCalls counts the calls that talk (held ones included).
func (p *Phone) answeredCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if c.State() == StateActive {
			n++
		}
	}
	return n
}
