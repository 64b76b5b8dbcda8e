package history

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", name, err)
	}
	return loc
}

// statCall is a finished call for the statistics tests. ring and talk are
// seconds; talk > 0 makes it answered.
func statCall(id, utc, direction, result string, ring, talk int, edit func(*Call)) Call {
	start, err := time.Parse("2006-01-02 15:04:05.000", utc)
	if err != nil {
		panic(err)
	}
	call := Call{ID: id, Direction: direction, Result: result, Account: "acc1", StartedAt: start,
		RingingAt: start, RemoteNumber: "0301", RemoteE164: "+49301"}
	call.EndedAt = start.Add(time.Duration(ring) * time.Second)
	if talk > 0 {
		call.AnsweredAt = call.EndedAt
		call.EndedAt = call.AnsweredAt.Add(time.Duration(talk) * time.Second)
	}
	if edit != nil {
		edit(&call)
	}
	return call
}

func figures(total, answered, missed, notCalledBack, rang int, avgRing, avgTalk, talk time.Duration) Figures {
	return Figures{Total: total, Answered: answered, Missed: missed, MissedNotCalledBack: notCalledBack,
		Rang: rang, AvgRingTime: avgRing, AvgTalkTime: avgTalk, TalkTime: talk}
}

// TestStatisticsHandComputed covers two Berlin days around the switch to
// summer time (29 March 2026, 02:00 CET becomes 03:00 CEST). Every figure
// below is worked out by hand from the calls.
func TestStatisticsHandComputed(t *testing.T) {
	berlin := loadZone(t, "Europe/Berlin")
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	in, out := DirectionIn, DirectionOut
	number := func(raw, e164 string) func(*Call) {
		return func(c *Call) { c.RemoteNumber, c.RemoteE164 = raw, e164 }
	}
	calls := []Call{
		// 00:30 CET on the 28th.
		statCall("early", "2026-03-27 23:30:00.000", in, ResultAnswered, 5, 60, func(c *Call) {
			c.Operator, c.DialledLine, c.Disposition = "anna", "L1", "sale"
		}),
		// 23:59 CET on the 27th: before the period.
		statCall("before", "2026-03-27 22:59:00.000", in, ResultAnswered, 1, 1, nil),
		// 03:30 CEST on the 29th, just after the switch.
		statCall("dst", "2026-03-29 01:30:00.000", in, ResultMissed, 20, 0, func(c *Call) {
			c.DialledLine = "L1"
			number("0304", "+49304")(c)
		}),
		// 01:30 CET on the 29th, just before it.
		statCall("dst2", "2026-03-29 00:30:00.000", out, ResultAnswered, 3, 120, func(c *Call) {
			c.Operator, c.Account, c.Disposition = "ben", "acc2", "info"
		}),
		// 23:59 CEST on the 29th; called back the next morning.
		statCall("late", "2026-03-29 21:59:00.000", in, ResultMissed, 10, 0, func(c *Call) {
			c.DialledLine = "L2"
			number("0305", "+49305")(c)
		}),
		statCall("callback", "2026-03-30 08:00:00.000", out, ResultAnswered, 2, 30, number("0305", "+49305")),
		// 00:00 CEST on the 30th: after the period.
		statCall("after", "2026-03-29 22:00:00.000", in, ResultMissed, 1, 0, nil),
		// 13:00 CET on the 28th; its disposition is changed after the call.
		statCall("dispo-later", "2026-03-28 12:00:00.000", in, ResultAnswered, 2, 30, func(c *Call) {
			c.Operator, c.DialledLine, c.Disposition = "anna", "L2", "info"
		}),
		// 13:15 CET; the CRM has an open task for this number.
		statCall("missed-task", "2026-03-28 12:15:00.000", in, ResultMissed, 15, 0, func(c *Call) {
			c.DialledLine = "L1"
			number("0306", "+49306")(c)
		}),
		// 13:14:59.999 CET: the last millisecond of a quarter hour.
		statCall("missed-open", "2026-03-28 12:14:59.999", in, ResultMissed, 25, 0, func(c *Call) {
			c.DialledLine = "L2"
			number("0307", "+49307")(c)
		}),
	}
	for _, call := range calls {
		mustStart(t, repo, call)
	}
	// Still in progress: not counted.
	mustStart(t, repo, Call{ID: "live", Direction: in, StartedAt: time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC)})
	if err := repo.SetDisposition(ctx, "dispo-later", "sale"); err != nil {
		t.Fatal(err)
	}

	stats, err := repo.Statistics(ctx, StatsQuery{
		From:            time.Date(2026, 3, 28, 0, 0, 0, 0, berlin),
		Until:           time.Date(2026, 3, 30, 0, 0, 0, 0, berlin),
		Location:        berlin,
		OpenTaskNumbers: []string{"+49306", "+49306", "+49399"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := time.Second
	check := func(name string, got, want Figures) {
		t.Helper()
		if got = publicFigures(got); got != want {
			t.Errorf("%s:\n got  %+v\n want %+v", name, got, want)
		}
	}
	// Ring 5+20+3+10+2+15+25 = 80 s over 7 calls; talk 60+120+30 = 210 s over 3.
	check("total", stats.Total, figures(7, 3, 4, 2, 7, 11429*time.Millisecond, 70*s, 210*s))
	if len(stats.Days) != 2 || !stats.Days[0].Day.Equal(time.Date(2026, 3, 28, 0, 0, 0, 0, berlin)) ||
		!stats.Days[1].Day.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)) {
		t.Fatalf("days = %+v", stats.Days)
	}
	check("28th", stats.Days[0].Figures, figures(4, 2, 2, 1, 4, 11750*time.Millisecond, 45*s, 90*s))
	check("29th", stats.Days[1].Figures, figures(3, 1, 2, 1, 3, 11*s, 120*s, 120*s))
	wantHours := map[int]Figures{
		0:  figures(1, 1, 0, 0, 1, 5*s, 60*s, 60*s),
		1:  figures(1, 1, 0, 0, 1, 3*s, 120*s, 120*s),
		3:  figures(1, 0, 1, 1, 1, 20*s, 0, 0),
		13: figures(3, 1, 2, 1, 3, 14*s, 30*s, 30*s),
		23: figures(1, 0, 1, 0, 1, 10*s, 0, 0),
	}
	for hour := range 24 {
		check(fmt.Sprintf("hour %d", hour), stats.Hours[hour], wantHours[hour])
	}
	checkKeys := func(name string, got []KeyFigures, want map[string]Figures) {
		t.Helper()
		var keys []string
		for _, k := range got {
			keys = append(keys, k.Key)
			check(name+" "+k.Key, k.Figures, want[k.Key])
		}
		if len(keys) != len(want) || !slices.IsSorted(keys) {
			t.Errorf("%s keys = %q, want %d sorted keys", name, keys, len(want))
		}
	}
	checkKeys("operator", stats.Operators, map[string]Figures{
		"":     figures(4, 0, 4, 2, 4, 17500*time.Millisecond, 0, 0),
		"anna": figures(2, 2, 0, 0, 2, 3500*time.Millisecond, 45*s, 90*s),
		"ben":  figures(1, 1, 0, 0, 1, 3*s, 120*s, 120*s),
	})
	checkKeys("disposition", stats.Dispositions, map[string]Figures{
		"":     figures(4, 0, 4, 2, 4, 17500*time.Millisecond, 0, 0),
		"info": figures(1, 1, 0, 0, 1, 3*s, 120*s, 120*s),
		"sale": figures(2, 2, 0, 0, 2, 3500*time.Millisecond, 45*s, 90*s),
	})
	checkKeys("line", stats.DialledLines, map[string]Figures{
		"":   figures(1, 1, 0, 0, 1, 3*s, 120*s, 120*s),
		"L1": figures(3, 1, 2, 1, 3, 13333*time.Millisecond, 60*s, 60*s),
		"L2": figures(3, 1, 2, 1, 3, 12333*time.Millisecond, 30*s, 30*s),
	})
	checkKeys("account", stats.Accounts, map[string]Figures{
		"acc1": figures(6, 2, 4, 2, 6, 12833*time.Millisecond, 45*s, 90*s),
		"acc2": figures(1, 1, 0, 0, 1, 3*s, 120*s, 120*s),
	})
}

// TestStatisticsMatchModel compares every figure with the model on
// generated data spanning a daylight saving change, for zones with whole,
// half and three-quarter hour offsets, and periods that do and do not start
// on a quarter hour.
func TestStatisticsMatchModel(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)
	gen := newCallGenerator(4, start, 3000, 10)
	var calls []Call
	for range 3000 {
		call := gen.next().Call
		mustStart(t, repo, call)
		calls = append(calls, call)
	}
	var taskNumbers []string
	for _, c := range calls[:300] {
		if isMissed(c) {
			taskNumbers = append(taskNumbers, callbackNumber(c))
		}
	}
	end := calls[len(calls)-1].StartedAt

	periods := map[string][2]time.Time{
		"everything":       {start, end.Add(time.Hour)},
		"ragged":           {start.Add(26*time.Hour + 7*time.Minute + 123*time.Millisecond), end.Add(-31*time.Hour - 44*time.Second)},
		"inside a quarter": {start.Add(50*time.Hour + 2*time.Minute), start.Add(50*time.Hour + 9*time.Minute)},
		"one quarter":      {start.Add(50 * time.Hour), start.Add(50*time.Hour + 15*time.Minute)},
	}
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"} {
		loc := loadZone(t, zone)
		for name, period := range periods {
			t.Run(zone+"/"+name, func(t *testing.T) {
				stats, err := repo.Statistics(ctx, StatsQuery{From: period[0], Until: period[1], Location: loc, OpenTaskNumbers: taskNumbers})
				if err != nil {
					t.Fatal(err)
				}
				total, days, hours, breakdown := modelStats(calls, period[0], period[1], loc, taskNumbers)
				if got := publicFigures(stats.Total); got != publicFigures(total) {
					t.Errorf("total:\n got  %+v\n want %+v", got, publicFigures(total))
				}
				sum := 0
				for _, day := range stats.Days {
					want := Figures{}
					if f := days[day.Day.Format("2006-01-02")]; f != nil {
						want = *f
					}
					if publicFigures(day.Figures) != publicFigures(want) {
						t.Errorf("day %s:\n got  %+v\n want %+v", day.Day, publicFigures(day.Figures), publicFigures(want))
					}
					if h, m, _ := day.Day.Clock(); h != 0 || m != 0 || day.Day.Location() != loc {
						t.Errorf("day %v is not a local midnight", day.Day)
					}
					sum += day.Total
				}
				if sum != total.Total {
					t.Errorf("days add up to %d calls, want %d (days missing?)", sum, total.Total)
				}
				for h := range hours {
					if publicFigures(stats.Hours[h]) != publicFigures(hours[h]) {
						t.Errorf("hour %d:\n got  %+v\n want %+v", h, publicFigures(stats.Hours[h]), publicFigures(hours[h]))
					}
				}
				for dim, got := range map[string][]KeyFigures{dimAccount: stats.Accounts, dimLine: stats.DialledLines,
					dimOperator: stats.Operators, dimDisposition: stats.Dispositions} {
					if len(got) != len(breakdown[dim]) {
						t.Errorf("%s: %d keys, want %d", dim, len(got), len(breakdown[dim]))
					}
					for _, k := range got {
						if want := breakdown[dim][k.Key]; want == nil || publicFigures(k.Figures) != publicFigures(*want) {
							t.Errorf("%s %q:\n got  %+v\n want %+v", dim, k.Key, publicFigures(k.Figures), want)
						}
					}
				}
			})
		}
	}
}

// TestStatsRollupStaysConsistent changes finished calls in every way the
// repository allows and checks the rollup against a recount from calls.
func TestStatsRollupStaysConsistent(t *testing.T) {
	repo, db := openTestRepo(t)
	ctx := context.Background()
	calls := loadGenerated(t, repo, 5, 600)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 300 {
		call := calls[rng.IntN(len(calls))]
		switch i % 4 {
		case 0:
			if err := repo.SetDisposition(ctx, call.ID, genDispositions[rng.IntN(len(genDispositions))]); err != nil {
				t.Fatal(err)
			}
		case 1:
			mustUpdate(t, repo, call.ID, func(c *Call) { c.Operator, c.DialledLine = genOperators[rng.IntN(4)], genLines[rng.IntN(3)] })
		case 2:
			mustUpdate(t, repo, call.ID, func(c *Call) { c.StartedAt = c.StartedAt.Add(time.Duration(rng.IntN(7200)) * time.Second) })
		case 3:
			mustUpdate(t, repo, call.ID, func(c *Call) { c.EndedAt = c.EndedAt.Add(time.Duration(rng.IntN(60)) * time.Second) })
		}
	}
	if _, err := repo.MarkInterrupted(ctx, baseTime().Add(48*time.Hour)); err != nil { // closes "live"
		t.Fatal(err)
	}
	const recount = `SELECT dims.dim,
       CASE dims.dim WHEN 'account' THEN account WHEN 'line' THEN dialled_line
                     WHEN 'operator' THEN operator WHEN 'disposition' THEN disposition ELSE '' END AS value,
       started_at / 900000 AS quarter, count(*), sum(answered_at IS NOT NULL), sum(direction = 'in' AND result = 'missed'),
       sum(direction = 'in' AND result = 'missed' AND called_back_at IS NULL), sum(ringing_at IS NOT NULL), sum(ring_ms), sum(talk_ms)
FROM calls CROSS JOIN (SELECT '' AS dim UNION ALL SELECT 'account' UNION ALL SELECT 'line'
                       UNION ALL SELECT 'operator' UNION ALL SELECT 'disposition') AS dims
WHERE result <> '' AND started_at IS NOT NULL
GROUP BY 1, 2, 3`
	const stored = `SELECT dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms
FROM call_stats WHERE calls <> 0`
	read := func(query string) []string {
		rows, err := db.SQL().QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var dim, value string
			var quarter, n, answered, missed, open, rang, ring, talk int64
			if err := rows.Scan(&dim, &value, &quarter, &n, &answered, &missed, &open, &rang, &ring, &talk); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(dim, value, quarter, n, answered, missed, open, rang, ring, talk))
		}
		slices.Sort(out)
		return out
	}
	want, got := read(recount), read(stored)
	if !slices.Equal(got, want) {
		t.Fatalf("rollup drifted from the calls: %d rows stored, %d recounted", len(got), len(want))
	}
	var negative int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM call_stats WHERE calls < 0 OR talk_ms < 0 OR open_missed < 0`).Scan(&negative); err != nil || negative != 0 {
		t.Fatalf("negative rollup rows: %d, %v", negative, err)
	}
}

func TestStatisticsRejectsBadPeriods(t *testing.T) {
	repo, _ := openTestRepo(t)
	for name, query := range map[string]StatsQuery{
		"no from":  {Until: baseTime()},
		"no until": {From: baseTime()},
		"reversed": {From: baseTime(), Until: baseTime().Add(-time.Hour)},
		"empty":    {From: baseTime(), Until: baseTime()},
	} {
		if _, err := repo.Statistics(context.Background(), query); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("%s: Statistics = %v, want ErrInvalidFilter", name, err)
		}
	}
}
