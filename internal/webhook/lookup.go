package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxLookupAnswer bounds what is read of a look-up's answer.
const maxLookupAnswer = 16 << 10

// maxCallerNameLength keeps a look-up's name to what a card can show.
const maxCallerNameLength = 200

// LookupRequest is what the look-up URL is told about an incoming call.
type LookupRequest struct {
	Account     string `json:"account"`
	Number      string `json:"number"`
	DisplayName string `json:"display_name"`
	Line        string `json:"line"` // the dialled line (DID)
	RemoteURI   string `json:"remote_uri"`
}

// LookupAnswer is what the URL may say: a name for the caller, or
// "reject" (603 Decline) or "busy" (486 Busy Here).
type LookupAnswer struct {
	CallerName string `json:"caller_name"`
	Action     string `json:"action"`
}

// RejectCode is the SIP status the answer asks for; 0 lets the call ring.
func (a LookupAnswer) RejectCode() (int, string) {
	switch a.Action {
	case "reject":
		return 603, "Decline"
	case "busy":
		return 486, "Busy Here"
	}
	return 0, ""
}

// Lookup asks a URL about incoming calls, each within a hard deadline.
type Lookup struct {
	URL     string
	Secret  []byte // signs the request like a webhook; nil: unsigned
	Timeout time.Duration
	Client  *http.Client // nil: one that follows no redirects
}

// Ask posts the request and returns the answer; any failure (the deadline
// among them) is an error, after which the call rings untouched.
func (l *Lookup) Ask(ctx context.Context, in LookupRequest) (LookupAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, l.Timeout)
	defer cancel()
	body, err := json.Marshal(in)
	if err != nil {
		return LookupAnswer{}, fmt.Errorf("look-up: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.URL, bytes.NewReader(body))
	if err != nil {
		return LookupAnswer{}, fmt.Errorf("look-up: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "switchboard")
	req.Header.Set(HeaderEvent, "call.lookup")
	if l.Secret != nil {
		req.Header.Set(HeaderSignature, Sign(l.Secret, body))
	}
	client := l.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // without the url, whose query may hold a token
		}
		return LookupAnswer{}, fmt.Errorf("look-up: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return LookupAnswer{}, fmt.Errorf("look-up: the url answered %s", resp.Status)
	}
	var answer LookupAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxLookupAnswer)).Decode(&answer); err != nil && !errors.Is(err, io.EOF) {
		return LookupAnswer{}, fmt.Errorf("look-up: answer is not a JSON object: %w", err)
	}
	answer.CallerName = cleanName(answer.CallerName)
	return answer, nil
}

// cleanName keeps a name printable and short: it is shown on a terminal.
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if runes := []rune(name); len(runes) > maxCallerNameLength {
		name = string(runes[:maxCallerNameLength])
	}
	return name
}

// callerNameTTL is how long a looked-up name waits for its call's card:
// the card follows the look-up within a second unless the CRM is slow.
const callerNameTTL = time.Minute

// CallerNames carries the names the look-up gave from the screening (which
// knows no call id yet) to the call's card: they meet on the account, the
// caller's URI and the dialled line.
type CallerNames struct {
	mu    sync.Mutex
	names map[string]namedAt
	now   func() time.Time
}

type namedAt struct {
	name string
	at   time.Time
}

// NewCallerNames returns an empty registry.
func NewCallerNames() *CallerNames {
	return &CallerNames{names: map[string]namedAt{}, now: time.Now}
}

func callerKey(account, remoteURI, line string) string {
	return account + "\x00" + remoteURI + "\x00" + line
}

// Remember keeps a name for the call about to ring; stale ones go.
func (c *CallerNames) Remember(account, remoteURI, line, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for key, n := range c.names {
		if now.Sub(n.at) > callerNameTTL {
			delete(c.names, key)
		}
	}
	c.names[callerKey(account, remoteURI, line)] = namedAt{name: name, at: now}
}

// Name is the name remembered for a call; "" when there is none.
func (c *CallerNames) Name(account, remoteURI, line string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.names[callerKey(account, remoteURI, line)]
	if !ok || c.now().Sub(n.at) > callerNameTTL {
		return ""
	}
	return n.name
}
