package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func openTestDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return db
}

func countRows(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var count int
	if err := db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&count); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return count
}

func TestOpenCreatesPrivateDirectoryAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "switchboard.db")
	db := openTestDB(t, path)
	defer db.Close()

	dirInfo, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := dirInfo.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode = %o, want 700", perm)
	}
	fileInfo, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fileInfo.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %o, want 600", perm)
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "pragmas.db"))
	defer db.Close()
	ctx := context.Background()

	// Grab several connections at once so the check covers pooled
	// connections, not just the first one.
	for range maxOpenConns {
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var journalMode string
		var synchronous, foreignKeys, busyTimeout int
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journalMode); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&synchronous); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busyTimeout); err != nil {
			t.Fatal(err)
		}
		if journalMode != "wal" || synchronous != 1 || foreignKeys != 1 || busyTimeout != busyTimeoutMillis {
			t.Errorf("journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d; want wal 1 1 %d",
				journalMode, synchronous, foreignKeys, busyTimeout, busyTimeoutMillis)
		}
	}
}

func TestMigrationsApplyOnceAndReopenIsNoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "migrate.db")
	ctx := context.Background()

	embedded, err := loadMigrations(embeddedMigrations)
	if err != nil {
		t.Fatal(err)
	}
	newest := embedded[len(embedded)-1].version

	db := openTestDB(t, path)
	if got := countRows(t, db, "SELECT count(*) FROM schema_migrations"); got != len(embedded) {
		t.Fatalf("schema_migrations rows = %d, want %d", got, len(embedded))
	}
	if got := countRows(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'calls'"); got != 1 {
		t.Fatalf("calls table missing")
	}
	var firstAppliedAt int64
	if err := db.SQL().QueryRowContext(ctx, "SELECT applied_at FROM schema_migrations WHERE version = 1").Scan(&firstAppliedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "INSERT INTO calls (id) VALUES ('survives-reopen')"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := openTestDB(t, path)
	defer reopened.Close()
	if got := countRows(t, reopened, "SELECT count(*) FROM schema_migrations"); got != len(embedded) {
		t.Fatalf("after reopen schema_migrations rows = %d, want %d", got, len(embedded))
	}
	var appliedAt int64
	if err := reopened.SQL().QueryRowContext(ctx, "SELECT applied_at FROM schema_migrations WHERE version = 1").Scan(&appliedAt); err != nil {
		t.Fatal(err)
	}
	if appliedAt != firstAppliedAt {
		t.Errorf("migration 1 re-applied: applied_at %d -> %d", firstAppliedAt, appliedAt)
	}
	if got := countRows(t, reopened, "SELECT count(*) FROM calls"); got != 1 {
		t.Errorf("calls rows after reopen = %d, want 1", got)
	}
	version, err := reopened.SchemaVersion(ctx)
	if err != nil || version != newest {
		t.Errorf("SchemaVersion = %d, %v; want %d", version, err, newest)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	db := openTestDB(t, path)
	_, err := db.SQL().ExecContext(context.Background(),
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	_, err = Open(context.Background(), path)
	t.Logf("Open of newer schema: %v", err)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "9999") {
		t.Errorf("error %q should name the file and the version", err)
	}
}

func TestGarbageFileGivesClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "garbage.db")
	garbage := []byte(strings.Repeat("this is not an SQLite database, just text\n", 200))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}

	db, err := Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a garbage file succeeded")
	}
	t.Logf("Open of garbage: %v", err)
	if !errors.Is(err, ErrNotDatabase) {
		t.Errorf("Open = %v, want ErrNotDatabase", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q should name the file", err)
	}
	after, readErr := os.ReadFile(path)
	if readErr != nil || string(after) != string(garbage) {
		t.Errorf("Open modified the garbage file (read error %v)", readErr)
	}
}

func TestPathWithURISpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd ?#%name", "calls.db")
	db := openTestDB(t, path)
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the literal path: %v", err)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.db")
	db := openTestDB(t, path)
	defer db.Close()
	ctx := context.Background()

	embedded, err := loadMigrations(embeddedMigrations)
	if err != nil {
		t.Fatal(err)
	}
	newest := embedded[len(embedded)-1].version
	// Every embedded migration is already applied, so these stand-ins are
	// not re-run; the broken one comes right after them.
	broken := fstest.MapFS{"migrations/README.txt": {Data: []byte("ignored")}}
	for _, step := range embedded {
		broken["migrations/"+step.name] = &fstest.MapFile{Data: []byte("SELECT 1")}
	}
	later := []struct{ name, script string }{
		{"half", "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;"},
		{"never", "CREATE TABLE never (id INTEGER);"},
		{"after", "CREATE TABLE after (id INTEGER);"},
		{"later", "CREATE TABLE later (id INTEGER);"},
		{"latest", "CREATE TABLE latest (id INTEGER);"},
	}
	for i, step := range later {
		broken[fmt.Sprintf("migrations/%04d_%s.sql", newest+1+i, step.name)] = &fstest.MapFile{Data: []byte(step.script)}
	}
	halfName := fmt.Sprintf("%04d_half.sql", newest+1)

	err = applyMigrations(ctx, db.SQL(), broken)
	if err == nil || !strings.Contains(err.Error(), halfName) {
		t.Fatalf("applyMigrations = %v, want an error naming %s", err, halfName)
	}
	if got := countRows(t, db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('half', 'never')"); got != 0 {
		t.Errorf("failed migration left %d tables behind", got)
	}
	if version, err := db.SchemaVersion(ctx); err != nil || version != newest {
		t.Errorf("SchemaVersion = %d, %v; want %d", version, err, newest)
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no version":        {"migrations/calls.sql": {}},
		"zero version":      {"migrations/0000_calls.sql": {}},
		"duplicate version": {"migrations/0001_a.sql": {}, "migrations/1_b.sql": {}},
	} {
		if _, err := loadMigrations(files); err == nil {
			t.Errorf("%s: loadMigrations accepted %v", name, files)
		}
	}
}

func TestEmbeddedMigrationsAreContiguous(t *testing.T) {
	migrations, err := loadMigrations(embeddedMigrations)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range migrations {
		if step.version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", step.name, step.version, i+1)
		}
	}
}

// Commits checkpoint only past writerCheckpointFrames; the background
// checkpointer copies the log into the file before that.
func TestCheckpointsRunInTheBackground(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "wal.db"))
	defer db.Close()
	ctx := context.Background()
	var pages int
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != writerCheckpointFrames {
		t.Fatalf("wal_autocheckpoint = %d, %v; want %d", pages, err, writerCheckpointFrames)
	}
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE filler (blob BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO filler VALUES (randomblob(8000))`); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		if db.checkpoints.frames.Load() > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("no frames checkpointed in the background within 10 s (last error: %v)", db.checkpoints.lastErr.Load())
}

// Under a sustained stream of writes the log must still start over: a
// passive checkpoint from another connection alone never catches up.
func TestLogStaysBoundedUnderSustainedWrites(t *testing.T) {
	// A low threshold: the same path at a hundredth of the size (race
	// builds of SQLite are slow per byte written).
	const checkpointFrames = 100
	path := filepath.Join(t.TempDir(), "busy.db")
	db, err := open(context.Background(), path, checkpointFrames)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE filler (blob BLOB)`); err != nil {
		t.Fatal(err)
	}
	// Each row takes two or three pages: about fifty times the frames at
	// which the writer's own checkpoint takes over, without pause.
	const rows = 20 * checkpointFrames
	largest := int64(0)
	for i := range rows {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO filler VALUES (zeroblob(8000))`); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			if info, err := os.Stat(path + "-wal"); err == nil {
				largest = max(largest, info.Size())
			}
		}
	}
	// Bounded by a small multiple of the checkpoint threshold, far below
	// the ~16 MB of pages written: a checkpoint cannot restart the log
	// while the background checkpointer or a reader holds a snapshot, so
	// under load it may take a few rounds (4.2× was seen on a busy CI).
	if limit := int64(8 * checkpointFrames * 4096); largest > limit {
		t.Errorf("the log reached %d bytes (limit %d) while %d rows were written", largest, limit, rows)
	}
}
