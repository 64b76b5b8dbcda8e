package crm

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// bulkInserter writes new contacts of an import with multi-row INSERTs:
// one statement per few hundred rows instead of one per row, which is most
// of the difference between minutes and seconds for a million rows. It
// assigns contact ids itself (the import holds the write lock, so nobody
// else can take them), which lets numbers and tags be inserted in bulk
// too without reading ids back.
type bulkInserter struct {
	tx         *sql.Tx
	nextID     int64
	contacts   bulkTable
	numbers    bulkTable
	tags       bulkTable
	pendingIDs map[string]int64 // number key → contact id, for rows not yet flushed
}

// bulkRows is how many rows one multi-row statement inserts. SQLite allows
// 32766 parameters per statement; 256 rows × 11 columns stays far below.
const bulkRows = 256

// bulkTable buffers rows of one table.
type bulkTable struct {
	insert     string // "INSERT INTO t (a, b) VALUES "
	columns    int
	values     []any
	statements map[int]*sql.Stmt // by row count
}

func newBulkInserter(ctx context.Context, tx *sql.Tx) (*bulkInserter, error) {
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM contacts`).Scan(&maxID); err != nil {
		return nil, err
	}
	return &bulkInserter{
		tx:     tx,
		nextID: maxID + 1,
		contacts: bulkTable{insert: `INSERT INTO contacts (id, name, name_fold, company_id, email, notes, time_zone, responsible,
    source_line, created_by, created_at, updated_at) VALUES `, columns: 12, statements: map[int]*sql.Stmt{}},
		numbers: bulkTable{insert: `INSERT INTO contact_numbers (contact_id, label, raw, number_key, kind, digits_rev, extension,
    position) VALUES `, columns: 8, statements: map[int]*sql.Stmt{}},
		tags:       bulkTable{insert: `INSERT INTO contact_tags (contact_id, tag) VALUES `, columns: 2, statements: map[int]*sql.Stmt{}},
		pendingIDs: map[string]int64{},
	}, nil
}

// add buffers a new contact and returns the id it will have.
func (b *bulkInserter) add(ctx context.Context, contact validContact, companyID int64, now time.Time) (int64, error) {
	id := b.nextID
	b.nextID++
	input := contact.input
	millis := now.UnixMilli()
	b.contacts.values = append(b.contacts.values, id, input.Name, fold(input.Name), nullID(companyID), input.Email,
		input.Notes, input.TimeZone, input.Responsible, input.SourceLine, input.CreatedBy, millis, millis)
	for position, phone := range contact.numbers {
		number := phone.number
		b.numbers.values = append(b.numbers.values, id, phone.label, number.Raw, number.Key, string(number.Kind),
			number.ReversedDigits(), number.Extension, position)
		b.pendingIDs[number.Key] = id
	}
	for _, tag := range contact.tags {
		b.tags.values = append(b.tags.values, id, tag)
	}
	if b.contacts.rows() >= bulkRows || b.numbers.rows() >= bulkRows || b.tags.rows() >= bulkRows {
		return id, b.flush(ctx)
	}
	return id, nil
}

// pendingOwner returns the contact a buffered row gave this number key.
func (b *bulkInserter) pendingOwner(key string) (int64, bool) {
	id, ok := b.pendingIDs[key]
	return id, ok
}

// flush writes everything buffered: contacts first, for the foreign keys.
func (b *bulkInserter) flush(ctx context.Context) error {
	for _, table := range []*bulkTable{&b.contacts, &b.numbers, &b.tags} {
		if err := table.flush(ctx, b.tx); err != nil {
			return err
		}
	}
	clear(b.pendingIDs)
	return nil
}

func (b *bulkInserter) close() {
	for _, table := range []*bulkTable{&b.contacts, &b.numbers, &b.tags} {
		for _, statement := range table.statements {
			_ = statement.Close() // a statement of a finished transaction; nothing to lose
		}
	}
}

func (t *bulkTable) rows() int { return len(t.values) / t.columns }

func (t *bulkTable) flush(ctx context.Context, tx *sql.Tx) error {
	for start := 0; start < len(t.values); {
		rows := min((len(t.values)-start)/t.columns, bulkRows)
		statement, err := t.statement(ctx, tx, rows)
		if err != nil {
			return err
		}
		end := start + rows*t.columns
		if _, err := statement.ExecContext(ctx, t.values[start:end]...); err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
		start = end
	}
	clear(t.values) // drop references to the strings
	t.values = t.values[:0]
	return nil
}

// statement prepares (once per row count) "INSERT … VALUES (?, …), …".
func (t *bulkTable) statement(ctx context.Context, tx *sql.Tx, rows int) (*sql.Stmt, error) {
	if statement, ok := t.statements[rows]; ok {
		return statement, nil
	}
	row := "(" + placeholders(t.columns) + ")"
	var query strings.Builder
	query.WriteString(t.insert)
	for i := 0; i < rows; i++ {
		if i > 0 {
			query.WriteString(", ")
		}
		query.WriteString(row)
	}
	statement, err := tx.PrepareContext(ctx, query.String())
	if err != nil {
		return nil, fmt.Errorf("prepare bulk insert: %w", err)
	}
	t.statements[rows] = statement
	return statement, nil
}
