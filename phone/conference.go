package phone

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"
)

// Conference is a conference mixed here: the operator and the far ends of
// two or more answered calls all hear one another (conference_mix.go).
// diago's BridgeMix cannot do it: it mixes calls of one rate only and
// leaves out the local microphone and speaker. A call that ends leaves the
// conference; when one call is left it is a normal call again.
type Conference struct {
	ID    string
	phone *Phone
	conferenceAudio

	mu      sync.Mutex
	members []*Call
}

// Conference merges a and b into a conference mixed here, resuming any of
// them that is held. When one of them already is in a conference, the
// other joins it. Each call publishes call.conference (joined); each that
// leaves, call.conference (left).
func (p *Phone) Conference(ctx context.Context, a, b *Call) (*Conference, error) {
	if a == nil || b == nil || a == b {
		return nil, errors.New("conference: needs two different calls")
	}
	for _, c := range []*Call{a, b} {
		if _, _, err := c.talking(); err != nil {
			return nil, fmt.Errorf("conference: %w", err)
		}
	}
	cf, joining, err := p.conferenceFor(a, b)
	if err != nil {
		return nil, err
	}
	for _, c := range joining {
		if err := c.Resume(ctx); err != nil {
			return nil, fmt.Errorf("conference: %w", err)
		}
	}
	for _, c := range joining {
		if err := cf.add(c); err != nil {
			return nil, fmt.Errorf("conference: %w", err)
		}
	}
	return cf, nil
}

// conferenceFor finds or makes the conference of a and b and says which
// of them still have to join it.
func (p *Phone) conferenceFor(a, b *Call) (*Conference, []*Call, error) {
	ca, cb := a.Conference(), b.Conference()
	switch {
	case ca != nil && cb != nil:
		if ca == cb {
			return ca, nil, nil
		}
		return nil, nil, errors.New("conference: the calls are in two different conferences")
	case ca != nil:
		return ca, []*Call{b}, nil
	case cb != nil:
		return cb, []*Call{a}, nil
	}
	pa, err := a.mediaPump()
	if err != nil {
		return nil, nil, err
	}
	pb, err := b.mediaPump()
	if err != nil {
		return nil, nil, err
	}
	// One mixing rate per conference: the highest of the codecs, so that
	// an Opus member is not cut down to telephone bandwidth by a G.711 one.
	cf := &Conference{ID: uuid.NewString(), phone: p}
	cf.mixRate = max(pa.codec.Rate, pb.codec.Rate)
	return cf, []*Call{a, b}, nil
}

// add makes c a member: its audio reaches the others and theirs reaches it.
func (cf *Conference) add(c *Call) error {
	pump, err := c.mediaPump()
	if err != nil {
		return err
	}
	leg, err := newConferenceLeg(c, cf, pump.codec.Rate, cf.mixRate)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.conference != nil || c.state != StateActive {
		c.mu.Unlock()
		return fmt.Errorf("call %s cannot join: it is %s or in a conference already", c.ID, c.state)
	}
	c.conference = leg
	c.mu.Unlock()
	cf.mu.Lock()
	cf.members = append(cf.members, c)
	cf.mu.Unlock()
	cf.addLeg(leg)
	pump.conf.Store(leg)
	cf.phone.bus.Publish(cf.event(c, "joined", ""))
	return nil
}

// Members returns the calls in the conference.
func (cf *Conference) Members() []*Call {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return append([]*Call(nil), cf.members...)
}

// Drop hangs up one member; the others go on talking (a normal call when
// one is left).
func (cf *Conference) Drop(c *Call) error {
	if c.Conference() != cf {
		return fmt.Errorf("call %s is not in conference %s", c.ID, cf.ID)
	}
	c.Hangup()
	return nil
}

// Conference returns the conference the call is in, or nil.
func (c *Call) Conference() *Conference {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conference == nil {
		return nil
	}
	return c.conference.conf
}

// inConferenceWith reports whether c and other are in one conference.
func (c *Call) inConferenceWith(other *Call) bool {
	cf := c.Conference()
	return cf != nil && cf == other.Conference()
}

// leaveConference takes c out of its conference, if any (the call ends).
// A conference left with one member ends: that call is a normal call again.
func (c *Call) leaveConference(reason string) {
	c.mu.Lock()
	leg := c.conference
	c.conference = nil
	pump := c.pump
	c.mu.Unlock()
	if leg == nil {
		return
	}
	if pump != nil {
		pump.conf.CompareAndSwap(leg, nil)
	}
	cf := leg.conf
	cf.removeLeg(leg)
	cf.mu.Lock()
	for i, m := range cf.members {
		if m == c {
			cf.members = append(cf.members[:i], cf.members[i+1:]...)
			break
		}
	}
	var last *Call
	if len(cf.members) == 1 {
		last = cf.members[0]
	}
	cf.mu.Unlock()
	cf.phone.bus.Publish(cf.event(c, "left", reason))
	if last != nil {
		last.leaveConference("the conference ended: no other party is left")
	}
}

func (cf *Conference) event(c *Call, change, reason string) Event {
	ev := c.event(CallConference)
	ev.Conference, ev.Change, ev.Reason = cf.ID, change, reason
	return ev
}
