package crm

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/crm/numbers"
)

// How a number matched.
const (
	MatchExact  = "exact"  // same normalised number
	MatchSuffix = "suffix" // same last N digits (the number could not be normalised)
)

// maxNumberMatches bounds how many contacts one number can bring up; the
// card only needs the first and the fact that there are several. It is
// written as a literal in the look-up queries below.
const maxNumberMatches = 20

// NumberMatch is a contact found by one of its numbers.
type NumberMatch struct {
	ContactID   int64  `json:"contact_id"`
	ContactName string `json:"contact_name"`
	Company     string `json:"company,omitempty"`
	Phone       Phone  `json:"phone"` // the contact's number that matched
	By          string `json:"by"`    // MatchExact or MatchSuffix
}

// LookupNumber finds the contacts owning a number written in any format,
// oldest contact first (the first is the default choice when several share
// a number). Exact normalised matches win; only when there are none does
// it fall back to the last N digits, and then a valid number only matches
// stored numbers that could not be normalised, so +1 212 555 0100 never
// matches +44 212 555 0100. Internal extensions match exactly or not at
// all.
func (c *CRM) LookupNumber(ctx context.Context, raw string) ([]NumberMatch, error) {
	matches, err := c.lookupNumber(ctx, c.reads(), c.numbers.Normalize(raw))
	if err != nil {
		return nil, fmt.Errorf("crm: look up number %q: %w", raw, err)
	}
	return matches, nil
}

const selectNumberMatchSQL = `SELECT n.id, n.label, n.raw, n.number_key, n.kind, n.extension,
       c.id, c.name, COALESCE(co.name, '')
FROM contact_numbers n
JOIN contacts c ON c.id = n.contact_id
LEFT JOIN companies co ON co.id = c.company_id`

// The limits are literals: SQLite recompiles a statement whose LIMIT is a
// bound parameter every time the value changes, which would cost more than
// the look-up itself.
const (
	lookupExactSQL = selectNumberMatchSQL + `
WHERE n.number_key = ?
ORDER BY n.contact_id, n.id
LIMIT 20`

	lookupSuffixSQL = selectNumberMatchSQL + `
WHERE n.digits_rev >= ? AND n.digits_rev < ?
ORDER BY n.contact_id, n.id
LIMIT 20`

	// The kind filter keeps a valid number from matching another
	// country's valid number that shares its tail.
	lookupSuffixUnparsedSQL = selectNumberMatchSQL + `
WHERE n.digits_rev >= ? AND n.digits_rev < ? AND n.kind <> 'e164'
ORDER BY n.contact_id, n.id
LIMIT 20`
)

func (c *CRM) lookupNumber(ctx context.Context, q querier, number numbers.Number) ([]NumberMatch, error) {
	if !number.Valid() {
		return nil, nil
	}
	matches, err := queryNumberMatches(ctx, q, MatchExact, lookupExactSQL, number.Key)
	if err != nil || len(matches) > 0 {
		return matches, err
	}
	low, high, ok := c.numbers.SuffixRange(number)
	if !ok {
		return nil, nil
	}
	query := lookupSuffixSQL
	if number.Kind == numbers.KindE164 {
		query = lookupSuffixUnparsedSQL
	}
	return queryNumberMatches(ctx, q, MatchSuffix, query, low, high)
}

func queryNumberMatches(ctx context.Context, q querier, by, query string, args ...any) ([]NumberMatch, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var matches []NumberMatch
	for rows.Next() {
		match := NumberMatch{By: by}
		phone := &match.Phone
		if err := rows.Scan(&phone.ID, &phone.Label, &phone.Raw, &phone.Key, &phone.Kind, &phone.Extension,
			&match.ContactID, &match.ContactName, &match.Company); err != nil {
			return nil, err
		}
		matches = append(matches, match)
	}
	return matches, rows.Err()
}

// firstContactFor returns the default contact for a number (0 if none).
func (c *CRM) firstContactFor(ctx context.Context, q querier, number numbers.Number) (int64, error) {
	matches, err := c.lookupNumber(ctx, q, number)
	if err != nil || len(matches) == 0 {
		return 0, err
	}
	return matches[0].ContactID, nil
}
