package control

import (
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// client is one control connection. Replies and events share one bounded
// queue, drained by the client's own writer goroutine: the phone's events
// are handed over without waiting, and a client that stops reading is
// disconnected when its queue is full (or a write times out) instead of
// holding anyone up.
type client struct {
	id           int64
	conn         net.Conn
	log          *slog.Logger
	writeTimeout time.Duration
	needsAuth    bool // TCP until auth succeeded; only the reader touches it

	mu         sync.Mutex
	out        chan []byte
	closed     bool
	subscribed bool
	filter     []string // nil: every event
}

func newClient(id int64, conn net.Conn, queue int, writeTimeout time.Duration, log *slog.Logger) *client {
	return &client{id: id, conn: conn, out: make(chan []byte, queue), writeTimeout: writeTimeout,
		log: log.With("client", id)}
}

// reply queues a response line.
func (c *client) reply(r Response) {
	line, err := json.Marshal(r)
	if err != nil {
		// Data the Target built that JSON cannot carry: say so instead.
		line, _ = json.Marshal(Response{ID: r.ID, Error: &ErrorBody{Code: CodeFailed, Message: "cannot encode reply: " + err.Error()}})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(append(line, '\n'), "reply queue full")
}

// subscribe queues the reply, then starts the events: the reply is always
// the first line after the request.
func (c *client) subscribe(r Response, filter []string) {
	line, _ := json.Marshal(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enqueueLocked(append(line, '\n'), "reply queue full") {
		c.subscribed, c.filter = true, filter
	}
}

// deliver queues an event for a subscriber whose filter takes it.
func (c *client) deliver(ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.subscribed || !matchAny(c.filter, ev.Name) {
		return
	}
	c.enqueueLocked(ev.line, "event queue full: the client stopped reading")
}

// enqueueLocked never blocks; a full queue drops the client.
func (c *client) enqueueLocked(line []byte, whyDropped string) bool {
	if c.closed {
		return false
	}
	select {
	case c.out <- line:
		return true
	default:
	}
	c.log.Warn("control client disconnected", "reason", whyDropped, "queued", len(c.out))
	c.closed = true
	close(c.out)
	// Closing the connection unblocks a writer stuck in Write and the
	// reader; what is still queued is thrown away by the writer.
	_ = c.conn.Close()
	return false
}

// finish lets the queued lines go out, then the writer closes the
// connection. Safe to call more than once.
func (c *client) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.out)
}

// write sends queued lines until the queue is closed, each bounded by the
// write timeout; a failed write drops the client.
func (c *client) write() {
	defer func() { _ = c.conn.Close() }()
	broken := false
	for line := range c.out {
		if broken {
			continue // drain, so that nothing waits on the channel
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
		if _, err := c.conn.Write(line); err != nil {
			broken = true
			c.log.Warn("control client disconnected", "reason", "write failed: "+err.Error())
			_ = c.conn.Close()
			c.mu.Lock()
			if !c.closed {
				c.closed = true
				close(c.out)
			}
			c.mu.Unlock()
		}
	}
}

// matchAny reports whether an event name passes a filter: nil passes
// everything; a pattern is an exact name, "subject.*" or "*".
func matchAny(filter []string, name string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, pattern := range filter {
		switch {
		case pattern == "*" || pattern == name:
			return true
		case strings.HasSuffix(pattern, ".*") && strings.HasPrefix(name, strings.TrimSuffix(pattern, "*")):
			return true
		}
	}
	return false
}

// validPattern accepts lower-case event names, "subject.*" and "*".
func validPattern(p string) bool {
	if p == "*" {
		return true
	}
	name := strings.TrimSuffix(p, ".*")
	if name == "" || len(p) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}
