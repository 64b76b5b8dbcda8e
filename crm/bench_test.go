package crm

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// Benchmarks run on a generated address book of SWITCHBOARD_BENCH_CONTACTS
// contacts (default 20,000 so that a plain `go test -bench .` is quick),
// each with two numbers in mixed spellings, imported through ImportCSV.
// For the figures of the issue:
//
//	SWITCHBOARD_BENCH_CONTACTS=1000000 go test -run '^$' -bench . -benchtime 1x ./crm/
//
// BenchmarkImportCSV times the import itself; BenchmarkLookups times
// look-ups and caller cards and reports p50/p99 latencies.

func benchContacts(b *testing.B) int {
	n := 20_000
	if value := os.Getenv("SWITCHBOARD_BENCH_CONTACTS"); value != "" {
		parsed, err := strconv.Atoi(value)
		if err != nil || parsed <= 0 {
			b.Fatalf("SWITCHBOARD_BENCH_CONTACTS=%q: want a positive number", value)
		}
		n = parsed
	}
	return n
}

// benchMobile and benchWork are contact i's numbers, as E.164 digits.
func benchMobile(i int) int64 { return 79160000000 + int64(i) }
func benchWork(i int) int64   { return 74951000000 + int64(i) }

// spell writes a Russian number in one of the ways people do.
func spell(digits int64, style int) string {
	s := strconv.FormatInt(digits, 10) // 7XXXYYYYYYY
	switch style % 4 {
	case 0:
		return "+7 " + s[1:4] + " " + s[4:7] + "-" + s[7:9] + "-" + s[9:]
	case 1:
		return "8 (" + s[1:4] + ") " + s[4:7] + "-" + s[7:9] + "-" + s[9:]
	case 2:
		return s
	default:
		return "8" + s[1:]
	}
}

// writeBenchCSV writes the address book to a file and returns its path.
func writeBenchCSV(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "contacts.csv")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	out := bufio.NewWriterSize(file, 1<<20)
	fmt.Fprintln(out, "Name,Company,Mobile,Work phone,E-mail,Tags")
	for i := 0; i < n; i++ {
		fmt.Fprintf(out, "Contact %d,Company %d,%s,%s,c%d@example.com,bench\n", i, i%5000, spell(benchMobile(i), i), spell(benchWork(i), i+1), i)
	}
	if err := out.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := file.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func openBenchCRM(b *testing.B, path string) (*store.DB, *CRM) {
	b.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	c, err := New(db, testSettings())
	if err != nil {
		b.Fatal(err)
	}
	return db, c
}

func importBenchCSV(b *testing.B, c *CRM, csvPath string, n int) time.Duration {
	b.Helper()
	file, err := os.Open(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	start := time.Now()
	report, err := c.ImportCSV(context.Background(), file, ImportOptions{})
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if report.Created != n {
		b.Fatalf("imported %d of %d contacts: %+v", report.Created, n, report)
	}
	return elapsed
}

// databaseSize checkpoints the WAL and returns the database file's size.
func databaseSize(b *testing.B, db *store.DB) int64 {
	b.Helper()
	if _, err := db.SQL().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(db.Path())
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}

func BenchmarkImportCSV(b *testing.B) {
	n := benchContacts(b)
	csvPath := writeBenchCSV(b, n)
	var total time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, c := openBenchCRM(b, filepath.Join(b.TempDir(), "import.db"))
		b.StartTimer()
		total += importBenchCSV(b, c, csvPath, n)
		b.StopTimer()
		size = databaseSize(b, db)
		_ = db.Close()
		b.StartTimer()
	}
	perImport := total / time.Duration(b.N)
	b.ReportMetric(float64(n)/perImport.Seconds(), "rows/s")
	b.ReportMetric(float64(size)/(1<<20), "db_MiB")
	b.Logf("import of %d rows (%d numbers): %v per import, database %.1f MiB", n, 2*n, perImport.Round(time.Millisecond), float64(size)/(1<<20))
}

// benchHistory adds call history, cases and tasks so that caller cards do
// real work: one call per ten contacts' mobiles, an open case for every
// tenth contact and a task for every hundredth.
func benchHistory(b *testing.B, db *store.DB, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	now := testStart.UnixMilli()
	for i := 0; i < n; i += 10 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calls (id, direction, remote_number, started_at, result) VALUES (?, 'in', ?, ?, 'answered')`,
			"call-"+strconv.Itoa(i), spell(benchMobile(i), i+2), now-int64(i)); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (kind, title, status, state, amount_minor, currency, contact_id, created_at, updated_at)
VALUES ('deal', 'Deal', 'new', 'open', 100000, 'RUB', ?, ?, ?)`, i+1, now, now); err != nil {
			b.Fatal(err)
		}
		if i%100 == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (due_at, contact_id, note, created_at, updated_at) VALUES (?, ?, 'call back', ?, ?)`,
				now+int64(i), i+1, now, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// latencies times each call of op and reports p50 and p99.
func latencies(b *testing.B, op func(i int) error) {
	b.Helper()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(samples)
	percentile := func(p float64) time.Duration { return samples[min(len(samples)-1, int(float64(len(samples))*p))] }
	b.ReportMetric(float64(percentile(0.50).Microseconds()), "p50_µs")
	b.ReportMetric(float64(percentile(0.99).Microseconds()), "p99_µs")
}

func BenchmarkLookups(b *testing.B) {
	n := benchContacts(b)
	csvPath := writeBenchCSV(b, n)
	db, c := openBenchCRM(b, filepath.Join(b.TempDir(), "lookups.db"))
	elapsed := importBenchCSV(b, c, csvPath, n)
	benchHistory(b, db, n)
	if _, err := c.IndexCalls(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("dataset: %d contacts, %d numbers, imported in %v, database %.1f MiB",
		n, 2*n, elapsed.Round(time.Millisecond), float64(databaseSize(b, db))/(1<<20))
	ctx := context.Background()
	random := rand.New(rand.NewPCG(1, 2))

	b.Run("number_exact", func(b *testing.B) {
		latencies(b, func(i int) error {
			contact := random.IntN(n)
			matches, err := c.LookupNumber(ctx, spell(benchMobile(contact), i+3))
			if err == nil && len(matches) != 1 {
				err = fmt.Errorf("contact %d: %d matches", contact, len(matches))
			}
			return err
		})
	})
	b.Run("number_suffix_fallback", func(b *testing.B) {
		latencies(b, func(i int) error {
			contact := random.IntN(n)
			digits := strconv.FormatInt(benchWork(contact), 10)
			matches, err := c.LookupNumber(ctx, "9 9 "+digits[1:]) // unparsable: matched by the last 10 digits
			if err == nil && (len(matches) != 1 || matches[0].By != MatchSuffix) {
				err = fmt.Errorf("contact %d: %+v", contact, matches)
			}
			return err
		})
	})
	b.Run("number_unknown", func(b *testing.B) {
		latencies(b, func(i int) error {
			_, err := c.LookupNumber(ctx, spell(79260000000+int64(random.IntN(n)), i))
			return err
		})
	})
	b.Run("card_known", func(b *testing.B) {
		latencies(b, func(i int) error {
			contact := random.IntN(n/10) * 10 // one with a call, a case and maybe a task
			card, err := c.CompleteCard(ctx, CardRequest{Number: spell(benchMobile(contact), i), Now: testStart})
			if err == nil && (!card.Known || card.OpenCase == nil || card.PreviousCalls.Count != 1) {
				err = fmt.Errorf("contact %d: card %+v", contact, card)
			}
			return err
		})
	})
	b.Run("card_unknown", func(b *testing.B) {
		latencies(b, func(i int) error {
			card, err := c.CompleteCard(ctx, CardRequest{Number: spell(79260000000+int64(random.IntN(n)), i), Now: testStart})
			if err == nil && card.Known {
				err = fmt.Errorf("unknown number known: %+v", card)
			}
			return err
		})
	})
	b.Run("is_blocked", func(b *testing.B) {
		latencies(b, func(i int) error {
			_, _, err := c.IsBlocked(ctx, spell(benchMobile(random.IntN(n)), i), testStart)
			return err
		})
	})
}
