package phone

// ToneKind names a local call-progress tone.
type ToneKind string

const (
	ToneRingback    ToneKind = "ringback"     // the far end rings (180 without early media)
	ToneBusy        ToneKind = "busy"         // the far end is busy
	ToneError       ToneKind = "error"        // the call failed
	ToneRing        ToneKind = "ring"         // an incoming call rings (on the ring device)
	ToneCallWaiting ToneKind = "call_waiting" // an incoming call while another is up
)

// Tones plays local tones; the phone says which and when. Play replaces what is
// playing; Stop silences it. Both must return at once.
type Tones interface {
	Play(kind ToneKind)
	Stop(kind ToneKind)
}

type noTones struct{}

func (noTones) Play(ToneKind) {}
func (noTones) Stop(ToneKind) {}

// endTones silences what the call rang with and, for a call we placed that
// failed, tells the operator how with a short tone.
func (p *Phone) endTones(c *Call, ev Event) {
	t := p.opts.Tones
	p.updateRingTone() // c is forgotten already: another call may still ring
	if c.Direction == Inbound {
		return
	}
	t.Stop(ToneRingback)
	switch ev.Result {
	case ResultBusy:
		t.Play(ToneBusy)
	case ResultFailed, ResultDeclined, ResultNoAnswer:
		t.Play(ToneError)
	}
}
