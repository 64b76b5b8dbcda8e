package crm

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// testStart is the fixed "now" of most tests: 16:30 on 5 March 2018 UTC,
// the example time of the issue.
var testStart = time.Date(2018, 3, 5, 16, 30, 0, 0, time.UTC)

// testClock is a settable clock for the CRM and the due watcher.
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
}

type clockWaiter struct {
	deadline time.Time
	fire     chan time.Time
}

func newTestClock(now time.Time) *testClock { return &testClock{now: now} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires when Advance moves the clock past now+d.
func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	fire := make(chan time.Time, 1)
	if d <= 0 {
		fire <- c.now
		return fire
	}
	c.waiters = append(c.waiters, clockWaiter{deadline: c.now.Add(d), fire: fire})
	return fire
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, waiter := range c.waiters {
		if !waiter.deadline.After(c.now) {
			waiter.fire <- c.now
		} else {
			kept = append(kept, waiter)
		}
	}
	c.waiters = kept
}

// Waiting reports how many After channels are pending, so a test can wait
// until a goroutine is asleep before advancing.
func (c *testClock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// testSettings is RU, English, UTC, operator "anna".
// testSettings gives cards a generous bound: the tests check what a card
// holds, and a loaded machine under -race can take the default 200 ms
// (TestCardTimeoutGivesPartialCard tests the bound itself).
func testSettings() Settings {
	return Settings{DefaultRegion: "RU", Language: LanguageEnglish, TimeZone: "UTC", CurrentOperator: "anna", DefaultCurrency: "RUB",
		CardTimeout: time.Minute}
}

type testEnv struct {
	t     testing.TB
	ctx   context.Context
	path  string
	db    *store.DB
	crm   *CRM
	clock *testClock
}

// newTestEnv opens a real SQLite file in t.TempDir().
func newTestEnv(t testing.TB, settings Settings) *testEnv {
	t.Helper()
	env := &testEnv{t: t, ctx: context.Background(), path: filepath.Join(t.TempDir(), "crm.db"), clock: newTestClock(testStart)}
	env.open(settings)
	t.Cleanup(func() { env.close() })
	return env
}

func (env *testEnv) open(settings Settings) {
	env.t.Helper()
	db, err := store.Open(env.ctx, env.path)
	if err != nil {
		env.t.Fatal(err)
	}
	c, err := New(db, settings, WithClock(env.clock.Now))
	if err != nil {
		_ = db.Close()
		env.t.Fatal(err)
	}
	env.db, env.crm = db, c
}

func (env *testEnv) close() {
	if env.db != nil {
		_ = env.db.Close()
		env.db = nil
	}
}

// reopen closes and reopens the database, as a restart would.
func (env *testEnv) reopen(settings Settings) {
	env.t.Helper()
	env.close()
	env.open(settings)
}

func (env *testEnv) count(query string, args ...any) int {
	env.t.Helper()
	var n int
	if err := env.db.SQL().QueryRowContext(env.ctx, query, args...).Scan(&n); err != nil {
		env.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// counts is the number of rows of every CRM table, to prove that a failed
// operation wrote nothing.
func (env *testEnv) counts() map[string]int {
	env.t.Helper()
	counts := map[string]int{}
	for _, table := range []string{"contacts", "contact_numbers", "contact_tags", "companies", "cases", "tasks", "call_policy_runs"} {
		counts[table] = env.count("SELECT count(*) FROM " + table)
	}
	return counts
}

func (env *testEnv) addContact(name string, numbers ...string) Contact {
	env.t.Helper()
	input := ContactInput{Name: name}
	for _, number := range numbers {
		input.Numbers = append(input.Numbers, PhoneInput{Number: number})
	}
	contact, err := env.crm.AddContact(env.ctx, input)
	if err != nil {
		env.t.Fatal(err)
	}
	return contact
}

// addCall inserts a history row the way package history does.
func (env *testEnv) addCall(id, direction, remote string, startedAt time.Time, result string) {
	env.t.Helper()
	_, err := env.db.SQL().ExecContext(env.ctx, `INSERT INTO calls (id, direction, remote_number, started_at, result) VALUES (?, ?, ?, ?, ?)`,
		id, direction, remote, startedAt.UnixMilli(), result)
	if err != nil {
		env.t.Fatal(err)
	}
}
