// Package uitest has a fake Backend for the console's tests: it records
// every call and answers from canned data, with no phone and no database.
package uitest

import (
	"fmt"
	"sync"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/dialer"
)

// Call is one recorded backend call.
type Call struct {
	Method string
	Args   []any
}

func (c Call) String() string { return fmt.Sprintf("%s%v", c.Method, c.Args) }

// Backend is the fake. Set the exported fields before use; they are read
// under the lock, so a test may change them between steps.
type Backend struct {
	mu    sync.Mutex
	calls []Call

	Now         func() time.Time
	Initial     ui.Status // what Status returns
	TaskList    []crm.Task
	Calls       []history.Call
	Hints       dialer.Hints
	Cards       map[string]crm.Card   // by number
	ContactByID map[int64]crm.Contact // by id (ContactDetails, UpdateContact)
	// ContactList is what Contacts searches (by name or company).
	ContactList []crm.Contact
	Details     map[int64]contacts.Details
	Meters      map[string]calls.Meter
	// Err, when set, is returned by every action.
	Err error
	// NextCallID is returned by Dial and Redial.
	NextCallID string
	// Next is the cursor History returns with each page ("" = last page).
	Next string
	// Played is what PlayRecording reports; when Playing is set,
	// PlayRecording blocks until it is closed or ctx ends.
	Played  time.Duration
	Playing chan struct{}
}

var _ ui.Backend = (*Backend)(nil)

// New returns a fake whose clock is now.
func New(now time.Time) *Backend {
	return &Backend{Now: func() time.Time { return now }, Cards: map[string]crm.Card{},
		ContactByID: map[int64]crm.Contact{}, Details: map[int64]contacts.Details{}, Meters: map[string]calls.Meter{}, NextCallID: "out-1"}
}

func (b *Backend) record(method string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: method, Args: args})
}

// Recorded returns the calls so far.
func (b *Backend) Recorded() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// Last returns the newest recorded call of method and whether there is one.
func (b *Backend) Last(method string) (Call, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.calls) - 1; i >= 0; i-- {
		if b.calls[i].Method == method {
			return b.calls[i], true
		}
	}
	return Call{}, false
}

// Reset forgets the recorded calls.
func (b *Backend) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = nil
}

func (b *Backend) err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Err
}

func (b *Backend) status() ui.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Initial
}
