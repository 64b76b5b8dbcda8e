package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/contacts"
)

// Bounds of a contact card: more would not fit any screen.
const (
	cardCases = 20
	cardTasks = 20
)

// Contacts finds contacts for the contacts screen (crm FindContacts: a
// number in any format, or a fragment of name, company or e-mail).
func (b *consoleBackend) Contacts(ctx context.Context, query string, limit int) ([]crm.Contact, error) {
	return b.crm.FindContacts(ctx, query, limit)
}

// ContactDetails is a contact's card: each number with its local time
// and place, the open cases and open tasks.
func (b *consoleBackend) ContactDetails(ctx context.Context, id int64) (contacts.Details, error) {
	contact, err := b.crm.GetContact(ctx, id)
	if err != nil {
		return contacts.Details{}, err
	}
	d := contacts.Details{Contact: contact}
	now := time.Now()
	numbers := b.crm.Numbers()
	lang := b.crm.Settings().Language
	for _, p := range contact.Numbers {
		number := b.crm.Normalize(p.Raw)
		info := contacts.NumberInfo{Phone: p, Formatted: p.Raw}
		if number.Valid() {
			info.Formatted = numbers.Format(number)
			info.LocalTime = numbers.LocalTime(number, contact.TimeZone, now)
			info.Place = numbers.Describe(number, lang).Location
		}
		d.Numbers = append(d.Numbers, info)
	}
	if d.Cases, err = b.crm.ListCases(ctx, crm.CaseFilter{ContactID: id, State: crm.CaseOpen, Limit: cardCases}); err != nil {
		return d, fmt.Errorf("cases: %w", err)
	}
	if d.Tasks, err = b.crm.ListTasks(ctx, crm.TaskFilter{ContactID: id, Limit: cardTasks}); err != nil {
		return d, fmt.Errorf("tasks: %w", err)
	}
	return d, nil
}

func (b *consoleBackend) UpdateContact(ctx context.Context, id int64, patch crm.ContactPatch) (crm.Contact, error) {
	return b.crm.EditContact(ctx, id, patch)
}

// NormaliseNumber says how a number typed into the contact form will be
// stored: the CRM's normalisation, formatted for reading.
func (b *consoleBackend) NormaliseNumber(_ context.Context, raw string) (contacts.NumberCheck, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return contacts.NumberCheck{}, nil
	}
	number := b.crm.Normalize(raw)
	if !number.Valid() {
		return contacts.NumberCheck{Problem: "not a phone number"}, nil
	}
	return contacts.NumberCheck{Formatted: b.crm.Numbers().Format(number), Valid: true}, nil
}
