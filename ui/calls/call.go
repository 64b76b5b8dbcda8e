// Package calls is the calls pane: every call in progress with its state,
// timer, remote party, codec, quality, flags and level meters. The call
// state is driven only by phone events (Apply), so the pane shows what the
// phone did, not what the operator asked for.
package calls

import (
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/phone"
)

// State is where a call is in its life.
type State int

// Call states, in the order a call passes through them.
const (
	Ringing       State = iota // incoming, ringing here
	Dialling                   // outgoing, INVITE sent, no answer yet
	RemoteRinging              // outgoing, the far end rings (180) or plays early media
	Talking                    // answered
	Held                       // we put the far end on hold
	Ended                      // over; kept on screen a moment so the result can be read
)

func (s State) String() string {
	switch s {
	case Ringing:
		return "ringing"
	case Dialling:
		return "dialling"
	case RemoteRinging:
		return "ringing out"
	case Talking:
		return "talking"
	case Held:
		return "on hold"
	case Ended:
		return "ended"
	}
	return "?"
}

// Meter is one sample of a call's live audio figures, taken on a tick.
type Meter struct {
	InLevel, OutLevel float64 // 0..1, peak of the last interval
	LossPercent       float64
	JitterMillis      float64
	MOS               float64 // 0 = not measured yet
}

// Call is one call as the console knows it.
type Call struct {
	ID          string
	Account     string
	Direction   phone.Direction
	Number      string
	DisplayName string
	Line        string
	Codec       string
	// SRTP is the crypto suite encrypting the audio; "" when plain.
	SRTP string

	State      State
	StartedAt  time.Time
	AnsweredAt time.Time
	EndedAt    time.Time

	Muted      bool
	RemoteHeld bool
	Recording  bool

	Result phone.Result
	Code   int
	Reason string

	Meter Meter
	Card  *crm.Card
}

// New starts a call from its first event (call.incoming or call.outgoing).
func New(ev phone.Event) *Call {
	c := &Call{ID: ev.CallID, StartedAt: ev.Time, State: Dialling}
	if ev.Kind == phone.CallIncoming {
		c.State = Ringing
	}
	c.Apply(ev)
	return c
}

// Apply moves the call on by one event of its own.
func (c *Call) Apply(ev phone.Event) {
	c.fill(ev)
	switch ev.Kind {
	case phone.CallRinging, phone.CallEarly:
		if c.State == Dialling {
			c.State = RemoteRinging
		}
	case phone.CallAnswered:
		c.State, c.AnsweredAt = Talking, ev.Time
		c.Recording = ev.Recording != ""
	case phone.CallHeld:
		c.State = Held
	case phone.CallResumed:
		c.State = Talking
	case phone.CallRemoteHold:
		c.RemoteHeld = true
	case phone.CallRemoteResumed:
		c.RemoteHeld = false
	case phone.CallMuted:
		c.Muted = true
	case phone.CallUnmuted:
		c.Muted = false
	case phone.CallEnded:
		c.State, c.EndedAt = Ended, ev.Time
		c.Result, c.Code, c.Reason = ev.Result, ev.Code, ev.Reason
		c.Meter.InLevel, c.Meter.OutLevel = 0, 0
	}
}

// fill takes the descriptive fields an event carries, keeping what an
// earlier event said when this one leaves a field empty.
func (c *Call) fill(ev phone.Event) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Account, ev.Account)
	set(&c.Number, ev.Number)
	set(&c.DisplayName, ev.DisplayName)
	set(&c.Line, ev.Line)
	set(&c.Codec, ev.Codec)
	set(&c.SRTP, ev.SRTP)
	if ev.Direction != "" {
		c.Direction = ev.Direction
	}
}

// Live reports whether the call is not over.
func (c *Call) Live() bool { return c.State != Ended }

// Answered reports whether the call is (or was) connected.
func (c *Call) Answered() bool { return !c.AnsweredAt.IsZero() }

// Elapsed is the timer shown: talk time once answered, ring time before.
func (c *Call) Elapsed(now time.Time) time.Duration {
	from, to := c.StartedAt, now
	if c.Answered() {
		from = c.AnsweredAt
	}
	if !c.EndedAt.IsZero() {
		to = c.EndedAt
	}
	if from.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// Name is the best name for the far end: the CRM contact, the display name
// the caller sent, or the number.
func (c *Call) Name() string {
	if c.Card != nil && c.Card.Contact != nil && c.Card.Contact.Name != "" {
		return c.Card.Contact.Name
	}
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return c.Number
}

// Outcome says in words how an ended call ended.
func (c *Call) Outcome() string {
	switch c.Result {
	case phone.ResultAnswered, "":
		return "ended"
	case phone.ResultNoAnswer:
		return "no answer"
	}
	return string(c.Result)
}
