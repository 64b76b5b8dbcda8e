package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/contacts"
)

// The contacts screen's messages.
type (
	// contactsMsg answers a search; Query tells it from older answers.
	contactsMsg struct {
		Query    string
		Contacts []crm.Contact
		Err      error
	}
	contactDetailsMsg struct {
		ID      int64
		Details contacts.Details
		Err     error
	}
	contactCallsMsg struct {
		ID    int64
		Calls []history.Call
		Err   error
	}
	// numberCheckMsg is a form's number field normalised; Value is what
	// the field held when it was asked.
	numberCheckMsg struct {
		Field int
		Value string
		Check contacts.NumberCheck
		Err   error
	}
	// contactSavedMsg ends a form's save. Card is the card of the form's
	// call built again (the caller is known now), when there is a call.
	contactSavedMsg struct {
		Contact crm.Contact
		Edited  bool
		CallID  string
		Card    *crm.Card
		Err     error
	}
)

func (c commands) searchContacts(query string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		list, err := c.backend.Contacts(ctx, query, contacts.ListLimit)
		return contactsMsg{Query: query, Contacts: list, Err: err}
	}
}

func (c commands) contactDetails(id int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		d, err := c.backend.ContactDetails(ctx, id)
		return contactDetailsMsg{ID: id, Details: d, Err: err}
	}
}

// contactCalls is the card's call history: the history's calls linked to
// the contact, newest first.
func (c commands) contactCalls(id int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		list, _, err := c.backend.History(ctx, history.Filter{ContactID: id}, history.Page{Size: contacts.CallsLimit})
		return contactCallsMsg{ID: id, Calls: list, Err: err}
	}
}

func (c commands) checkNumber(field int, value string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		check, err := c.backend.NormaliseNumber(ctx, value)
		return numberCheckMsg{Field: field, Value: value, Check: check, Err: err}
	}
}

// saveContact creates or updates the form's contact; a form opened from a
// call's popup also gets the call's card again.
func (c commands) saveContact(form contacts.Form) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		var saved crm.Contact
		var err error
		if form.Editing() {
			saved, err = c.backend.UpdateContact(ctx, form.ContactID(), form.Patch())
		} else {
			saved, err = c.backend.CreateContact(ctx, form.Input())
		}
		msg := contactSavedMsg{Contact: saved, Edited: form.Editing(), CallID: form.CallID, Err: err}
		if err != nil || form.CallID == "" {
			return msg
		}
		if card, err := c.backend.Card(ctx, form.Number, form.CallID); err == nil {
			msg.Card = &card
		}
		return msg
	}
}
