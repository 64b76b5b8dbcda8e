package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/phone"
)

// CardSource gives the caller card of a number (*crm.CRM).
type CardSource interface {
	BuildCard(ctx context.Context, request crm.CardRequest) (crm.Card, error)
}

// CallLister lists the history (*history.Repo).
type CallLister interface {
	List(ctx context.Context, filter history.Filter, page history.Page) ([]history.Call, string, error)
}

// Gatherer finds the facts of a phone event: the card says whether the
// caller is known and their open case; the history counts repeat calls.
type Gatherer struct {
	Cards    CardSource
	Calls    CallLister
	Location *time.Location // the CRM's time zone; nil = local
	Windows  []time.Duration
}

// Relevant tells whether any rule could be on this event, so that other
// events cost nothing.
func Relevant(kind phone.Kind) bool {
	switch string(kind) {
	case OnIncoming, OnAnswered, OnEnded:
		return true
	}
	return false
}

// Facts gathers the facts of ev.
func (g Gatherer) Facts(ctx context.Context, ev phone.Event) (Facts, error) {
	location := g.Location
	if location == nil {
		location = time.Local
	}
	at := ev.Time
	if at.IsZero() {
		at = time.Now()
	}
	f := Facts{Event: string(ev.Kind), Direction: string(ev.Direction), Result: string(ev.Result), CallID: ev.CallID,
		Number: ev.Number, Name: ev.DisplayName, Line: ev.Line, LocalTime: at.In(location)}
	if ev.Number == "" || g.Cards == nil {
		return f, nil
	}
	card, err := g.Cards.BuildCard(ctx, crm.CardRequest{Number: ev.Number, DialledLine: ev.Line, CallID: ev.CallID})
	if err != nil {
		return f, fmt.Errorf("rules: caller card of %s: %w", ev.Number, err)
	}
	f.Known = card.Known
	if card.Contact != nil {
		f.ContactID = card.Contact.ID
	}
	if card.OpenCase != nil {
		f.CaseStatus, f.CaseID = card.OpenCase.Status, card.OpenCase.ID
	}
	if g.Calls == nil || len(g.Windows) == 0 {
		return f, nil
	}
	f.Repeats = map[time.Duration]int{}
	for _, within := range g.Windows {
		n, err := g.countCalls(ctx, card.NumberKey, ev.Number, at.Add(-within))
		if err != nil {
			return f, err
		}
		f.Repeats[within] = n
		f.RepeatCount = max(f.RepeatCount, n)
	}
	return f, nil
}

// countCalls counts the number's calls since from, up to one page: a
// rule's repeat threshold is far below MaxPageSize.
func (g Gatherer) countCalls(ctx context.Context, e164, raw string, from time.Time) (int, error) {
	filter := history.Filter{E164: e164, From: from}
	if e164 == "" {
		filter.Number = raw
	}
	calls, _, err := g.Calls.List(ctx, filter, history.Page{Size: history.MaxPageSize})
	if err != nil {
		return 0, fmt.Errorf("rules: count calls of %s: %w", raw, err)
	}
	return len(calls), nil
}
