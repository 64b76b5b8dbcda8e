package uitest

import (
	"context"
	"strings"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/dialer"
)

// The ui.Backend methods. Each records itself and answers from the fields.

func (b *Backend) Dial(_ context.Context, account, target string) (string, error) {
	b.record("Dial", account, target)
	return b.NextCallID, b.err()
}

func (b *Backend) Redial(_ context.Context, account string) (string, error) {
	b.record("Redial", account)
	return b.NextCallID, b.err()
}

func (b *Backend) Answer(_ context.Context, id string) error { b.record("Answer", id); return b.err() }
func (b *Backend) Reject(_ context.Context, id string) error { b.record("Reject", id); return b.err() }
func (b *Backend) Hangup(_ context.Context, id string) error { b.record("Hangup", id); return b.err() }
func (b *Backend) Hold(_ context.Context, id string) error   { b.record("Hold", id); return b.err() }
func (b *Backend) Resume(_ context.Context, id string) error { b.record("Resume", id); return b.err() }

func (b *Backend) Mute(_ context.Context, id string, muted bool) error {
	b.record("Mute", id, muted)
	return b.err()
}

func (b *Backend) SendDTMF(_ context.Context, id, digits string) error {
	b.record("SendDTMF", id, digits)
	return b.err()
}

func (b *Backend) Transfer(_ context.Context, id, target string) error {
	b.record("Transfer", id, target)
	return b.err()
}

func (b *Backend) SetDND(_ context.Context, account string, on bool) error {
	b.record("SetDND", account, on)
	return b.err()
}

func (b *Backend) CreateCallbackTask(_ context.Context, callID, number string, in time.Duration) (crm.Task, error) {
	b.record("CreateCallbackTask", callID, number, in)
	task := crm.Task{ID: 100, Kind: crm.TaskCallback, DueAt: b.Now().Add(in), NumberRaw: number, DialNumber: number,
		SourceCallID: callID, Status: crm.TaskOpen}
	if err := b.err(); err != nil {
		return crm.Task{}, err
	}
	b.mu.Lock()
	b.TaskList = append(b.TaskList, task)
	b.mu.Unlock()
	return task, nil
}

func (b *Backend) CreateContact(_ context.Context, input crm.ContactInput) (crm.Contact, error) {
	b.record("CreateContact", input)
	return crm.Contact{ID: 7, Name: input.Name}, b.err()
}

func (b *Backend) CreateCase(_ context.Context, input crm.CaseInput) (crm.Case, error) {
	b.record("CreateCase", input)
	return crm.Case{ID: 9, Title: input.Title, Kind: input.Kind}, b.err()
}

func (b *Backend) Contacts(_ context.Context, query string, limit int) ([]crm.Contact, error) {
	b.record("Contacts", query, limit)
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []crm.Contact
	for _, c := range b.ContactList {
		if query == "" || strings.Contains(strings.ToLower(c.Name+" "+c.Company), strings.ToLower(query)) {
			out = append(out, c)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (b *Backend) ContactDetails(_ context.Context, id int64) (contacts.Details, error) {
	b.record("ContactDetails", id)
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.Details[id]; ok {
		return d, b.Err
	}
	return contacts.Details{Contact: b.ContactByID[id]}, b.Err
}

func (b *Backend) UpdateContact(_ context.Context, id int64, patch crm.ContactPatch) (crm.Contact, error) {
	b.record("UpdateContact", id, patch)
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.ContactByID[id]
	if patch.Name != nil {
		c.Name = *patch.Name
	}
	return c, b.Err
}

// NormaliseNumber takes anything of digits, spaces and a leading + for a
// valid number (spelt without the spaces) and everything else for not one.
func (b *Backend) NormaliseNumber(_ context.Context, raw string) (contacts.NumberCheck, error) {
	b.record("NormaliseNumber", raw)
	digits := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(raw))
	if len(digits) < 3 || strings.Trim(strings.TrimPrefix(digits, "+"), "0123456789") != "" {
		return contacts.NumberCheck{Problem: "not a phone number"}, nil
	}
	return contacts.NumberCheck{Formatted: digits, Valid: true}, nil
}

func (b *Backend) Card(_ context.Context, number, callID string) (crm.Card, error) {
	b.record("Card", number, callID)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Cards[number], b.Err
}

func (b *Backend) Tasks(context.Context) ([]crm.Task, error) {
	b.record("Tasks")
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]crm.Task(nil), b.TaskList...), nil
}

func (b *Backend) CompleteTask(_ context.Context, id int64) error {
	b.record("CompleteTask", id)
	return b.err()
}

func (b *Backend) SnoozeTask(_ context.Context, id int64, until time.Time) error {
	b.record("SnoozeTask", id, until)
	return b.err()
}

func (b *Backend) History(_ context.Context, filter history.Filter, page history.Page) ([]history.Call, string, error) {
	b.record("History", filter, page.Cursor)
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]history.Call(nil), b.Calls...), b.Next, nil
}

func (b *Backend) SetNotes(_ context.Context, callID, text string) error {
	b.record("SetNotes", callID, text)
	return b.err()
}

func (b *Backend) SetDisposition(_ context.Context, callID, code string) error {
	b.record("SetDisposition", callID, code)
	return b.err()
}

func (b *Backend) PlayRecording(ctx context.Context, callID string) (time.Duration, error) {
	b.record("PlayRecording", callID)
	b.mu.Lock()
	playing, played := b.Playing, b.Played
	b.mu.Unlock()
	if playing != nil {
		select {
		case <-playing:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return played, b.err()
}

func (b *Backend) DialHints(_ context.Context, query string) (dialer.Hints, error) {
	b.record("DialHints", query)
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.Hints
	h.Query = query
	return h, nil
}

func (b *Backend) TypeNotes(callID, text string) error {
	b.record("TypeNotes", callID, text)
	return b.err()
}

func (b *Backend) Meter(callID string) (calls.Meter, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.Meters[callID]
	return m, ok
}

func (b *Backend) Status(context.Context) (ui.Status, error) {
	b.record("Status")
	return b.status(), nil
}
