package crm

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/crm/numbers"
)

// The caller card's queries. Each answers one part of the card in a single
// statement (tags folded in as JSON, counts as window functions), because
// on a card the number of statements, not their work, is what costs.

// loadCardContact reads what the card shows of a contact, and its time-zone
// override.
func loadCardContact(ctx context.Context, q querier, id int64) (CardContact, string, error) {
	var contact CardContact
	var notes, timeZone, tagsJSON string
	err := q.QueryRowContext(ctx, `SELECT c.id, c.name, COALESCE(co.name, ''), c.email, c.notes, c.time_zone, c.responsible,
       c.source_line, (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag))
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
WHERE c.id = ?`, id).Scan(&contact.ID, &contact.Name, &contact.Company, &contact.Email, &notes, &timeZone,
		&contact.Responsible, &contact.SourceLine, &tagsJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return CardContact{}, "", fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return CardContact{}, "", err
	}
	if err := json.Unmarshal([]byte(tagsJSON), &contact.Tags); err != nil {
		return CardContact{}, "", fmt.Errorf("contact %d tags: %w", id, err)
	}
	if len(contact.Tags) == 0 {
		contact.Tags = nil
	}
	contact.NotesExcerpt = excerpt(notes, notesExcerptSize)
	return contact, timeZone, nil
}

// loadOpenCase returns the most recently updated open case of a contact
// and how many other cases are open.
func loadOpenCase(ctx context.Context, q querier, contactID int64) (*Case, int, error) {
	var open int
	record, err := scanCase(q.QueryRowContext(ctx, selectCaseSQLWith(", count(*) OVER ()")+`
WHERE k.contact_id = ? AND k.state = 'open'
ORDER BY k.updated_at DESC, k.id DESC LIMIT 1`, contactID), &open)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return &record, open - 1, nil
}

// callSummary counts calls with this number, except the call in progress:
// by the normalised number, and for calls without one yet (recorded while
// the CRM was not looking, until IndexCalls runs) by the usual raw
// spellings.
func (c *CRM) callSummary(ctx context.Context, q querier, number numbers.Number, exceptCallID string) (CallSummary, error) {
	var summary CallSummary
	var lastAt sql.NullInt64
	args := []any{number.Key, exceptCallID}
	for _, spelling := range c.numbers.Spellings(number) {
		args = append(args, spelling)
	}
	err := q.QueryRowContext(ctx, `SELECT c.started_at, c.result, count(*) OVER ()
FROM calls c
WHERE ((c.remote_e164 = ?1 AND c.remote_e164 <> '') OR c.remote_number IN (?3, ?4, ?5, ?6, ?7))
  AND c.id <> ?2
ORDER BY c.started_at DESC, c.rowid DESC LIMIT 1`, args...).
		Scan(&lastAt, &summary.LastResult, &summary.Count)
	if errors.Is(err, sql.ErrNoRows) {
		return CallSummary{}, nil
	}
	if err != nil {
		return CallSummary{}, err
	}
	summary.LastAt = fromMillis(lastAt)
	return summary, nil
}
