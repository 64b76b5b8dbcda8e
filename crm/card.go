package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/crm/numbers"
)

// CardRequest asks for the caller card of a number.
type CardRequest struct {
	Number      string `json:"number"`                 // as received, any format
	DialledLine string `json:"dialled_line,omitempty"` // the line (DID) the call came to
	CallID      string `json:"call_id,omitempty"`      // the call in progress, left out of "previous calls"
	// ContactID picks one of several contacts sharing the number (0 = the
	// first, the default).
	ContactID int64 `json:"contact_id,omitempty"`
	// Now is the time the card is for; zero = the CRM's clock.
	Now time.Time `json:"now,omitzero"`
}

// Actions offered on the card of an unknown number.
const (
	ActionAddContact      = "add_contact"
	ActionAddCase         = "add_case"
	ActionAttachToContact = "attach_to_contact"
)

// Card is what the operator sees while a call rings: the TUI draws it,
// --json prints it and the control socket sends it.
type Card struct {
	Number      string       `json:"number"`    // as received
	Formatted   string       `json:"formatted"` // for display
	NumberKey   string       `json:"number_key,omitempty"`
	NumberKind  numbers.Kind `json:"number_kind"`
	DialledLine string       `json:"dialled_line,omitempty"`
	// Partial means the card was cut short by its time bound: only the
	// fields filled so far are there. Call CompleteCard (for example in
	// the background) and replace the card with its result.
	Partial bool `json:"partial"`
	// Known is true when a contact has this number.
	Known bool `json:"known"`
	// Contact is the chosen contact (the first match unless the request
	// picked another).
	Contact *CardContact `json:"contact,omitempty"`
	// Matches lists every contact with this number; more than one means the
	// operator should be offered the choice.
	Matches []NumberMatch `json:"matches,omitempty"`
	// LocalTime is the caller's local time and how sure it is.
	LocalTime numbers.LocalTime `json:"local_time"`
	// Description is region, location and carrier, for known and unknown
	// numbers alike.
	Description numbers.Description `json:"description"`
	// OpenCase is the most recently updated open case; OtherOpenCases
	// counts the rest.
	OpenCase       *Case       `json:"open_case,omitempty"`
	OtherOpenCases int         `json:"other_open_cases"`
	PreviousCalls  CallSummary `json:"previous_calls"`
	OpenTasks      []Task      `json:"open_tasks,omitempty"`
	// Blacklisted and BlacklistReason come from IsBlocked.
	Blacklisted     bool   `json:"blacklisted"`
	BlacklistReason string `json:"blacklist_reason,omitempty"`
	// Actions offered for an unknown number.
	Actions []string `json:"actions,omitempty"`
	// CallerName is the name the caller look-up ([lookup] url) gave for an
	// incoming call, set by the engine; "" without one.
	CallerName string `json:"caller_name,omitempty"`
}

// CardContact is the contact part of a card.
type CardContact struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Company       string   `json:"company,omitempty"`
	Responsible   string   `json:"responsible,omitempty"`
	MatchedNumber Phone    `json:"matched_number"` // which of their numbers matched
	MatchedBy     string   `json:"matched_by"`     // MatchExact or MatchSuffix
	Email         string   `json:"email,omitempty"`
	Tags          []string `json:"tags,omitempty"`
	NotesExcerpt  string   `json:"notes_excerpt,omitempty"`
	SourceLine    string   `json:"source_line,omitempty"`
}

// notesExcerptSize is how much of the notes a card carries, in characters.
const notesExcerptSize = 200

// BuildCard builds the caller card within Settings.CardTimeout. When the
// bound runs out, the card comes back with what it has and Partial set,
// and a nil error; complete it with CompleteCard. An error means ctx
// itself ended or the database failed.
func (c *CRM) BuildCard(ctx context.Context, request CardRequest) (Card, error) {
	// The card timeout bounds the card's own work. Right after start the
	// number data may still be loading (New): wait for it first, or the
	// load would eat the timeout and leave the card unknown.
	select {
	case <-c.warmed:
	case <-ctx.Done():
		return Card{Number: request.Number}, fmt.Errorf("crm: caller card for %q: %w", request.Number, ctx.Err())
	}
	bounded, cancel := context.WithTimeout(ctx, c.settings.CardTimeout)
	defer cancel()
	card, err := c.buildCard(bounded, request)
	if err != nil && bounded.Err() != nil && ctx.Err() == nil {
		// Whether the number is known is not established yet, so offer
		// no actions that assume either.
		card.Partial = true
		card.Actions = nil
		return card, nil
	}
	if err != nil {
		return card, fmt.Errorf("crm: caller card for %q: %w", request.Number, err)
	}
	return card, nil
}

// CompleteCard builds the whole card, bounded only by ctx.
func (c *CRM) CompleteCard(ctx context.Context, request CardRequest) (Card, error) {
	card, err := c.buildCard(ctx, request)
	if err != nil {
		return card, fmt.Errorf("crm: caller card for %q: %w", request.Number, err)
	}
	return card, nil
}

// buildCard fills the card in order of importance, so a card cut short
// still has the most useful parts. The number part needs no database and
// is always there.
func (c *CRM) buildCard(ctx context.Context, request CardRequest) (Card, error) {
	now := request.Now
	if now.IsZero() {
		now = c.now()
	}
	number := c.numbers.Normalize(request.Number)
	card := Card{
		Number:      request.Number,
		Formatted:   c.numbers.Format(number),
		NumberKey:   number.Key,
		NumberKind:  number.Kind,
		DialledLine: request.DialledLine,
		LocalTime:   c.numbers.LocalTime(number, "", now),
		Description: c.numbers.Describe(number, c.settings.Language),
		Actions:     []string{ActionAddContact, ActionAddCase, ActionAttachToContact},
	}
	err := c.inSnapshot(ctx, func(q querier) error {
		return c.fillCard(ctx, q, &card, number, request, now)
	})
	return card, err
}

func (c *CRM) fillCard(ctx context.Context, q querier, card *Card, number numbers.Number, request CardRequest, now time.Time) error {
	reason, blocked, err := c.isBlocked(ctx, q, number, now)
	if err != nil {
		return err
	}
	card.Blacklisted, card.BlacklistReason = blocked, reason

	if card.Matches, err = c.lookupNumber(ctx, q, number); err != nil {
		return err
	}
	if len(card.Matches) > 0 || request.ContactID != 0 {
		if err := c.fillCardContact(ctx, q, card, number, request, now); err != nil {
			return err
		}
	}
	if err := fillCardTasks(ctx, q, card, number); err != nil {
		return err
	}
	if number.Valid() {
		if card.PreviousCalls, err = c.callSummary(ctx, q, number, request.CallID); err != nil {
			return err
		}
	}
	return nil
}

func (c *CRM) fillCardContact(ctx context.Context, q querier, card *Card, number numbers.Number, request CardRequest, now time.Time) error {
	chosen := NumberMatch{}
	if len(card.Matches) > 0 {
		chosen = card.Matches[0]
	}
	for _, match := range card.Matches {
		if match.ContactID == request.ContactID {
			chosen = match
		}
	}
	contactID := chosen.ContactID
	if request.ContactID != 0 {
		contactID = request.ContactID // attached by hand even if the number is not theirs yet
	}
	contact, timeZone, err := loadCardContact(ctx, q, contactID)
	if err != nil {
		return err
	}
	contact.MatchedNumber, contact.MatchedBy = chosen.Phone, chosen.By
	card.Known = true
	card.Actions = nil
	card.Contact = &contact
	if timeZone != "" {
		card.LocalTime = c.numbers.LocalTime(number, timeZone, now)
	}
	card.OpenCase, card.OtherOpenCases, err = loadOpenCase(ctx, q, contact.ID)
	return err
}

func fillCardTasks(ctx context.Context, q querier, card *Card, number numbers.Number) error {
	contactID := int64(0)
	if card.Contact != nil {
		contactID = card.Contact.ID
	}
	if contactID == 0 && !number.Valid() {
		return nil
	}
	// Two indexed look-ups rather than one OR, which SQLite would answer
	// by scanning every open task. The limit is a literal: see
	// lookupExactSQL.
	tasks, err := queryTasks(ctx, q, selectTaskSQL+`
WHERE t.id IN (SELECT id FROM tasks WHERE contact_id = ? AND status = 'open'
               UNION ALL
               SELECT id FROM tasks WHERE number_key = ? AND number_key <> '' AND status = 'open')
ORDER BY t.due_at, t.id LIMIT 5`, contactID, number.Key)
	if err != nil {
		return err
	}
	card.OpenTasks = tasks
	return nil
}

// excerpt is the first line of text, cut to size characters.
func excerpt(text string, size int) string {
	text = strings.TrimSpace(text)
	if line, _, found := strings.Cut(text, "\n"); found {
		text = strings.TrimSpace(line) + " …"
	}
	if utf8.RuneCountInString(text) <= size {
		return text
	}
	runes := []rune(text)
	return strings.TrimSpace(string(runes[:size])) + "…"
}
