package testpeer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

const ctrlCommandTimeout = 5 * time.Second

// ctrlClient speaks baresip's ctrl_tcp protocol: netstring-framed JSON.
// Responses and asynchronous events share the connection, so one reader
// goroutine routes responses by token and appends events to a log.
type ctrlClient struct {
	conn net.Conn

	writeMu   sync.Mutex
	nextToken int

	mu       sync.Mutex
	pending  map[string]chan ctrlResponse
	events   []map[string]any
	consumed []bool
	changed  chan struct{} // closed and replaced whenever events or state change
	readErr  error
}

type ctrlResponse struct {
	OK    bool   `json:"ok"`
	Data  string `json:"data"`
	Token string `json:"token"`
}

func newCtrlClient(conn net.Conn) *ctrlClient {
	c := &ctrlClient{
		conn:    conn,
		pending: make(map[string]chan ctrlResponse),
		changed: make(chan struct{}),
	}
	go c.readLoop()
	return c
}

func (c *ctrlClient) readLoop() {
	reader := bufio.NewReader(c.conn)
	for {
		payload, err := readNetstring(reader)
		if err != nil {
			c.mu.Lock()
			c.readErr = fmt.Errorf("ctrl_tcp read: %w", err)
			c.notifyLocked()
			c.mu.Unlock()
			return
		}
		var message map[string]any
		if err := json.Unmarshal(payload, &message); err != nil {
			continue // not JSON: nothing a test could wait for
		}
		if message["response"] == true {
			var response ctrlResponse
			if json.Unmarshal(payload, &response) == nil {
				c.deliverResponse(response)
			}
			continue
		}
		if message["event"] == true {
			c.mu.Lock()
			c.events = append(c.events, message)
			c.consumed = append(c.consumed, false)
			c.notifyLocked()
			c.mu.Unlock()
		}
	}
}

func (c *ctrlClient) deliverResponse(response ctrlResponse) {
	c.mu.Lock()
	waiter, found := c.pending[response.Token]
	delete(c.pending, response.Token)
	c.mu.Unlock()
	if found {
		waiter <- response // buffered: never blocks the reader
	}
}

func (c *ctrlClient) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// command sends one command and waits for its response.
func (c *ctrlClient) command(cmd, params string) (string, error) {
	c.writeMu.Lock()
	c.nextToken++
	token := strconv.Itoa(c.nextToken)
	waiter := make(chan ctrlResponse, 1)
	c.mu.Lock()
	c.pending[token] = waiter
	c.mu.Unlock()
	payload, err := json.Marshal(map[string]string{"command": cmd, "params": params, "token": token})
	if err == nil {
		c.conn.SetWriteDeadline(time.Now().Add(ctrlCommandTimeout))
		_, err = c.conn.Write([]byte(strconv.Itoa(len(payload)) + ":" + string(payload) + ","))
	}
	c.writeMu.Unlock()
	if err != nil {
		c.forget(token)
		return "", fmt.Errorf("send ctrl command %q: %w", cmd, err)
	}
	select {
	case response := <-waiter:
		if !response.OK {
			return response.Data, fmt.Errorf("baresip command %q %q failed: %s", cmd, params, response.Data)
		}
		return response.Data, nil
	case <-time.After(ctrlCommandTimeout):
		c.forget(token)
		return "", fmt.Errorf("baresip command %q: no response within %v", cmd, ctrlCommandTimeout)
	}
}

func (c *ctrlClient) forget(token string) {
	c.mu.Lock()
	delete(c.pending, token)
	c.mu.Unlock()
}

// waitEvent returns the oldest not yet consumed event of type typ, waiting
// up to timeout. Consuming by type (not by position) lets a test wait for
// CALL_ESTABLISHED and afterwards still find the earlier CALL_INCOMING.
func (c *ctrlClient) waitEvent(typ string, timeout time.Duration) (map[string]any, error) {
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		for i, event := range c.events {
			if !c.consumed[i] && event["type"] == typ {
				c.consumed[i] = true
				c.mu.Unlock()
				return event, nil
			}
		}
		changed, readErr := c.changed, c.readErr
		c.mu.Unlock()
		if readErr != nil {
			return nil, fmt.Errorf("waiting for %s: %w", typ, readErr)
		}
		select {
		case <-changed:
		case <-deadline:
			return nil, fmt.Errorf("no %s event within %v", typ, timeout)
		}
	}
}

// eventTypes lists every event type seen so far, for failure messages.
func (c *ctrlClient) eventTypes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	types := make([]string, 0, len(c.events))
	for _, event := range c.events {
		typ, _ := event["type"].(string)
		types = append(types, typ)
	}
	return types
}

func (c *ctrlClient) close() { c.conn.Close() }

// maxNetstring bounds a frame so a corrupt length cannot exhaust memory.
const maxNetstring = 1 << 20

func readNetstring(reader *bufio.Reader) ([]byte, error) {
	lengthText, err := reader.ReadString(':')
	if err != nil {
		return nil, err
	}
	length, err := strconv.Atoi(lengthText[:len(lengthText)-1])
	if err != nil || length < 0 || length > maxNetstring {
		return nil, fmt.Errorf("bad netstring length %q", lengthText)
	}
	payload := make([]byte, length+1)
	if _, err := io.ReadFull(reader, payload); err != nil {
		return nil, err
	}
	if payload[length] != ',' {
		return nil, errors.New("netstring not terminated by ','")
	}
	return payload[:length], nil
}
