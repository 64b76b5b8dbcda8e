package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// contactWriter holds the prepared statements that write contacts inside
// one transaction. A single AddContact prepares them once; an import of a
// million rows reuses them for every row, which is most of its speed.
type contactWriter struct {
	tx            *sql.Tx
	insertContact *sql.Stmt
	insertNumber  *sql.Stmt
	insertTag     *sql.Stmt
	findCompany   *sql.Stmt
	insertCompany *sql.Stmt
	numberOwner   *sql.Stmt
	nextPosition  *sql.Stmt
	// linkHistory links past calls, tasks and cases per number. An import
	// turns it off and links everything with one statement at the end.
	linkHistory bool
	// companies remembers company ids by folded name: an import names the
	// same few companies over and over.
	companies map[string]int64
}

// maxCachedCompanies bounds the company cache of one writer.
const maxCachedCompanies = 100_000

func prepareContactWriter(ctx context.Context, tx *sql.Tx) (*contactWriter, error) {
	w := &contactWriter{tx: tx, linkHistory: true, companies: map[string]int64{}}
	for _, statement := range []struct {
		target **sql.Stmt
		query  string
	}{
		{&w.insertContact, `INSERT INTO contacts (name, name_fold, company_id, email, notes, time_zone, responsible,
    source_line, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.insertNumber, `INSERT INTO contact_numbers (contact_id, label, raw, number_key, kind, digits_rev, extension, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (contact_id, number_key) DO NOTHING`},
		{&w.nextPosition, `SELECT COALESCE(max(position) + 1, 0) FROM contact_numbers WHERE contact_id = ?`},
		{&w.insertTag, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`},
		{&w.findCompany, `SELECT id FROM companies WHERE name_fold = ?`},
		{&w.insertCompany, `INSERT INTO companies (name, name_fold, created_at, updated_at) VALUES (?, ?, ?, ?)`},
		{&w.numberOwner, `SELECT contact_id FROM contact_numbers WHERE number_key = ? ORDER BY contact_id LIMIT 1`},
	} {
		prepared, err := tx.PrepareContext(ctx, statement.query)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*statement.target = prepared
	}
	return w, nil
}

func (w *contactWriter) close() {
	for _, statement := range []*sql.Stmt{w.insertContact, w.insertNumber, w.insertTag, w.findCompany, w.insertCompany, w.numberOwner, w.nextPosition} {
		if statement != nil {
			_ = statement.Close() // closing a statement of a finished transaction cannot lose data
		}
	}
}

// insert writes a validated contact and returns its id.
func (w *contactWriter) insert(ctx context.Context, contact validContact, now time.Time) (int64, error) {
	input := contact.input
	companyID, err := w.ensureCompany(ctx, input.Company, now)
	if err != nil {
		return 0, err
	}
	result, err := w.insertContact.ExecContext(ctx, input.Name, fold(input.Name), nullID(companyID), input.Email, input.Notes,
		input.TimeZone, input.Responsible, input.SourceLine, input.CreatedBy, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("insert contact: %w", err)
	}
	id, err := result.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert contact: %w", err)
	}
	for position, phone := range contact.numbers {
		if _, err := w.insertPhone(ctx, id, phone, position, now); err != nil {
			return 0, err
		}
	}
	if err := w.addTags(ctx, id, contact.tags); err != nil {
		return 0, err
	}
	return id, nil
}

// addNumber adds one number after a contact's existing ones (a number it
// already has is left alone) and links the number's past calls, tasks and
// cases to it.
func (w *contactWriter) addNumber(ctx context.Context, contactID int64, phone validPhone, now time.Time) (Linked, error) {
	var position int
	if err := w.nextPosition.QueryRowContext(ctx, contactID).Scan(&position); err != nil {
		return Linked{}, fmt.Errorf("number position: %w", err)
	}
	return w.insertPhone(ctx, contactID, phone, position, now)
}

func (w *contactWriter) insertPhone(ctx context.Context, contactID int64, phone validPhone, position int, now time.Time) (Linked, error) {
	number := phone.number
	if _, err := w.insertNumber.ExecContext(ctx, contactID, phone.label, number.Raw, number.Key, string(number.Kind),
		number.ReversedDigits(), number.Extension, position); err != nil {
		return Linked{}, fmt.Errorf("insert number %q: %w", number.Raw, err)
	}
	if !w.linkHistory {
		return Linked{}, nil
	}
	return linkHistory(ctx, w.tx, contactID, number.Key, now)
}

func (w *contactWriter) addTags(ctx context.Context, contactID int64, tags []string) error {
	for _, tag := range tags {
		if _, err := w.insertTag.ExecContext(ctx, contactID, tag); err != nil {
			return fmt.Errorf("insert tag %q: %w", tag, err)
		}
	}
	return nil
}

// ensureCompany finds a company by name, case-insensitively, or creates
// it. An empty name is "no company" (0).
func (w *contactWriter) ensureCompany(ctx context.Context, name string, now time.Time) (int64, error) {
	if name == "" {
		return 0, nil
	}
	folded := fold(name)
	if id, ok := w.companies[folded]; ok {
		return id, nil
	}
	var id int64
	err := w.findCompany.QueryRowContext(ctx, folded).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var result sql.Result
		if result, err = w.insertCompany.ExecContext(ctx, name, folded, now.UnixMilli(), now.UnixMilli()); err == nil {
			id, err = result.LastInsertId()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("company %q: %w", name, err)
	}
	if len(w.companies) < maxCachedCompanies {
		w.companies[folded] = id
	}
	return id, nil
}

// owner returns the first contact that has the number key (0 if none).
func (w *contactWriter) owner(ctx context.Context, key string) (int64, error) {
	var id int64
	err := w.numberOwner.QueryRowContext(ctx, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
