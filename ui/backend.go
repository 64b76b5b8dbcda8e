package ui

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/dialer"
	"github.com/switchboard/switchboard/ui/statusline"
)

// Backend is everything the console asks of the rest of switchboard. The
// console calls it only from tea.Cmds (never from Update), so a slow
// database or a SIP transaction never freezes the screen; answers come
// back as messages. The real implementation sits over the engine's
// Commands, the CRM and the history; tests use a fake.
//
// Methods may be called concurrently, from several command goroutines.
type Backend interface {
	// Status is the state at start: accounts with their registration
	// and do-not-disturb, and the audio devices. Later changes arrive as
	// phone events.
	Status(ctx context.Context) (Status, error)

	// Call control. Dial and Redial return the new call's id; the call
	// itself appears through its phone events.
	Dial(ctx context.Context, account, target string) (callID string, err error)
	Redial(ctx context.Context, account string) (callID string, err error)
	Answer(ctx context.Context, callID string) error
	Reject(ctx context.Context, callID string) error
	Hangup(ctx context.Context, callID string) error
	Hold(ctx context.Context, callID string) error
	Resume(ctx context.Context, callID string) error
	Mute(ctx context.Context, callID string, muted bool) error
	SendDTMF(ctx context.Context, callID, digits string) error
	Transfer(ctx context.Context, callID, target string) error
	SetDND(ctx context.Context, account string, on bool) error

	// CRM. CreateCallbackTask is "call back in 10/30/60 minutes": a
	// callback task for number (as received), linked to callID, due in.
	CreateCallbackTask(ctx context.Context, callID, number string, in time.Duration) (crm.Task, error)
	CreateContact(ctx context.Context, input crm.ContactInput) (crm.Contact, error)
	CreateCase(ctx context.Context, input crm.CaseInput) (crm.Case, error)
	// Contacts finds contacts by a number in any format or a fragment of
	// the name, company or e-mail; "" lists them by name. At most limit.
	Contacts(ctx context.Context, query string, limit int) ([]crm.Contact, error)
	// ContactDetails is a contact's card: the contact, its numbers with
	// their local time, open cases and open tasks. Its calls come through
	// History with Filter{ContactID}.
	ContactDetails(ctx context.Context, id int64) (contacts.Details, error)
	UpdateContact(ctx context.Context, id int64, patch crm.ContactPatch) (crm.Contact, error)
	// NormaliseNumber says how a number typed into a form will be stored.
	NormaliseNumber(ctx context.Context, raw string) (contacts.NumberCheck, error)
	// Card builds the caller card of number again (after a contact was
	// added from the popup, for instance).
	Card(ctx context.Context, number, callID string) (crm.Card, error)
	Tasks(ctx context.Context) ([]crm.Task, error)
	CompleteTask(ctx context.Context, id int64) error
	SnoozeTask(ctx context.Context, id int64, until time.Time) error

	// History returns one page of calls and the cursor of the next ("" on
	// the last page).
	History(ctx context.Context, filter history.Filter, page history.Page) ([]history.Call, string, error)
	// SetNotes replaces a past call's notes; SetDisposition gives a call
	// its wrap-up code ("" clears it). Both write after the notes still
	// being typed for the call, so neither is overwritten by an older text.
	SetNotes(ctx context.Context, callID, text string) error
	SetDisposition(ctx context.Context, callID, code string) error
	// PlayRecording plays the call's recording on the output device and
	// returns when it has played, or ctx ended (the operator stopped it).
	PlayRecording(ctx context.Context, callID string) (time.Duration, error)

	// DialHints normalises what was typed into the dialer and finds
	// suggestions among contacts and recent calls.
	DialHints(ctx context.Context, query string) (dialer.Hints, error)

	// TypeNotes hands over a call's notes as they are typed; the backend
	// saves them when typing pauses (engine.NoteSaver).
	TypeNotes(callID, text string) error

	// Meter samples a live call's levels and quality; false when the call
	// has no media (yet). It must return at once: it runs on every meter
	// tick.
	Meter(callID string) (calls.Meter, bool)
}

// Notifier shows desktop notifications (ui/notify's Desktop). The console
// calls it from a tea.Cmd; it must give up when ctx ends.
type Notifier interface {
	Notify(ctx context.Context, title, body string, urgent bool) error
}

// Notice is text the program wants the operator to read: start-up
// problems, the hint on how to add an account, things that happened in
// the background. Send it (or a pointer to it) on the events channel of
// Run; it is shown in the footer, one notice after the other.
type Notice struct {
	Text string
	Err  bool // a problem (shown as an error), not just information
}

// Settings are the configuration's console options.
type Settings struct {
	// WrapUp asks for one of Dispositions when an answered call ends.
	WrapUp       bool
	Dispositions []string
	// Bell rings the terminal bell on an incoming call and a due task.
	Bell bool
	// Notifier, when set, also shows them on the desktop.
	Notifier Notifier
}

// Status is the state shown before the first event arrives.
type Status struct {
	Accounts []statusline.Account
	Devices  statusline.Devices
}
