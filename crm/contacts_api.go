package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// AddContact validates and stores a new contact. Numbers that other
// contacts already have are allowed (several people on one office number);
// the card then lets the operator pick. Past calls, tasks and cases with
// the contact's numbers are linked to it.
func (c *CRM) AddContact(ctx context.Context, input ContactInput) (Contact, error) {
	if input.Responsible == "" {
		input.Responsible = c.settings.CurrentOperator
	}
	if input.CreatedBy == "" {
		input.CreatedBy = c.settings.CurrentOperator
	}
	valid, err := c.validateContact(input)
	if err != nil {
		return Contact{}, fmt.Errorf("crm: add contact: %w", err)
	}
	var id int64
	err = c.inTx(ctx, func(tx *sql.Tx) error {
		id, err = c.insertContact(ctx, tx, valid)
		return err
	})
	if err != nil {
		return Contact{}, fmt.Errorf("crm: add contact %q: %w", valid.input.Name, err)
	}
	return c.GetContact(ctx, id)
}

// insertContact writes a validated contact inside tx, after indexing new
// calls so that the link to past calls sees them all.
func (c *CRM) insertContact(ctx context.Context, tx *sql.Tx, valid validContact) (int64, error) {
	if _, err := c.indexNewCalls(ctx, tx); err != nil {
		return 0, err
	}
	writer, err := prepareContactWriter(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer writer.close()
	return writer.insert(ctx, valid, c.now())
}

// GetContact returns one contact; the error wraps ErrNotFound if there is
// none.
func (c *CRM) GetContact(ctx context.Context, id int64) (Contact, error) {
	contact, err := loadContact(ctx, c.reads(), id)
	if err != nil {
		return Contact{}, fmt.Errorf("crm: get contact %d: %w", id, err)
	}
	return contact, nil
}

// DeleteContact removes a contact with its numbers and tags. Its calls,
// cases and tasks stay, no longer linked to anyone.
func (c *CRM) DeleteContact(ctx context.Context, id int64) error {
	result, err := c.db.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("crm: delete contact %d: %w", id, err)
	}
	if deleted, err := result.RowsAffected(); err != nil || deleted == 0 {
		if err == nil {
			err = ErrNotFound
		}
		return fmt.Errorf("crm: delete contact %d: %w", id, err)
	}
	return nil
}

// AddNumber adds a number to a contact and links the past calls, tasks and
// cases with that number (that belong to nobody yet) to the contact.
func (c *CRM) AddNumber(ctx context.Context, contactID int64, input PhoneInput) (Linked, error) {
	phone, err := c.validatePhone(input)
	if err != nil {
		return Linked{}, fmt.Errorf("crm: add number to contact %d: %w", contactID, err)
	}
	var linked Linked
	err = c.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireContact(ctx, tx, contactID); err != nil {
			return err
		}
		linked, err = c.addNumbers(ctx, tx, contactID, []validPhone{phone})
		return err
	})
	if err != nil {
		return Linked{}, fmt.Errorf("crm: add number %q to contact %d: %w", input.Number, contactID, err)
	}
	return linked, nil
}

func (c *CRM) addNumbers(ctx context.Context, tx *sql.Tx, contactID int64, phones []validPhone) (Linked, error) {
	if _, err := c.indexNewCalls(ctx, tx); err != nil {
		return Linked{}, err
	}
	writer, err := prepareContactWriter(ctx, tx)
	if err != nil {
		return Linked{}, err
	}
	defer writer.close()
	now := c.now()
	var total Linked
	for _, phone := range phones {
		linked, err := writer.addNumber(ctx, contactID, phone, now)
		if err != nil {
			return Linked{}, err
		}
		total.Calls += linked.Calls
		total.Tasks += linked.Tasks
		total.Cases += linked.Cases
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contacts SET updated_at = ? WHERE id = ?`, now.UnixMilli(), contactID); err != nil {
		return Linked{}, err
	}
	return total, nil
}

// RemoveNumber removes a number, written in any format, from a contact.
func (c *CRM) RemoveNumber(ctx context.Context, contactID int64, number string) error {
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		return c.removeNumbers(ctx, tx, contactID, []string{number})
	})
	if err != nil {
		return fmt.Errorf("crm: remove number %q from contact %d: %w", number, contactID, err)
	}
	return nil
}

func (c *CRM) removeNumbers(ctx context.Context, tx *sql.Tx, contactID int64, raws []string) error {
	for _, raw := range raws {
		number := c.numbers.Normalize(raw)
		if !number.Valid() {
			return fmt.Errorf("%w: %q", ErrInvalidNumber, raw)
		}
		result, err := tx.ExecContext(ctx, `DELETE FROM contact_numbers WHERE contact_id = ? AND number_key = ?`, contactID, number.Key)
		if err != nil {
			return err
		}
		if removed, err := result.RowsAffected(); err != nil || removed == 0 {
			if err == nil {
				err = fmt.Errorf("contact %d has no number %q: %w", contactID, raw, ErrNotFound)
			}
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE contacts SET updated_at = ? WHERE id = ?`, c.now().UnixMilli(), contactID)
	return err
}

// FindContacts finds contacts by a number in any format or by a fragment
// of the name, company or e-mail (case-insensitive in any script, "ё"
// matching "е"). An empty query lists contacts by name. Results are
// limited to limit (at most 1000).
func (c *CRM) FindContacts(ctx context.Context, query string, limit int) ([]Contact, error) {
	if limit <= 0 || limit > 1000 {
		return nil, fmt.Errorf("crm: find contacts: %w: limit %d must be 1..1000", ErrInvalid, limit)
	}
	query = strings.TrimSpace(query)
	var ids []int64
	var err error
	if looksLikeNumber(query) {
		ids, err = c.contactsByNumber(ctx, query, limit)
	} else {
		ids, err = c.contactsByText(ctx, query, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("crm: find contacts %q: %w", query, err)
	}
	contacts := make([]Contact, 0, len(ids))
	for _, id := range ids {
		contact, err := loadContact(ctx, c.reads(), id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted between the two queries
		}
		if err != nil {
			return nil, fmt.Errorf("crm: find contacts %q: %w", query, err)
		}
		contacts = append(contacts, contact)
	}
	return contacts, nil
}

func (c *CRM) contactsByNumber(ctx context.Context, query string, limit int) ([]int64, error) {
	matches, err := c.lookupNumber(ctx, c.reads(), c.numbers.Normalize(query))
	if err != nil {
		return nil, err
	}
	matches = matches[:min(limit, len(matches))]
	ids := make([]int64, 0, len(matches))
	seen := map[int64]bool{}
	for _, match := range matches {
		if !seen[match.ContactID] {
			seen[match.ContactID] = true
			ids = append(ids, match.ContactID)
		}
	}
	return ids, nil
}

func (c *CRM) contactsByText(ctx context.Context, query string, limit int) ([]int64, error) {
	pattern := likeContains(fold(query))
	rows, err := c.db.QueryContext(ctx, `SELECT c.id FROM contacts c
LEFT JOIN companies co ON co.id = c.company_id
WHERE c.name_fold LIKE ?1 ESCAPE '\' OR co.name_fold LIKE ?1 ESCAPE '\' OR c.email LIKE ?1 ESCAPE '\'
ORDER BY c.name_fold, c.id
LIMIT ?2`, pattern, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// looksLikeNumber tells a number ("+7 495…", "101") from a name fragment.
func looksLikeNumber(query string) bool {
	digits := 0
	for _, r := range query {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			return false
		}
	}
	return digits >= 2
}

func requireContact(ctx context.Context, q querier, id int64) error {
	var exists bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = ?)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	return nil
}
