package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
)

// The demo's sample data: sizes picked so every screen has something on
// it and a page or two to scroll, yet it is written in well under a second.
const (
	demoContacts = 36
	demoCalls    = 320
	demoDays     = 14
)

// demoCounts is what generateDemoData wrote.
type demoCounts struct {
	Contacts, Cases, Tasks, Calls, Missed int
}

// demoNumber is the i-th sample number: London drama numbers (Ofcom's
// 020 7946 0xxx, reserved for fiction) and New York 555-01xx ones.
func demoNumber(i int) string {
	if i%4 == 3 {
		return fmt.Sprintf("+1 212 555 %04d", 100+i%100)
	}
	return fmt.Sprintf("+44 20 7946 %04d", i%1000)
}

// demoUnknownNumber is a number no sample contact has.
func demoUnknownNumber(i int) string { return fmt.Sprintf("+44 20 7946 %04d", 500+i%400) }

// generateDemoData fills an empty database with contacts, cases (with
// amounts), open and overdue tasks and two weeks of calls, some missed.
// rng makes it repeatable in tests.
func generateDemoData(ctx context.Context, c *crm.CRM, calls *history.Repo, now time.Time, rng *rand.Rand) (demoCounts, error) {
	demoFirst := [...]string{"Anna", "Boris", "Chen", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Katya", "Liam"}
	demoLast := [...]string{"Petrova", "Ivanov", "Wei", "Novak", "Schmidt", "Haddad", "Okafor", "Lambert", "Moreau"}
	demoCompany := [...]string{"Acme Ltd", "Northwind", "Globex", "Initech", "", "Umbrella Foods", ""}
	var n demoCounts
	var ids []int64
	var numbers []string
	for i := range demoContacts {
		name := demoFirst[i%len(demoFirst)] + " " + demoLast[(i*5+i/len(demoFirst))%len(demoLast)]
		in := crm.ContactInput{Name: name, Company: demoCompany[i%len(demoCompany)], Numbers: []crm.PhoneInput{{Number: demoNumber(i)}}}
		if i%5 == 0 {
			in.Numbers = append(in.Numbers, crm.PhoneInput{Label: crm.LabelMobile, Number: demoNumber(i + 200)})
		}
		if i%6 == 0 {
			in.Notes = "Prefers a call in the morning."
		}
		contact, err := c.AddContact(ctx, in)
		if err != nil {
			return n, fmt.Errorf("demo contact %q: %w", name, err)
		}
		ids, numbers = append(ids, contact.ID), append(numbers, demoNumber(i))
		n.Contacts++
		if i%3 == 0 {
			_, err := c.AddCase(ctx, crm.CaseInput{ContactID: contact.ID, Title: fmt.Sprintf("Order %d", 1100+i),
				AmountMinor: int64(rng.IntN(90000) + 1000)})
			if err != nil {
				return n, fmt.Errorf("demo case: %w", err)
			}
			n.Cases++
		}
		if i%4 == 1 {
			due := now.Add(time.Duration(rng.IntN(240)-120) * time.Minute) // half overdue, half later today
			_, err := c.AddTask(ctx, crm.TaskInput{ContactID: contact.ID, Number: demoNumber(i), DueAt: due, Note: "call back about the quote"})
			if err != nil {
				return n, fmt.Errorf("demo task: %w", err)
			}
			n.Tasks++
		}
	}
	for i := range demoCalls {
		started := now.Add(-time.Duration(rng.Int64N(int64(demoDays * 24 * time.Hour))))
		call := history.Call{ID: fmt.Sprintf("demo-%04d", i), Account: "demo", Direction: history.DirectionIn,
			StartedAt: started, RingingAt: started, Operator: "demo"}
		if k := rng.IntN(len(ids) + 8); k < len(ids) {
			call.RemoteNumber, call.ContactID = numbers[k], ids[k]
		} else {
			call.RemoteNumber = demoUnknownNumber(k)
		}
		call.RemoteE164 = c.Normalize(call.RemoteNumber).Key
		if rng.IntN(3) == 0 {
			call.Direction = history.DirectionOut
		}
		switch r := rng.IntN(10); {
		case r < 2 && call.Direction == history.DirectionIn:
			call.Result, call.EndedAt = history.ResultMissed, started.Add(time.Duration(5+rng.IntN(25))*time.Second)
			n.Missed++
		case r < 2:
			call.Result, call.EndedAt = history.ResultNoAnswer, started.Add(30*time.Second)
		default:
			call.Result, call.HangupBy, call.Codec = history.ResultAnswered, history.HangupRemote, "PCMU"
			call.AnsweredAt = started.Add(time.Duration(2+rng.IntN(10)) * time.Second)
			call.EndedAt = call.AnsweredAt.Add(time.Duration(20+rng.IntN(600)) * time.Second)
		}
		if err := calls.Start(ctx, call); err != nil {
			return n, fmt.Errorf("demo call: %w", err)
		}
		n.Calls++
	}
	return n, nil
}
