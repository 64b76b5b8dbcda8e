package phone

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/google/uuid"
)

// State of a call.
type State string

const (
	StateRinging  State = "ringing" // incoming ringing here, or outgoing ringing there
	StateDialling State = "dialling"
	StateActive   State = "active"
	StateEnded    State = "ended"
)

// Call is one call, incoming or outgoing. Its methods are safe from any goroutine;
// each call owns its own dialog, media and state.
type Call struct {
	ID          string
	Account     string
	Direction   Direction
	LocalURI    string
	RemoteURI   string
	Number      string
	DisplayName string
	Line        string
	SIPCallID   string

	phone *Phone

	mu         sync.Mutex
	state      State
	startedAt  time.Time
	ringingAt  time.Time
	answeredAt time.Time
	codec      string
	recording  string
	srtp       string // the SRTP crypto suite of the answered call's audio; "" when plain
	pump       *mediaPump
	ended      Event
	// dialog is the answered call's SIP dialog (for re-INVITEs) and dialogID
	// diago's id of it (to match in-dialog requests); set in converse.
	dialog   dialog
	dialogID string
	// localTag and remoteTag are the dialog's tags, ours and the far
	// end's: what a Replaces header names (attended transfer).
	localTag, remoteTag string
	// dtmfMethod is how SendDTMF sends digits, chosen at the answer from
	// the account's dtmf setting and the negotiated SDP (dtmfMethodFor).
	dtmfMethod string
	// infoDTMFTurn lets one SendDTMF by SIP INFO run at a time, so that
	// the digits of two callers do not interleave (the RFC 4733 ones queue
	// in the media pump instead).
	infoDTMFTurn chan struct{}
	// media is the audio the call was answered with: a call we place
	// because the far end transferred us carries it on.
	media Media
	// transfer follows the call's transfer, in either role (transfer.go).
	transfer *transferState
	// answered is closed once the call talks (call.answered published).
	answered chan struct{}
	// conference is the call's leg while it is in a local conference
	// (conference.go); nil otherwise.
	conference *conferenceLeg

	// control serialises hold, resume and mute, so that each event matches
	// the state it announces even when two clients press at once.
	control sync.Mutex

	decision chan decision // incoming: the operator's answer or rejection
	hangup   context.CancelFunc
	done     chan struct{}
}

type decision struct {
	answer bool
	code   int
	reason string
	media  Media
}

func newCall(p *Phone, account string, dir Direction) *Call {
	return &Call{
		ID: uuid.NewString(), Account: account, Direction: dir, phone: p,
		state: StateDialling, startedAt: time.Now(),
		decision: make(chan decision, 1), done: make(chan struct{}), answered: make(chan struct{}),
		infoDTMFTurn: make(chan struct{}, 1),
	}
}

// State returns the call's current state.
func (c *Call) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Done is closed when the call has ended and its call.ended event was published.
func (c *Call) Done() <-chan struct{} { return c.done }

// Ended returns the call.ended event; valid after Done is closed.
func (c *Call) Ended() Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// Answer picks up a ringing incoming call with the given audio.
func (c *Call) Answer(m Media) error {
	return c.decide(decision{answer: true, media: m})
}

// Reject refuses a ringing incoming call with a final SIP code (486 busy, 603 decline…).
func (c *Call) Reject(code int) error {
	if code < 400 || code > 699 {
		return fmt.Errorf("reject code %d: must be a final failure code 400-699", code)
	}
	return c.decide(decision{code: code, reason: reasonPhrase(code)})
}

func (c *Call) decide(d decision) error {
	if c.Direction != Inbound {
		return fmt.Errorf("call %s is outgoing: nothing to answer or reject", c.ID)
	}
	if st := c.State(); st != StateRinging {
		return fmt.Errorf("call %s is %s, not ringing", c.ID, st)
	}
	select {
	case c.decision <- d:
		return nil
	default:
		return fmt.Errorf("call %s: already answered or rejected", c.ID)
	}
}

// Hangup ends the call from our side: BYE when talking, CANCEL when still ringing
// out, 480 when an incoming call rings here.
func (c *Call) Hangup() {
	c.mu.Lock()
	cancel := c.hangup
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// event returns an event pre-filled with the call's identity.
func (c *Call) event(kind Kind) Event {
	return Event{
		Kind: kind, Time: time.Now(), Account: c.Account, CallID: c.ID, SIPCallID: c.SIPCallID,
		Direction: c.Direction, LocalURI: c.LocalURI, RemoteURI: c.RemoteURI, Number: c.Number,
		DisplayName: c.DisplayName, Line: c.Line,
	}
}

func (c *Call) setState(s State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = s
	now := time.Now()
	switch s {
	case StateRinging:
		if c.ringingAt.IsZero() {
			c.ringingAt = now
		}
	case StateActive:
		c.answeredAt = now
	}
}

// startMedia attaches the audio once the call is answered; after early media the
// pump already runs and only starts sending.
func (c *Call) startMedia(ctx context.Context, dm *diago.DialogMedia, m Media) error {
	c.mu.Lock()
	early := c.pump
	c.mu.Unlock()
	if early != nil {
		early.startSending()
		return nil
	}
	if err := c.startEarlyMedia(ctx, dm, m); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pump.startSending()
	return nil
}

// startEarlyMedia starts receiving (and recording) without sending.
func (c *Call) startEarlyMedia(ctx context.Context, dm *diago.DialogMedia, m Media) error {
	cfg := pumpConfig{
		jitter:  jitterBounds{min: c.phone.opts.JitterMin, max: c.phone.opts.JitterMax},
		dtmfGap: c.phone.opts.DTMFGap,
	}
	pump, err := startMedia(ctx, dm, m, cfg, func(d rune) { c.publishDTMF(d, DTMFMethodRFC4733) })
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.pump = pump
	c.codec = pump.codec.Name
	c.recording = m.RecordPath
	c.mu.Unlock()
	return nil
}

// finish stops media, publishes call.ended exactly once and releases the call.
func (c *Call) finish(dm *diago.DialogMedia, ev Event) {
	c.leaveConference(ev.Reason)
	if dm != nil {
		_ = dm.Close() // unblocks the media reader
	}
	c.mu.Lock()
	pump := c.pump
	c.mu.Unlock()
	if pump != nil {
		if err := pump.stop(); err != nil {
			c.phone.log.Warn("recording not closed cleanly", "call", c.ID, "error", err)
		}
		stats := pump.stats()
		ev.Media = &stats
	}

	c.mu.Lock()
	now := time.Now()
	if !c.answeredAt.IsZero() {
		ev.TalkMS = now.Sub(c.answeredAt).Milliseconds()
		if !c.ringingAt.IsZero() {
			ev.RingMS = c.answeredAt.Sub(c.ringingAt).Milliseconds()
		}
	} else if !c.ringingAt.IsZero() {
		ev.RingMS = now.Sub(c.ringingAt).Milliseconds()
	}
	ev.Codec, ev.Recording, ev.SRTP = c.codec, c.recording, c.srtp
	c.state = StateEnded
	c.ended = ev
	c.mu.Unlock()

	c.phone.forget(c)
	c.phone.endTones(c, ev)
	c.phone.bus.Publish(ev)
	close(c.done)
}
