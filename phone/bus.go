package phone

import (
	"sync"
)

// subscriberBuffer is deep enough for a burst of events from several calls; only
// non-terminal events are ever dropped when a subscriber falls this far behind.
const subscriberBuffer = 256

// Bus fans the phone's events out to every subscriber. Terminal events (answered,
// ended, registration outcomes) are delivered even to a slow subscriber; level-like
// events are dropped for it instead of stalling a call.
type Bus struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// Subscription receives events on C until Close or until the bus closes.
type Subscription struct {
	C       <-chan Event
	ch      chan Event
	bus     *Bus
	dropped int
	done    chan struct{} // closed first by Close, so a blocked Publish lets go
	once    sync.Once
	closeCh sync.Once
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: map[*Subscription]struct{}{}}
}

// Subscribe starts a new subscription. Subscribe before starting the phone to see
// every event.
func (b *Bus) Subscribe() *Subscription {
	ch := make(chan Event, subscriberBuffer)
	s := &Subscription{C: ch, ch: ch, bus: b, done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.closeCh.Do(func() { close(ch) })
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Dropped tells how many non-terminal events this subscriber missed.
func (s *Subscription) Dropped() int {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Close ends the subscription; C is closed.
func (s *Subscription) Close() {
	s.once.Do(func() { close(s.done) })
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	delete(s.bus.subs, s)
	s.closeCh.Do(func() { close(s.ch) })
}

// Publish delivers e to every subscriber. It blocks only for terminal events sent
// to a subscriber whose buffer is full, which keeps their order and completeness.
func (b *Bus) Publish(e Event) {
	// The far end writes reason phrases and transfer targets too; the
	// caller's own fields were cleaned when the call began.
	e.Reason, e.TransferTarget = callerText(e.Reason), callerText(e.TransferTarget)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	for s := range b.subs {
		select {
		case s.ch <- e:
			continue
		default:
		}
		if e.Kind.Terminal() {
			select {
			case s.ch <- e:
			case <-s.done:
			}
		} else {
			s.dropped++
		}
	}
}

// Close closes every subscription; later publishes are ignored.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		s.closeCh.Do(func() { close(s.ch) })
		delete(b.subs, s)
	}
}
