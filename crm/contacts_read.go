package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const selectContactSQL = `SELECT c.id, c.name, COALESCE(c.company_id, 0), COALESCE(co.name, ''), c.email, c.notes, c.time_zone,
       c.responsible, c.source_line, c.created_by, c.created_at, c.updated_at
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
WHERE c.id = ?`

// loadContact reads a contact with its numbers and tags.
func loadContact(ctx context.Context, q querier, id int64) (Contact, error) {
	var contact Contact
	var createdAt, updatedAt sql.NullInt64
	err := q.QueryRowContext(ctx, selectContactSQL, id).Scan(&contact.ID, &contact.Name, &contact.CompanyID, &contact.Company,
		&contact.Email, &contact.Notes, &contact.TimeZone, &contact.Responsible, &contact.SourceLine, &contact.CreatedBy,
		&createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Contact{}, err
	}
	contact.CreatedAt = fromMillis(createdAt)
	contact.UpdatedAt = fromMillis(updatedAt)
	if contact.Numbers, err = loadPhones(ctx, q, id); err != nil {
		return Contact{}, err
	}
	if contact.Tags, err = loadTags(ctx, q, id); err != nil {
		return Contact{}, err
	}
	return contact, nil
}

func loadPhones(ctx context.Context, q querier, contactID int64) ([]Phone, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, label, raw, number_key, kind, extension
FROM contact_numbers WHERE contact_id = ? ORDER BY position, id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	phones := []Phone{}
	for rows.Next() {
		var phone Phone
		if err := rows.Scan(&phone.ID, &phone.Label, &phone.Raw, &phone.Key, &phone.Kind, &phone.Extension); err != nil {
			return nil, err
		}
		phones = append(phones, phone)
	}
	return phones, rows.Err()
}

func loadTags(ctx context.Context, q querier, contactID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tags []string
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, err
		}
		tags = append(tags, tag)
	}
	return tags, rows.Err()
}
