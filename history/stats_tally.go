package history

import (
	"cmp"
	"slices"
	"time"
)

// Figures are the counts and times of one bucket of calls.
type Figures struct {
	Total    int `json:"total"`
	Answered int `json:"answered"` // connected: answered_at set (also if later interrupted)
	Missed   int `json:"missed"`   // incoming, result missed
	// MissedNotCalledBack counts the missed calls that no answered call
	// with their number followed (see MissedNotCalledBack), less those whose
	// number has an open task.
	MissedNotCalledBack int `json:"missed_not_called_back"`
	// Rang counts the calls with a known ringing time; AvgRingTime is over
	// them.
	Rang        int           `json:"rang"`
	AvgRingTime time.Duration `json:"avg_ring_time_ns"` // JSON: a time.Duration, in nanoseconds
	// AvgTalkTime is over the answered calls; TalkTime is the sum.
	AvgTalkTime time.Duration `json:"avg_talk_time_ns"`
	TalkTime    time.Duration `json:"talk_time_ns"`

	ringTime time.Duration // sum, for AvgRingTime
}

// DayFigures are the figures of one local calendar day.
type DayFigures struct {
	Day time.Time `json:"day"` // local midnight, in the query's Location
	Figures
}

// KeyFigures are the figures of the calls sharing one value of a breakdown.
type KeyFigures struct {
	Key string `json:"key"`
	Figures
}

// callSums is one rollup row, or one call.
type callSums struct {
	calls, answered, missed, openMissed, rang int64
	ringMillis, talkMillis                    int64
}

func (f *Figures) add(sums callSums) {
	f.Total += int(sums.calls)
	f.Answered += int(sums.answered)
	f.Missed += int(sums.missed)
	f.MissedNotCalledBack += int(sums.openMissed)
	f.Rang += int(sums.rang)
	f.ringTime += time.Duration(sums.ringMillis) * time.Millisecond
	f.TalkTime += time.Duration(sums.talkMillis) * time.Millisecond
}

// finish turns sums into averages.
func (f *Figures) finish() {
	if f.Rang > 0 {
		f.AvgRingTime = (f.ringTime / time.Duration(f.Rang)).Round(time.Millisecond)
	}
	if f.Answered > 0 {
		f.AvgTalkTime = (f.TalkTime / time.Duration(f.Answered)).Round(time.Millisecond)
	}
}

// civilDay identifies a local calendar day.
type civilDay struct {
	year  int
	month time.Month
	day   int
}

// statsTally accumulates figures per bucket.
type statsTally struct {
	loc        *time.Location
	total      Figures
	days       map[civilDay]*Figures
	hours      [24]Figures
	breakdowns map[string]map[string]*Figures
}

func newStatsTally(loc *time.Location) *statsTally {
	tally := &statsTally{loc: loc, days: map[civilDay]*Figures{}, breakdowns: map[string]map[string]*Figures{}}
	for _, dim := range breakdowns {
		tally.breakdowns[dim] = map[string]*Figures{}
	}
	return tally
}

// dayAndHour places an instant (unix ms) in the local calendar.
func (t *statsTally) dayAndHour(millis int64) (*Figures, *Figures) {
	local := time.UnixMilli(millis).In(t.loc)
	key := civilDay{local.Year(), local.Month(), local.Day()}
	day := t.days[key]
	if day == nil {
		day = &Figures{}
		t.days[key] = day
	}
	return day, &t.hours[local.Hour()]
}

// addTime adds calls that started at the instant (or in the quarter hour
// starting there) to the total, their day and their hour.
func (t *statsTally) addTime(millis int64, sums callSums) {
	day, hour := t.dayAndHour(millis)
	t.total.add(sums)
	day.add(sums)
	hour.add(sums)
}

func (t *statsTally) breakdown(dim, value string) *Figures {
	figures := t.breakdowns[dim][value]
	if figures == nil {
		figures = &Figures{}
		t.breakdowns[dim][value] = figures
	}
	return figures
}

func (t *statsTally) addBreakdown(dim, value string, sums callSums) {
	t.breakdown(dim, value).add(sums)
}

// removeOpenMissed takes one missed call out of the not-called-back counts
// (its number has an open task); values are its breakdown values in the
// order of breakdowns.
func (t *statsTally) removeOpenMissed(millis int64, values []string) {
	day, hour := t.dayAndHour(millis)
	t.total.MissedNotCalledBack--
	day.MissedNotCalledBack--
	hour.MissedNotCalledBack--
	for i, dim := range breakdowns {
		t.breakdown(dim, values[i]).MissedNotCalledBack--
	}
}

func (t *statsTally) stats(from, until time.Time) Stats {
	stats := Stats{From: from, Until: until, Location: t.loc.String(), Total: t.total}
	stats.Total.finish()
	first := from.In(t.loc)
	for day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, t.loc); day.Before(until); day = day.AddDate(0, 0, 1) {
		entry := DayFigures{Day: day}
		if figures, ok := t.days[civilDay{day.Year(), day.Month(), day.Day()}]; ok {
			figures.finish()
			entry.Figures = *figures
		}
		stats.Days = append(stats.Days, entry)
	}
	for hour := range stats.Hours {
		stats.Hours[hour] = t.hours[hour]
		stats.Hours[hour].finish()
	}
	stats.Accounts = keyList(t.breakdowns[dimAccount])
	stats.DialledLines = keyList(t.breakdowns[dimLine])
	stats.Operators = keyList(t.breakdowns[dimOperator])
	stats.Dispositions = keyList(t.breakdowns[dimDisposition])
	return stats
}

func keyList(buckets map[string]*Figures) []KeyFigures {
	list := make([]KeyFigures, 0, len(buckets))
	for key, figures := range buckets {
		figures.finish()
		list = append(list, KeyFigures{Key: key, Figures: *figures})
	}
	slices.SortFunc(list, func(a, b KeyFigures) int { return cmp.Compare(a.Key, b.Key) })
	return list
}
