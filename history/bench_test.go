package history

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// Benchmarks run against a generated history of benchCallsEnv calls
// (default defaultBenchCalls, which keeps `go test -bench .` quick; set
// SWITCHBOARD_BENCH_CALLS=10000000 for the figures the goals are stated
// for). The database is generated once and kept in benchDirEnv (default: the
// system temp directory), since 10M rows take minutes to write.
const (
	benchCallsEnv     = "SWITCHBOARD_BENCH_CALLS"
	benchDirEnv       = "SWITCHBOARD_BENCH_DIR"
	defaultBenchCalls = 200_000
	// benchCallsPerDay: a busy call centre. The history spans
	// calls/benchCallsPerDay days (at least benchMinDays), so a 30-day
	// statistic covers 300,000 calls at 10M.
	benchCallsPerDay = 10_000
	benchMinDays     = 60
)

var benchStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

type benchDB struct {
	repo  *Repo
	db    *store.DB
	calls int
	days  int
	path  string
}

var (
	benchOnce   sync.Once
	benchShared *benchDB
	benchErr    error
)

// openBenchDB returns the shared benchmark database, generating it if no
// complete one is cached.
func openBenchDB(b *testing.B) *benchDB {
	b.Helper()
	benchOnce.Do(func() { benchShared, benchErr = prepareBenchDB() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchShared
}

func prepareBenchDB() (*benchDB, error) {
	calls := defaultBenchCalls
	if env := os.Getenv(benchCallsEnv); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive number", benchCallsEnv, env)
		}
		calls = n
	}
	days := max(benchMinDays, calls/benchCallsPerDay)
	dir := os.Getenv(benchDirEnv)
	if dir == "" {
		dir = os.TempDir()
	}
	ctx := context.Background()
	// The name carries a hash of history's part of the schema: a database
	// generated before it changed is not reused (other packages' tables do
	// not matter here).
	versionProbe := filepath.Join(dir, "switchboard-bench-probe.db")
	_ = os.Remove(versionProbe)
	probe, err := store.Open(ctx, versionProbe)
	if err != nil {
		return nil, err
	}
	var schema string
	err = probe.SQL().QueryRowContext(ctx, `SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_schema
WHERE tbl_name IN ('calls', 'call_tags', 'call_stats') OR name LIKE 'call_notes%' ORDER BY name)`).Scan(&schema)
	_ = probe.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(versionProbe + suffix)
	}
	if err != nil {
		return nil, err
	}
	schemaHash := fnv.New32a()
	schemaHash.Write([]byte(schema))
	path := filepath.Join(dir, fmt.Sprintf("switchboard-bench-%08x-%d.db", schemaHash.Sum32(), calls))
	complete := path + ".complete"
	if _, err := os.Stat(complete); err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
		began := time.Now()
		fmt.Fprintf(os.Stderr, "generating %d calls into %s (cached for later runs)\n", calls, path)
		db, err := store.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		gen := newCallGenerator(42, benchStart, calls, days)
		if _, err := insertGenerated(ctx, NewRepo(db), gen, calls, 50_000, false); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("generate %d calls: %w", calls, err)
		}
		if err := db.Close(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(complete, nil, 0o600); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "generated %d calls in %v: %s\n", calls, time.Since(began).Round(time.Second), path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return &benchDB{repo: NewRepo(db), db: db, calls: calls, days: days, path: path}, nil
}

// end is the instant just after the last generated call.
func (d *benchDB) end() time.Time { return benchStart.Add(time.Duration(d.days) * 24 * time.Hour) }

// sizeMB is the database's size on disk, write-ahead log included.
func (d *benchDB) sizeMB() float64 {
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if info, err := os.Stat(d.path + suffix); err == nil {
			total += info.Size()
		}
	}
	return float64(total) / (1 << 20)
}

// latencies collects per-operation durations for percentile metrics.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	b.Helper()
	if len(l) == 0 {
		return
	}
	sorted := slices.Clone(l)
	slices.Sort(sorted)
	at := func(q float64) float64 {
		return float64(sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(sorted[len(sorted)-1].Microseconds())/1000, "max-ms")
}

// timed runs op once per benchmark iteration and reports percentiles.
// latencySamples is how many operations one benchmark iteration times.
const latencySamples = 200

func timed(b *testing.B, d *benchDB, op func(rng *rand.Rand) error) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var times latencies
	for b.Loop() {
		// A p99 needs many samples, and make bench runs every benchmark
		// once (-benchtime 1x): each iteration takes a batch of them.
		for range latencySamples {
			began := time.Now()
			if err := op(rng); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(began))
		}
	}
	times.report(b)
	b.ReportMetric(float64(d.calls), "calls")
	b.ReportMetric(d.sizeMB(), "db-MB")
}

func yes() *bool { value := true; return &value }

func BenchmarkListFirstPage(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	numbers := max(d.calls/20, 10)
	filters := []struct {
		name   string
		filter func(rng *rand.Rand) Filter
		sort   Sort
	}{
		{"all", func(*rand.Rand) Filter { return Filter{} }, SortNewest},
		{"incoming", func(*rand.Rand) Filter { return Filter{Direction: DirectionIn} }, SortNewest},
		{"missed", func(*rand.Rand) Filter { return Filter{Direction: DirectionIn, Results: []string{ResultMissed}} }, SortNewest},
		{"rare-result", func(*rand.Rand) Filter { return Filter{Results: []string{ResultBlacklisted}} }, SortNewest},
		{"two-results", func(*rand.Rand) Filter { return Filter{Results: []string{ResultBusy, ResultNoAnswer}} }, SortNewest},
		{"e164", func(rng *rand.Rand) Filter {
			raw, e164 := genNumber(rng.IntN(numbers/20)*20 + 1) // never an extension
			return Filter{E164: e164, Number: raw}
		}, SortNewest},
		{"number-suffix", func(rng *rand.Rand) Filter {
			raw, _ := genNumber(rng.IntN(numbers))
			return Filter{Number: raw[max(0, len(raw)-4):]}
		}, SortNewest},
		{"contact", func(rng *rand.Rand) Filter { return Filter{ContactID: genContact(rng.IntN(numbers/3) * 3)} }, SortNewest},
		{"operator", func(rng *rand.Rand) Filter { return Filter{Operator: genOperators[rng.IntN(len(genOperators))]} }, SortNewest},
		{"account", func(rng *rand.Rand) Filter { return Filter{Account: genAccounts[rng.IntN(len(genAccounts))]} }, SortNewest},
		{"dialled-line", func(rng *rand.Rand) Filter { return Filter{DialledLine: genLines[rng.IntN(len(genLines))]} }, SortNewest},
		{"last-week", func(*rand.Rand) Filter { return Filter{From: d.end().AddDate(0, 0, -7)} }, SortNewest},
		{"old-month", func(*rand.Rand) Filter {
			return Filter{From: benchStart.AddDate(0, 0, 10), Until: benchStart.AddDate(0, 0, 40), Direction: DirectionOut}
		}, SortNewest},
		{"recording", func(*rand.Rand) Filter { return Filter{HasRecording: yes()} }, SortNewest},
		{"notes", func(rng *rand.Rand) Filter {
			return Filter{NotesText: []string{"invoice", "premium", "Lizenzen"}[rng.IntN(3)]}
		}, SortNewest},
		{"disposition", func(rng *rand.Rand) Filter {
			return Filter{Disposition: genDispositions[rng.IntN(len(genDispositions))]}
		}, SortNewest},
		{"tag", func(rng *rand.Rand) Filter { return Filter{Tag: genTags[rng.IntN(len(genTags))]} }, SortNewest},
		{"operator-missed-in-month", func(rng *rand.Rand) Filter {
			return Filter{Operator: genOperators[rng.IntN(len(genOperators))], From: d.end().AddDate(0, -1, 0), Results: []string{ResultAnswered}}
		}, SortNewest},
		{"longest", func(*rand.Rand) Filter { return Filter{} }, SortLongest},
		{"longest-operator", func(rng *rand.Rand) Filter { return Filter{Operator: genOperators[rng.IntN(len(genOperators))]} }, SortLongest},
		{"oldest-incoming", func(*rand.Rand) Filter { return Filter{Direction: DirectionIn} }, SortOldest},
	}
	for _, tc := range filters {
		b.Run(tc.name, func(b *testing.B) {
			timed(b, d, func(rng *rand.Rand) error {
				_, _, err := d.repo.List(ctx, tc.filter(rng), Page{Sort: tc.sort})
				return err
			})
		})
	}
}

// benchOpenTasks is a CRM's worth of open call-back tasks: 200 numbers.
func benchOpenTasks(d *benchDB) []string {
	numbers := max(d.calls/20, 10)
	tasks := make([]string, 200)
	for i := range tasks {
		raw, e164 := genNumber(i * (numbers / 200))
		tasks[i] = e164
		if e164 == "" {
			tasks[i] = raw
		}
	}
	return tasks
}

func BenchmarkContactHistory(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	numbers := max(d.calls/20, 10)
	timed(b, d, func(rng *rand.Rand) error {
		contact := int64(0)
		for contact == 0 {
			contact = genContact(rng.IntN(numbers))
		}
		calls, _, err := d.repo.ContactHistory(ctx, contact, Page{})
		if err == nil && len(calls) == 0 {
			err = fmt.Errorf("contact %d has no calls", contact)
		}
		return err
	})
}

func BenchmarkStatistics30Days(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip("no time zone data:", err)
	}
	timed(b, d, func(rng *rand.Rand) error {
		until := d.end().AddDate(0, 0, -rng.IntN(max(1, d.days-31)))
		_, err := d.repo.Statistics(ctx, StatsQuery{From: until.AddDate(0, 0, -30), Until: until, Location: berlin,
			OpenTaskNumbers: benchOpenTasks(d)})
		return err
	})
}

func BenchmarkMissedNotCalledBack(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	tasks := benchOpenTasks(d)
	for name, query := range map[string]CallbackQuery{
		"first-page": {Since: d.end().AddDate(0, 0, -30), Limit: DefaultPageSize, OpenTaskNumbers: tasks},
		"30-days":    {Since: d.end().AddDate(0, 0, -30), OpenTaskNumbers: tasks},
	} {
		b.Run(name, func(b *testing.B) {
			timed(b, d, func(*rand.Rand) error {
				_, err := d.repo.MissedNotCalledBack(ctx, query)
				return err
			})
		})
	}
}

// BenchmarkWriteCall writes one call's rows as the engine does. "events":
// Start, ringing, answer, end (the goal's "Start + updates"); "with-extras"
// adds two heartbeats and the quality summary, seven transactions in all.
func BenchmarkWriteCall(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	numbers := max(d.calls/20, 10)
	for _, extras := range []bool{false, true} {
		name := "events"
		if extras {
			name = "with-extras"
		}
		b.Run(name, func(b *testing.B) {
			n := 0
			timed(b, d, func(rng *rand.Rand) error {
				n++
				return writeBenchCall(ctx, d, rng, numbers, n, extras)
			})
		})
	}
}

func writeBenchCall(ctx context.Context, d *benchDB, rng *rand.Rand, numbers, n int, extras bool) error {
	raw, e164 := genNumber(rng.IntN(numbers))
	at := d.end().Add(time.Duration(n) * time.Minute)
	id := fmt.Sprintf("bench-write-%d-%d", time.Now().UnixNano(), n)
	call := Call{ID: id, Direction: DirectionIn, Account: genAccounts[0], RemoteNumber: raw, RemoteE164: e164,
		RemoteURI: "sip:" + raw + "@carrier.example", DialledLine: genLines[0], StartedAt: at, LastAliveAt: at}
	if err := d.repo.Start(ctx, call); err != nil {
		return err
	}
	steps := []func(*Call){
		func(c *Call) { c.RingingAt, c.LastAliveAt = at.Add(time.Second), at.Add(time.Second) },
		func(c *Call) { c.AnsweredAt, c.Codec, c.Operator = at.Add(5*time.Second), "opus", "anna" },
		func(c *Call) { c.EndedAt, c.Result, c.HangupBy = at.Add(65*time.Second), ResultAnswered, HangupRemote },
	}
	for i, step := range steps {
		if err := d.repo.Update(ctx, id, step); err != nil {
			return err
		}
		if extras && i == 1 {
			for beat := range 2 {
				if err := d.repo.Touch(ctx, id, at.Add(time.Duration(10+5*beat)*time.Second)); err != nil {
					return err
				}
			}
		}
	}
	if !extras {
		return nil
	}
	return d.repo.SetQuality(ctx, id, Quality{LossPercent: 0.5, JitterMillis: 12, DelayMillis: 40})
}

func BenchmarkSetNotes(b *testing.B) {
	d := openBenchDB(b)
	ctx := context.Background()
	text := ""
	timed(b, d, func(rng *rand.Rand) error {
		text += string(rune('a' + rng.IntN(26)))
		if len(text) > 200 {
			text = ""
		}
		return d.repo.SetNotes(ctx, "gen-000000001", "typing: "+text)
	})
}
