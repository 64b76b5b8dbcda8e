package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/crm/numbers"
)

// BlockEntry is a blacklisted number or prefix.
type BlockEntry struct {
	ID        int64     `json:"id"`
	Pattern   string    `json:"pattern"`   // as entered
	MatchKey  string    `json:"match_key"` // normalised number or international prefix
	Prefix    bool      `json:"prefix"`
	Reason    string    `json:"reason,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero = never
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Expired reports whether the entry no longer applies at now.
func (e BlockEntry) Expired(now time.Time) bool {
	return !e.ExpiresAt.IsZero() && !e.ExpiresAt.After(now)
}

// BlockInput is a new blacklist entry.
type BlockInput struct {
	// Pattern is a number in any format, or with Prefix a number prefix
	// ("+7 800", "8 800", "007800" are one prefix with default region RU).
	Pattern   string    `json:"pattern"`
	Prefix    bool      `json:"prefix,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero = never
}

// Block adds a number or prefix to the blacklist. Blocking the same number
// or prefix again replaces its reason and expiry.
func (c *CRM) Block(ctx context.Context, input BlockInput) (BlockEntry, error) {
	input.Pattern = strings.TrimSpace(input.Pattern)
	if err := checkText("reason", input.Reason); err != nil || len(input.Reason) > maxShortText || !validUTF8(input.Pattern) {
		return BlockEntry{}, fmt.Errorf("crm: block %q: %w: bad pattern or reason", input.Pattern, ErrInvalid)
	}
	matchKey, err := c.blockKey(input.Pattern, input.Prefix)
	if err != nil {
		return BlockEntry{}, fmt.Errorf("crm: block %q: %w", input.Pattern, err)
	}
	now := c.now()
	var id int64
	err = c.db.QueryRowContext(ctx, `INSERT INTO blacklist (pattern, match_key, is_prefix, reason, expires_at, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (match_key, is_prefix) DO UPDATE SET pattern = excluded.pattern, reason = excluded.reason,
    expires_at = excluded.expires_at
RETURNING id`, input.Pattern, matchKey, input.Prefix, input.Reason, toMillis(input.ExpiresAt), c.settings.CurrentOperator,
		now.UnixMilli()).Scan(&id)
	if err != nil {
		return BlockEntry{}, fmt.Errorf("crm: block %q: %w", input.Pattern, err)
	}
	return c.blockEntry(ctx, id)
}

func (c *CRM) blockKey(pattern string, prefix bool) (string, error) {
	if prefix {
		key, err := c.numbers.PrefixKey(pattern)
		if err != nil {
			return "", fmt.Errorf("%w: prefix %q", ErrInvalidNumber, pattern)
		}
		return key, nil
	}
	number := c.numbers.Normalize(pattern)
	if !number.Valid() {
		return "", fmt.Errorf("%w: %q", ErrInvalidNumber, pattern)
	}
	return number.Key, nil
}

// Unblock removes a blacklist entry by id.
func (c *CRM) Unblock(ctx context.Context, id int64) error {
	result, err := c.db.ExecContext(ctx, `DELETE FROM blacklist WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("crm: unblock %d: %w", id, err)
	}
	if removed, err := result.RowsAffected(); err != nil || removed == 0 {
		if err == nil {
			err = ErrNotFound
		}
		return fmt.Errorf("crm: unblock %d: %w", id, err)
	}
	return nil
}

// UnblockNumber removes the entry for a number or prefix, written as when
// it was blocked.
func (c *CRM) UnblockNumber(ctx context.Context, pattern string, prefix bool) error {
	matchKey, err := c.blockKey(strings.TrimSpace(pattern), prefix)
	if err != nil {
		return fmt.Errorf("crm: unblock %q: %w", pattern, err)
	}
	var id int64
	err = c.db.QueryRowContext(ctx, `SELECT id FROM blacklist WHERE match_key = ? AND is_prefix = ?`, matchKey, prefix).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("crm: unblock %q: %w", pattern, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("crm: unblock %q: %w", pattern, err)
	}
	return c.Unblock(ctx, id)
}

const selectBlockSQL = `SELECT id, pattern, match_key, is_prefix, reason, expires_at, created_by, created_at FROM blacklist`

func scanBlockEntry(row rowScanner) (BlockEntry, error) {
	var entry BlockEntry
	var expiresAt, createdAt sql.NullInt64
	if err := row.Scan(&entry.ID, &entry.Pattern, &entry.MatchKey, &entry.Prefix, &entry.Reason, &expiresAt,
		&entry.CreatedBy, &createdAt); err != nil {
		return BlockEntry{}, err
	}
	entry.ExpiresAt = fromMillis(expiresAt)
	entry.CreatedAt = fromMillis(createdAt)
	return entry, nil
}

func (c *CRM) blockEntry(ctx context.Context, id int64) (BlockEntry, error) {
	entry, err := scanBlockEntry(c.db.QueryRowContext(ctx, selectBlockSQL+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return BlockEntry{}, fmt.Errorf("crm: blacklist entry %d: %w", id, err)
	}
	return entry, nil
}

// Blacklist lists the entries, expired ones only when includeExpired.
func (c *CRM) Blacklist(ctx context.Context, now time.Time, includeExpired bool) ([]BlockEntry, error) {
	rows, err := c.db.QueryContext(ctx, selectBlockSQL+`
WHERE ? OR expires_at IS NULL OR expires_at > ?
ORDER BY match_key, is_prefix`, includeExpired, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("crm: list blacklist: %w", err)
	}
	entries, err := scanAll(rows, scanBlockEntry)
	if err != nil {
		return nil, fmt.Errorf("crm: list blacklist: %w", err)
	}
	return entries, nil
}

// IsBlocked is the phone's screening hook: whether calls from number are
// refused at now, and why. An exact entry wins over a prefix, a longer
// prefix over a shorter one; expired entries are ignored. A number that
// cannot be read (anonymous) is never blocked by this list.
func (c *CRM) IsBlocked(ctx context.Context, number string, now time.Time) (bool, string, error) {
	reason, blocked, err := c.isBlocked(ctx, c.reads(), c.numbers.Normalize(number), now)
	if err != nil {
		return false, "", fmt.Errorf("crm: blacklist check %q: %w", number, err)
	}
	return blocked, reason, nil
}

func (c *CRM) isBlocked(ctx context.Context, q querier, number numbers.Number, now time.Time) (string, bool, error) {
	if !number.Valid() {
		return "", false, nil
	}
	// Every leading part of the comparable form is a candidate prefix; an
	// IN list over the unique index beats scanning the list with LIKE. The
	// list has a fixed length (unused places hold '', which is no key) so
	// the statement is prepared once.
	comparable := c.numbers.ComparableForm(number)
	args := make([]any, 0, 2+maxPrefixes)
	args = append(args, number.Key, now.UnixMilli())
	for length := 1; length <= len(comparable) && len(args) < 2+maxPrefixes; length++ {
		if comparable[:length] != "+" {
			args = append(args, comparable[:length])
		}
	}
	for len(args) < 2+maxPrefixes {
		args = append(args, "")
	}
	var reason string
	err := q.QueryRowContext(ctx, isBlockedSQL(), args...).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return reason, true, nil
}

// maxPrefixes covers every prefix of the longest comparable form ('+' and
// up to 20 digits, see package numbers).
const maxPrefixes = 21

// isBlockedSQL's parameters: ?1 the key, ?2 now, then the prefixes. The
// numbered ones come first in the text because SQLite numbers a bare '?'
// after the highest number it has already seen.
func isBlockedSQL() string {
	return `SELECT reason FROM blacklist
WHERE (expires_at IS NULL OR expires_at > ?2)
  AND ((is_prefix = 0 AND match_key = ?1) OR (is_prefix = 1 AND match_key IN (` + placeholders(maxPrefixes) + `)))
ORDER BY is_prefix, length(match_key) DESC
LIMIT 1`
}

func validUTF8(text string) bool { return checkText("text", text) == nil }
