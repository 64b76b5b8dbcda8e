package history

import (
	"context"
	"fmt"
	"time"
)

// Statistics read the call_stats rollup (see 0003_history.sql): sums per UTC
// quarter hour, overall and per account, dialled line, operator and
// disposition. Whole quarters inside the period come from the rollup; the
// minutes before the first and after the last whole quarter (a period need
// not start on a quarter hour) are summed from the calls themselves. Local
// days and hours are built from quarters in Go, where time zones are known;
// every zone's offset is a multiple of 15 minutes, so a quarter never
// straddles a local hour.
//
// Only finished calls count (see the rollup); a call belongs to the bucket
// of its start time. "Missed not called back" is summed in the rollup too
// (the triggers move a call out when it is called back); the numbers with
// an open task are then subtracted call by call, which costs a few index
// reads per task number rather than one per open missed call.

// StatsQuery asks for statistics over a period.
type StatsQuery struct {
	// From and Until bound the calls' start times: [From, Until). Both are
	// required.
	From, Until time.Time
	// Location is the time zone of the day and hour buckets (a call at
	// 23:30 UTC belongs to the next day in Berlin); nil means UTC.
	Location *time.Location
	// OpenTaskNumbers: as in CallbackQuery, a missed call whose number has
	// an open task does not count as "not called back".
	OpenTaskNumbers []string
}

// Stats are the statistics of a period.
type Stats struct {
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	Location string    `json:"location"`
	Total    Figures   `json:"total"`
	// Days lists every local day the period touches, oldest first,
	// including days without calls.
	Days []DayFigures `json:"days"`
	// Hours[h] covers the calls that started in local hour h of any day.
	Hours [24]Figures `json:"hours"`
	// The breakdowns are sorted by Key; Key "" collects the calls without
	// a value (no operator, no disposition, outgoing calls have no DID).
	Accounts     []KeyFigures `json:"accounts"` // per line (SIP account)
	DialledLines []KeyFigures `json:"dialled_lines"`
	Operators    []KeyFigures `json:"operators"`
	Dispositions []KeyFigures `json:"dispositions"`
}

// Breakdown names, as stored in call_stats.dim.
const (
	dimAccount     = "account"
	dimLine        = "line"
	dimOperator    = "operator"
	dimDisposition = "disposition"
)

var breakdowns = []string{dimAccount, dimLine, dimOperator, dimDisposition}

const quarterMillis = 15 * 60 * 1000

const (
	statsQuartersSQL = `SELECT quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms
FROM call_stats WHERE dim = '' AND value = '' AND quarter >= ? AND quarter < ?`

	// The values a breakdown ever had, one index seek each (a hand-made
	// skip scan): reading them with DISTINCT would walk the breakdown's
	// whole history.
	statsValuesSQL = `WITH RECURSIVE dim_values (value) AS (
    SELECT min(value) FROM call_stats WHERE dim = ?1
    UNION ALL
    SELECT (SELECT min(value) FROM call_stats WHERE dim = ?1 AND value > dim_values.value)
    FROM dim_values WHERE dim_values.value IS NOT NULL)
SELECT value FROM dim_values WHERE value IS NOT NULL`

	statsValueSumsSQL = `SELECT coalesce(sum(calls), 0), coalesce(sum(answered), 0), coalesce(sum(missed), 0),
    coalesce(sum(open_missed), 0), coalesce(sum(rang), 0), coalesce(sum(ring_ms), 0), coalesce(sum(talk_ms), 0)
FROM call_stats WHERE dim = ? AND value = ? AND quarter >= ? AND quarter < ?`

	// The same sums for single calls, for the ragged ends of a period.
	statsCallsSQL = `SELECT started_at, 1, answered_at IS NOT NULL, direction = 'in' AND result = 'missed',
    direction = 'in' AND result = 'missed' AND called_back_at IS NULL,
    ringing_at IS NOT NULL, ring_ms, talk_ms, account, dialled_line, operator, disposition
FROM calls WHERE started_at >= ? AND started_at < ? AND result <> ''`

	// A task number's open missed calls in the period, to take back out of
	// the rollup's count: by E.164, and by raw number for calls without one
	// (see callbackNumber).
	statsTaskMissedE164SQL = `SELECT started_at, account, dialled_line, operator, disposition
FROM calls INDEXED BY calls_missed_open
WHERE remote_e164 = ? AND direction = 'in' AND result = 'missed' AND called_back_at IS NULL
  AND started_at >= ? AND started_at < ?`
	statsTaskMissedRawSQL = `SELECT started_at, account, dialled_line, operator, disposition
FROM calls INDEXED BY calls_missed_open
WHERE remote_e164 = '' AND remote_number = ? AND direction = 'in' AND result = 'missed' AND called_back_at IS NULL
  AND started_at >= ? AND started_at < ?`
)

// Statistics computes the statistics of a period.
func (r *Repo) Statistics(ctx context.Context, query StatsQuery) (Stats, error) {
	if query.From.IsZero() || query.Until.IsZero() || !query.Until.After(query.From) {
		return Stats{}, fmt.Errorf("history: statistics: %w: period [%v, %v) is empty or open",
			ErrInvalidFilter, query.From, query.Until)
	}
	loc := query.Location
	if loc == nil {
		loc = time.UTC
	}
	tally := newStatsTally(loc)
	if err := r.tallyPeriod(ctx, tally, query.From.UnixMilli(), query.Until.UnixMilli(), query.OpenTaskNumbers); err != nil {
		return Stats{}, fmt.Errorf("history: statistics: %w", err)
	}
	return tally.stats(query.From, query.Until), nil
}

func (r *Repo) tallyPeriod(ctx context.Context, tally *statsTally, from, until int64, openTasks []string) error {
	firstQuarter := (from + quarterMillis - 1) / quarterMillis // the first whole quarter
	endQuarter := until / quarterMillis                        // just after the last whole one
	if firstQuarter < endQuarter {
		if err := r.tallyQuarters(ctx, tally, firstQuarter, endQuarter); err != nil {
			return err
		}
		for _, dim := range breakdowns {
			if err := r.tallyBreakdown(ctx, tally, dim, firstQuarter, endQuarter); err != nil {
				return err
			}
		}
		if err := r.tallyCalls(ctx, tally, from, firstQuarter*quarterMillis); err != nil {
			return err
		}
		if err := r.tallyCalls(ctx, tally, endQuarter*quarterMillis, until); err != nil {
			return err
		}
	} else if err := r.tallyCalls(ctx, tally, from, until); err != nil {
		return err
	}
	for number := range stringSet(openTasks) {
		if err := r.untallyTaskNumber(ctx, tally, number, from, until); err != nil {
			return err
		}
	}
	return nil
}

func (r *Repo) tallyQuarters(ctx context.Context, tally *statsTally, firstQuarter, endQuarter int64) error {
	rows, err := r.stmts.query(ctx, statsQuartersSQL, firstQuarter, endQuarter)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var quarter int64
		var sums callSums
		if err := rows.Scan(&quarter, &sums.calls, &sums.answered, &sums.missed, &sums.openMissed,
			&sums.rang, &sums.ringMillis, &sums.talkMillis); err != nil {
			return err
		}
		tally.addTime(quarter*quarterMillis, sums)
	}
	return rows.Err()
}

func (r *Repo) tallyBreakdown(ctx context.Context, tally *statsTally, dim string, firstQuarter, endQuarter int64) error {
	var values []string
	rows, err := r.stmts.query(ctx, statsValuesSQL, dim)
	if err != nil {
		return err
	}
	for rows.Next() {
		var value string
		if err := rows.Scan(&value); err != nil {
			rows.Close()
			return err
		}
		values = append(values, value)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, value := range values {
		var sums callSums
		err := r.stmts.queryRow(ctx, statsValueSumsSQL, dim, value, firstQuarter, endQuarter).
			Scan(&sums.calls, &sums.answered, &sums.missed, &sums.openMissed, &sums.rang, &sums.ringMillis, &sums.talkMillis)
		if err != nil {
			return err
		}
		if sums.calls != 0 {
			tally.addBreakdown(dim, value, sums)
		}
	}
	return nil
}

func (r *Repo) tallyCalls(ctx context.Context, tally *statsTally, from, until int64) error {
	if from >= until {
		return nil
	}
	rows, err := r.stmts.query(ctx, statsCallsSQL, from, until)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var startedAt int64
		var sums callSums
		values := make([]string, len(breakdowns))
		if err := rows.Scan(&startedAt, &sums.calls, &sums.answered, &sums.missed, &sums.openMissed,
			&sums.rang, &sums.ringMillis, &sums.talkMillis,
			&values[0], &values[1], &values[2], &values[3]); err != nil {
			return err
		}
		tally.addTime(startedAt, sums)
		for i, dim := range breakdowns {
			tally.addBreakdown(dim, values[i], sums)
		}
	}
	return rows.Err()
}

// untallyTaskNumber takes a number with an open task out of the "missed
// not called back" counts: its open missed calls in the period (a few index
// entries per number) are subtracted from the buckets they were counted in.
func (r *Repo) untallyTaskNumber(ctx context.Context, tally *statsTally, number string, from, until int64) error {
	for _, query := range []string{statsTaskMissedE164SQL, statsTaskMissedRawSQL} {
		rows, err := r.stmts.query(ctx, query, number, from, until)
		if err != nil {
			return err
		}
		for rows.Next() {
			var startedAt int64
			values := make([]string, len(breakdowns))
			if err := rows.Scan(&startedAt, &values[0], &values[1], &values[2], &values[3]); err != nil {
				rows.Close()
				return err
			}
			tally.removeOpenMissed(startedAt, values)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
