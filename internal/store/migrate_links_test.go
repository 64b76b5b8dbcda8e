package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// migrationsUpTo is the embedded schema history cut after version last, to
// build a database as an older release left it.
func migrationsUpTo(t *testing.T, last int) fs.FS {
	t.Helper()
	embedded, err := loadMigrations(embeddedMigrations)
	if err != nil {
		t.Fatal(err)
	}
	cut := fstest.MapFS{}
	for _, step := range embedded {
		if step.version <= last {
			cut["migrations/"+step.name] = &fstest.MapFile{Data: []byte(step.script)}
		}
	}
	return cut
}

// TestCallLinksMoveIntoTheCallsTable upgrades a database that kept the
// CRM's call index (call_numbers, up to version 3): its numbers and
// contacts land in the calls table without overwriting what the history
// had, and deleting a contact then unlinks its calls.
func TestCallLinksMoveIntoTheCallsTable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	old, err := sql.Open("sqlite", dsn(path, writerCheckpointFrames))
	if err != nil {
		t.Fatal(err)
	}
	if err := applyMigrations(ctx, old, migrationsUpTo(t, 3)); err != nil {
		t.Fatal(err)
	}
	for _, statement := range []string{
		`INSERT INTO contacts (id, name, name_fold, created_at, updated_at) VALUES (7, 'Ann', 'ann', 0, 0), (8, 'Bob', 'bob', 0, 0)`,
		`INSERT INTO calls (id, direction, remote_number) VALUES ('indexed', 'in', '030 1234')`,
		`INSERT INTO calls (id, direction, remote_number, remote_e164, contact_id) VALUES ('history-knew', 'in', '030 5678', '+49305678', 8)`,
		`INSERT INTO calls (id, direction, remote_number) VALUES ('unknown-number', 'out', '0170 1')`,
		`INSERT INTO call_numbers (call_id, number_key, digits_rev, contact_id) VALUES
            ('indexed', '+49301234', '4321', 7), ('history-knew', '+49000', '000', 7), ('unknown-number', '+491701', '1071', NULL)`,
	} {
		if _, err := old.ExecContext(ctx, statement); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openTestDB(t, path)
	defer db.Close()
	want := map[string]struct {
		e164    string
		contact int64
	}{
		"indexed":        {"+49301234", 7},
		"history-knew":   {"+49305678", 8}, // the history's own values win
		"unknown-number": {"+491701", 0},
	}
	for id, expected := range want {
		var e164 string
		var contact int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT remote_e164, contact_id FROM calls WHERE id = ?`, id).Scan(&e164, &contact); err != nil {
			t.Fatal(err)
		}
		if e164 != expected.e164 || contact != expected.contact {
			t.Errorf("call %s: e164 %q contact %d, want %q %d", id, e164, contact, expected.e164, expected.contact)
		}
	}
	if got := countRows(t, db, `SELECT count(*) FROM sqlite_schema WHERE name = 'call_numbers'`); got != 0 {
		t.Error("call_numbers still exists")
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM contacts WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, db, `SELECT count(*) FROM calls WHERE contact_id = 7`); got != 0 {
		t.Errorf("%d calls still linked to a deleted contact", got)
	}
	if got := countRows(t, db, `SELECT count(*) FROM calls WHERE contact_id = 8`); got != 1 {
		t.Errorf("%d calls of the other contact, want 1", got)
	}
}
