package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// embeddedMigrations holds the schema history. Files are named
// NNNN_description.sql; NNNN is the schema version the file produces. A file,
// once released, must never be edited: databases in the field have already
// run it. Change the schema by adding the next number.
//
//go:embed migrations/*.sql
var embeddedMigrations embed.FS

// migrationsDir is the directory inside the migration file system.
const migrationsDir = "migrations"

// migration is one schema step.
type migration struct {
	version int
	name    string // file name, recorded for humans inspecting the database
	script  string
}

// createMigrationsTable is safe to run on every start-up.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY NOT NULL,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL -- unix milliseconds
)`

// loadMigrations reads and orders the migration files. It takes an fs.FS so
// tests can feed it broken migrations.
func loadMigrations(migrationFS fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, migrationsDir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	migrations := make([]migration, 0, len(entries))
	seenVersions := make(map[int]string, len(entries))
	for _, entry := range entries {
		if entry.IsDir() || !strings.HasSuffix(entry.Name(), ".sql") {
			continue
		}
		version, err := migrationVersion(entry.Name())
		if err != nil {
			return nil, err
		}
		if other, dup := seenVersions[version]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, entry.Name(), version)
		}
		seenVersions[version] = entry.Name()
		script, err := fs.ReadFile(migrationFS, path.Join(migrationsDir, entry.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", entry.Name(), err)
		}
		migrations = append(migrations, migration{version: version, name: entry.Name(), script: string(script)})
	}
	sort.Slice(migrations, func(i, j int) bool { return migrations[i].version < migrations[j].version })
	return migrations, nil
}

// migrationVersion parses the NNNN prefix of "NNNN_description.sql".
func migrationVersion(fileName string) (int, error) {
	prefix, _, found := strings.Cut(fileName, "_")
	if !found {
		return 0, fmt.Errorf("migration %s: name must look like 0001_description.sql", fileName)
	}
	version, err := strconv.Atoi(prefix)
	if err != nil || version <= 0 {
		return 0, fmt.Errorf("migration %s: name must start with a positive version number", fileName)
	}
	return version, nil
}

// applyMigrations brings the schema up to the newest embedded version. Each
// migration runs in its own transaction together with the row recording it,
// so a failure (or a kill) leaves the database at the previous version, never
// half-migrated. Because transactions begin IMMEDIATE, two processes starting
// at once serialise here, and the second sees the first's versions as applied.
func applyMigrations(ctx context.Context, db *sql.DB, migrationFS fs.FS) error {
	migrations, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	newestKnown := 0
	if len(migrations) > 0 {
		newestKnown = migrations[len(migrations)-1].version
	}
	if err := refuseNewerSchema(ctx, db, newestKnown); err != nil {
		return err
	}
	for _, step := range migrations {
		if err := applyMigration(ctx, db, step); err != nil {
			return err
		}
	}
	return nil
}

// refuseNewerSchema stops an old binary from writing to a database whose
// tables it does not fully know (a downgrade after an upgrade).
func refuseNewerSchema(ctx context.Context, db *sql.DB, newestKnown int) error {
	var newestApplied sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newestApplied); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newestApplied.Valid && newestApplied.Int64 > int64(newestKnown) {
		return fmt.Errorf("%w: database is at version %d, this program knows up to %d",
			ErrSchemaTooNew, newestApplied.Int64, newestKnown)
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, step migration) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", step.name, err)
	}
	defer func() {
		if err != nil {
			// The migration error is the useful one; a failed rollback of a
			// failed transaction adds nothing.
			_ = tx.Rollback()
		}
	}()

	var alreadyApplied bool
	err = tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)", step.version).
		Scan(&alreadyApplied)
	if err != nil {
		return fmt.Errorf("migration %s: check: %w", step.name, err)
	}
	if alreadyApplied {
		return tx.Commit()
	}
	if _, err = tx.ExecContext(ctx, step.script); err != nil {
		return fmt.Errorf("migration %s: %w", step.name, err)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		step.version, step.name, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("migration %s: record: %w", step.name, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", step.name, err)
	}
	return nil
}

// errNoMigrations is returned by SchemaVersion for a database that has not
// been migrated; Open never returns such a database.
var errNoMigrations = errors.New("no migrations applied")

// SchemaVersion reports the newest migration applied to the database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var version sql.NullInt64
	if err := db.sqlDB.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&version); err != nil {
		return 0, fmt.Errorf("store: %s: read schema version: %w", db.path, err)
	}
	if !version.Valid {
		return 0, fmt.Errorf("store: %s: %w", db.path, errNoMigrations)
	}
	return int(version.Int64), nil
}
