package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// TestUpgradeFromFirstSchema opens a database written by the first
// release (only 0001_calls.sql applied) and checks that the history
// migration fills in what it derives: number suffixes, call-backs and the
// statistics rollup.
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	script, err := os.ReadFile(filepath.Join("..", "internal", "store", "migrations", "0001_calls.sql"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	at := func(minute int) int64 { return baseTime().Add(time.Duration(minute) * time.Minute).UnixMilli() }
	statements := []string{
		string(script),
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '0001_calls.sql', 0)`,
	}
	for _, statement := range statements {
		if _, err := old.ExecContext(ctx, statement); err != nil {
			t.Fatal(err)
		}
	}
	rows := []struct {
		id, direction, number, result string
		started, answered, ended      int64
	}{
		{"missed-then-called", "in", "+49 30 1234", "missed", at(1), 0, at(2)},
		{"callback", "out", "+49 30 1234", "answered", at(5), at(6), at(9)},
		{"missed-open", "in", "0170 999", "missed", at(7), 0, at(8)},
		{"live", "in", "0170 999", "", at(10), 0, 0},
	}
	for _, row := range rows {
		_, err := old.ExecContext(ctx, `INSERT INTO calls (id, direction, remote_number, result, started_at, ringing_at, answered_at, ended_at)
VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0))`, row.id, row.direction, row.number, row.result, row.started, row.started, row.answered, row.ended)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	repo := NewRepo(db)

	bySuffix, _, err := repo.List(ctx, Filter{Number: "1234"}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, bySuffix, "callback", "missed-then-called")
	assertTodos(t, repo, CallbackQuery{}, []todo{{"0170 999", "missed-open", 1}})
	stats, err := repo.Statistics(ctx, StatsQuery{From: baseTime(), Until: baseTime().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Each call rang for a minute; the one answered call talked for three.
	if want := figures(3, 1, 2, 1, 3, time.Minute, 3*time.Minute, 3*time.Minute); publicFigures(stats.Total) != want {
		t.Errorf("stats after upgrade:\n got  %+v\n want %+v", publicFigures(stats.Total), want)
	}
}
