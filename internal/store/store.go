// Package store opens switchboard's local SQLite database and keeps its schema
// current. It knows nothing about calls or contacts: the SQL for those lives in
// small repository types (see package history) so that another backend, such
// as PostgreSQL, can be added later without touching the callers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNotDatabase means the file exists but is not an SQLite database
	// (or is damaged beyond SQLite recognising it).
	ErrNotDatabase = errors.New("not an SQLite database or corrupt")
	// ErrSchemaTooNew means the database was migrated by a newer switchboard;
	// writing to it with this binary could damage data it does not understand.
	ErrSchemaTooNew = errors.New("database schema is newer than this program supports")
)

// busyTimeoutMillis is how long a connection waits for another writer to
// release the write lock before giving up with SQLITE_BUSY. Writes here take
// microseconds, so five seconds only runs out if something is truly stuck.
const busyTimeoutMillis = 5000

// maxOpenConns bounds the connection pool. Why more than one: in WAL mode
// readers never block the writer, so a slow history listing must not delay a
// call's heartbeat, which a single shared connection would do. Why that is
// safe: SQLite serialises writers itself, every connection waits up to
// busyTimeoutMillis for the write lock, and transactions begin IMMEDIATE (see
// dsn) so a read-modify-write never has to upgrade a read lock — the one case
// where SQLite returns SQLITE_BUSY at once without consulting the timeout.
// Why a bound at all: each connection costs a page cache, and an unbounded
// pool under a burst would only queue on the write lock anyway.
const maxOpenConns = 4

// DB is an open, migrated switchboard database.
type DB struct {
	sqlDB       *sql.DB
	path        string
	checkpoints *checkpointer
}

// Open opens (creating if needed) the SQLite database at path and applies any
// pending schema migrations. The parent directory is created private (0700)
// because call history is personal data.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, writerCheckpointFrames)
}

// open is Open with the log size at which a writer checkpoints itself;
// tests lower it to exercise that path without writing hundreds of MB.
func open(ctx context.Context, path string, checkpointFrames int) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: open: empty database path")
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(absPath), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: create directory: %w", absPath, err)
	}
	if err := createPrivateFile(absPath); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", absPath, err)
	}

	sqlDB, err := sql.Open("sqlite", dsn(absPath, checkpointFrames))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", absPath, err)
	}
	sqlDB.SetMaxOpenConns(maxOpenConns)
	// Keep idle connections: reopening one re-runs the DSN pragmas.
	sqlDB.SetMaxIdleConns(maxOpenConns)

	db := &DB{sqlDB: sqlDB, path: absPath}
	if err := db.checkConnection(ctx); err != nil {
		_ = sqlDB.Close() // the connection error is the one worth reporting
		return nil, err
	}
	if err := applyMigrations(ctx, sqlDB, embeddedMigrations); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", absPath, describeSQLiteError(err))
	}
	db.checkpoints = startCheckpointer(db)
	return db, nil
}

// SQL returns the underlying pool for repository types. Callers must not
// close it; use DB.Close.
func (db *DB) SQL() *sql.DB { return db.sqlDB }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes every connection. In WAL mode the last close checkpoints the
// log back into the main file.
func (db *DB) Close() error {
	if db.checkpoints != nil {
		db.checkpoints.close()
	}
	if err := db.sqlDB.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// dsn builds a file: URI so that any character in the path (including '?'
// and '#', which would otherwise start the query) reaches SQLite intact.
//
// Pragmas go in the DSN rather than a one-off Exec because they are
// per-connection state and the pool opens new connections at any time:
//   - journal_mode=WAL: readers and the writer do not block each other, and a
//     killed process loses nothing that was committed.
//   - synchronous=NORMAL: in WAL mode this is still durable across a process
//     crash (SIGKILL); only an OS crash or power cut can roll back the last
//     commits, and skipping an fsync per commit keeps heartbeats cheap.
//   - foreign_keys=ON: SQLite leaves it off by default for compatibility.
//   - busy_timeout: wait for a competing writer instead of failing.
//   - _txlock=immediate: see maxOpenConns.
//   - wal_autocheckpoint: checkpoints run in the background (checkpoint.go);
//     the writer's own only bounds the log under sustained writes.
func dsn(absPath string, checkpointFrames int) string {
	query := url.Values{}
	query.Set("_busy_timeout", fmt.Sprint(busyTimeoutMillis))
	query.Set("_journal_mode", "WAL")
	query.Set("_synchronous", "NORMAL")
	query.Set("_foreign_keys", "on")
	query.Set("_txlock", "immediate")
	query.Set("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", checkpointFrames))
	location := url.URL{Scheme: "file", Path: filepath.ToSlash(absPath), RawQuery: query.Encode()}
	return location.String()
}

// createPrivateFile creates an empty database file readable only by the
// owner. SQLite would otherwise create it with the umask default (often world
// readable), and it gives its -wal and -shm files the main file's mode.
func createPrivateFile(absPath string) error {
	file, err := os.OpenFile(absPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	return nil
}

// checkConnection opens the first connection, which runs the DSN pragmas and
// so is where a non-database file is discovered, and verifies WAL took
// effect: some file systems (network mounts) silently refuse it, and the
// concurrency guarantees above depend on it.
func (db *DB) checkConnection(ctx context.Context) error {
	if err := db.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, describeSQLiteError(err))
	}
	var journalMode string
	if err := db.sqlDB.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journalMode); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, describeSQLiteError(err))
	}
	if !strings.EqualFold(journalMode, "wal") {
		return fmt.Errorf("store: open %s: journal_mode is %q, want wal (is the file on a network file system?)", db.path, journalMode)
	}
	// Reading the schema forces SQLite to parse the whole header, so damage
	// the pragmas did not trip over is still reported here, not later.
	var tableCount int
	if err := db.sqlDB.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tableCount); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, describeSQLiteError(err))
	}
	return nil
}

// describeSQLiteError turns "file is not a database" into ErrNotDatabase so
// callers can tell the user what is wrong with the file instead of showing a
// bare SQLite result code; the original error stays in the chain.
func describeSQLiteError(err error) error {
	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return err
	}
	switch sqliteErr.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%w: %w", ErrNotDatabase, err)
	}
	return err
}
