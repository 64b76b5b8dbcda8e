package engine

import "sync"

// Outbox queues notices for a slow reader, such as a terminal. Push never
// blocks, because the engine's notifier must not: the due watcher calls it
// inside a database transaction. It grows without bound, which is fine for
// a few notices per call.
type Outbox struct {
	mu      sync.Mutex
	notices []Notice
	closed  bool
	wake    chan struct{}
}

// NewOutbox returns an empty, open outbox.
func NewOutbox() *Outbox {
	return &Outbox{wake: make(chan struct{}, 1)}
}

// Push queues a notice; after Close it is dropped. It suits
// CRMOptions.Notify.
func (o *Outbox) Push(notice Notice) {
	o.mu.Lock()
	if !o.closed {
		o.notices = append(o.notices, notice)
	}
	o.mu.Unlock()
	o.signal()
}

// Close lets Drain return once it has handled what is queued.
func (o *Outbox) Close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

func (o *Outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Drain calls handle for every notice, in the order pushed, until the
// outbox is closed and empty. Run it on one goroutine.
func (o *Outbox) Drain(handle func(Notice)) {
	for {
		o.mu.Lock()
		notices, closed := o.notices, o.closed
		o.notices = nil
		o.mu.Unlock()
		for _, notice := range notices {
			handle(notice)
		}
		switch {
		case len(notices) > 0:
		case closed:
			return
		default:
			<-o.wake
		}
	}
}
