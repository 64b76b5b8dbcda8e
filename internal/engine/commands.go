package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/phone"
)

// Commands are the call actions of the console and the control socket. Each
// is a thin step onto the phone's own API (phone.Phone and phone.Call), so
// that call logic exists once; what Commands add is finding calls by id,
// the audio of the calls they place or answer, and redial.
type Commands struct {
	phone *phone.Phone
	calls *history.Repo // newest outgoing call for Redial; nil: memory only
	media MediaFunc

	mu sync.Mutex
	// lastDialled is the last target dialled per account through Dial or
	// Redial in this process; history is the fallback after a restart.
	lastDialled map[string]string
}

// CallInfo is what choosing a call's audio may depend on; ID is "" for a
// call not placed yet.
type CallInfo struct {
	Direction phone.Direction
	Number    string
	ID        string
}

// MediaFunc gives the audio of a call the commands place or answer (the
// sound card, a recording path). nil: silence, nothing played.
type MediaFunc func(CallInfo) phone.Media

// ErrNoSuchCall is wrapped when a command names a call that does not exist
// (any more).
var ErrNoSuchCall = errors.New("no such call")

// Commands returns the call commands over ph, with media for the calls
// they place or answer. The engine's history serves Redial.
func (e *Engine) Commands(ph *phone.Phone, media MediaFunc) *Commands {
	return &Commands{phone: ph, calls: e.calls, media: media, lastDialled: map[string]string{}}
}

func (c *Commands) call(id string) (*phone.Call, error) {
	call, ok := c.phone.Call(id)
	if !ok {
		return nil, fmt.Errorf("call %q: %w", id, ErrNoSuchCall)
	}
	return call, nil
}

func (c *Commands) mediaFor(info CallInfo) phone.Media {
	if c.media == nil {
		return phone.Media{}
	}
	return c.media(info)
}

// accountName resolves "" to the first account, as the phone does.
func (c *Commands) accountName(account string) string {
	if account == "" {
		if names := c.phone.Accounts(); len(names) > 0 {
			return names[0]
		}
	}
	return account
}

// Dial places a call from account ("" = the first) to target and
// remembers target for Redial.
func (c *Commands) Dial(ctx context.Context, account, target string) (*phone.Call, error) {
	account = c.accountName(account)
	call, err := c.phone.Dial(ctx, account, target, phone.DialOptions{
		Media: c.mediaFor(CallInfo{Direction: phone.Outbound, Number: target})})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", target, err)
	}
	c.mu.Lock()
	c.lastDialled[account] = target
	c.mu.Unlock()
	return call, nil
}

// Redial calls again the last target dialled from account: the one
// dialled in this process, else the newest outgoing call in the history.
func (c *Commands) Redial(ctx context.Context, account string) (*phone.Call, error) {
	account = c.accountName(account)
	c.mu.Lock()
	target := c.lastDialled[account]
	c.mu.Unlock()
	if target == "" {
		var err error
		if target, err = c.lastOutgoing(ctx, account); err != nil {
			return nil, fmt.Errorf("redial: %w", err)
		}
	}
	return c.Dial(ctx, account, target)
}

// lastOutgoing reads the target of the account's newest outgoing call.
func (c *Commands) lastOutgoing(ctx context.Context, account string) (string, error) {
	if c.calls == nil {
		return "", errors.New("nothing dialled yet")
	}
	rows, _, err := c.calls.List(ctx, history.Filter{Direction: history.DirectionOut, Account: account}, history.Page{Size: 1})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("no outgoing call of account %s in the history", account)
	}
	if rows[0].RemoteURI != "" {
		return rows[0].RemoteURI, nil
	}
	if rows[0].RemoteNumber != "" {
		return rows[0].RemoteNumber, nil
	}
	return "", fmt.Errorf("the newest outgoing call of account %s has no number", account)
}

// Answer picks up a ringing call. Another call in progress is held (call
// waiting).
func (c *Commands) Answer(_ context.Context, callID string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.Answer(c.mediaFor(CallInfo{Direction: call.Direction, Number: call.Number, ID: call.ID}))
}

// Reject refuses a ringing call with code (0: 486 Busy Here).
func (c *Commands) Reject(_ context.Context, callID string, code int) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	if code == 0 {
		code = 486
	}
	return call.Reject(code)
}

// Hangup ends a call (BYE, CANCEL or 480 as its state requires).
func (c *Commands) Hangup(_ context.Context, callID string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	call.Hangup()
	return nil
}

// Hold puts the far end of a call on hold.
func (c *Commands) Hold(ctx context.Context, callID string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.Hold(ctx)
}

// Resume takes a call off hold (other calls stay as they are; see Activate).
func (c *Commands) Resume(ctx context.Context, callID string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.Resume(ctx)
}

// Activate talks to callID: every other answered call is held and it is
// resumed (call waiting).
func (c *Commands) Activate(ctx context.Context, callID string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return c.phone.Activate(ctx, call)
}

// Swap exchanges the talking and the held call; it returns the id of the
// call now talking.
func (c *Commands) Swap(ctx context.Context) (string, error) {
	call, err := c.phone.Swap(ctx)
	if err != nil {
		return "", err
	}
	return call.ID, nil
}

// Mute switches our microphone on a call off (true) or on (false).
func (c *Commands) Mute(_ context.Context, callID string, muted bool) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.SetMuted(muted)
}

// SendDTMF sends digits on a call (RFC 4733).
func (c *Commands) SendDTMF(ctx context.Context, callID, digits string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.SendDTMF(ctx, digits)
}

// Transfer hands a call blind to target; it returns once the outcome is
// known (a *phone.TransferError when the transfer failed).
func (c *Commands) Transfer(ctx context.Context, callID, target string) error {
	call, err := c.call(callID)
	if err != nil {
		return err
	}
	return call.Transfer(ctx, target)
}

// AttendedTransfer hands callID (on hold) over to the far end of
// consultID, the consultation call.
func (c *Commands) AttendedTransfer(ctx context.Context, callID, consultID string) error {
	call, consult, err := c.pair(callID, consultID)
	if err != nil {
		return err
	}
	return call.TransferTo(ctx, consult)
}

// CancelAttendedTransfer hangs up the consultation and resumes callID.
func (c *Commands) CancelAttendedTransfer(ctx context.Context, callID, consultID string) error {
	call, consult, err := c.pair(callID, consultID)
	if err != nil {
		return err
	}
	return call.CancelTransferTo(ctx, consult)
}

// Conference merges two calls into a conference mixed here and returns
// its id.
func (c *Commands) Conference(ctx context.Context, callA, callB string) (string, error) {
	a, b, err := c.pair(callA, callB)
	if err != nil {
		return "", err
	}
	cf, err := c.phone.Conference(ctx, a, b)
	if err != nil {
		return "", err
	}
	return cf.ID, nil
}

// SetDND switches do-not-disturb of an account ("" = the first).
func (c *Commands) SetDND(_ context.Context, account string, on bool) error {
	return c.phone.SetDND(account, on)
}

// SetForward forwards an account's calls to target; "" stops forwarding.
func (c *Commands) SetForward(_ context.Context, account, target string) error {
	return c.phone.SetForward(account, target)
}

func (c *Commands) pair(a, b string) (*phone.Call, *phone.Call, error) {
	ca, err := c.call(a)
	if err != nil {
		return nil, nil, err
	}
	cb, err := c.call(b)
	if err != nil {
		return nil, nil, err
	}
	return ca, cb, nil
}
