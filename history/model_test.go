package history

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// The reference model: the semantics of filters, sorting, call-backs and
// statistics written as plain Go over a slice of calls, in insertion order.
// The SQL (indexes, triggers, rollup) must agree with it on generated data.

// modelCallbackKey is the number two calls are matched on: E.164 when
// known, else the raw number; "" for none.
func modelCallbackKey(c Call) string {
	if c.RemoteE164 != "" {
		return "e164:" + c.RemoteE164
	}
	if c.RemoteNumber != "" {
		return "raw:" + c.RemoteNumber
	}
	return ""
}

// modelCalledBack reports whether a later call with the same number was
// answered.
func modelCalledBack(calls []Call, missed Call) bool {
	key := modelCallbackKey(missed)
	if key == "" || missed.StartedAt.IsZero() {
		return false
	}
	for _, other := range calls {
		if modelCallbackKey(other) == key && !other.AnsweredAt.IsZero() && other.StartedAt.After(missed.StartedAt) {
			return true
		}
	}
	return false
}

func isMissed(c Call) bool { return c.Direction == DirectionIn && c.Result == ResultMissed }

func modelMatches(f Filter, c Call) bool {
	digits := func(s string) string { return reverseString(reversedDigits(s)) }
	switch {
	case f.Direction != "" && c.Direction != f.Direction,
		len(f.Results) > 0 && !slices.Contains(f.Results, c.Result),
		f.ContactID != 0 && c.ContactID != f.ContactID,
		f.Operator != "" && c.Operator != f.Operator,
		f.Account != "" && c.Account != f.Account,
		f.DialledLine != "" && c.DialledLine != f.DialledLine,
		!f.From.IsZero() && (c.StartedAt.IsZero() || c.StartedAt.Before(f.From)),
		!f.Until.IsZero() && (c.StartedAt.IsZero() || !c.StartedAt.Before(f.Until)),
		f.HasRecording != nil && (c.Recording != "") != *f.HasRecording,
		f.Disposition != "" && c.Disposition != f.Disposition,
		f.Tag != "" && !slices.Contains(c.TagList(), strings.ToLower(f.Tag)),
		f.NotesText != "" && !strings.Contains(strings.ToLower(c.Notes), strings.ToLower(strings.TrimSpace(f.NotesText))):
		return false
	}
	if f.E164 != "" {
		return c.RemoteE164 == f.E164
	}
	if f.Number != "" {
		if digits(f.Number) == "" {
			return c.RemoteNumber == f.Number
		}
		return c.RemoteNumber != "" && digits(c.RemoteNumber) != "" && strings.HasSuffix(digits(c.RemoteNumber), digits(f.Number))
	}
	return true
}

func reverseString(s string) string {
	runes := []rune(s)
	slices.Reverse(runes)
	return string(runes)
}

// modelList returns the ids of the matching calls in the sort's order;
// calls is in insertion (rowid) order.
func modelList(calls []Call, f Filter, sort Sort) []string {
	type row struct {
		call  Call
		rowid int
	}
	var rows []row
	for i, c := range calls {
		if modelMatches(f, c) {
			rows = append(rows, row{c, i})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		var byKey int
		switch sort {
		case SortNewest, SortOldest:
			// Unknown start times sort as the oldest.
			aKnown, bKnown := !a.call.StartedAt.IsZero(), !b.call.StartedAt.IsZero()
			switch {
			case aKnown && bKnown:
				byKey = a.call.StartedAt.Compare(b.call.StartedAt)
			case aKnown:
				byKey = 1
			case bKnown:
				byKey = -1
			}
		case SortLongest, SortShortest:
			byKey = cmp.Compare(a.call.TalkTime(), b.call.TalkTime())
		}
		if byKey == 0 {
			byKey = cmp.Compare(a.rowid, b.rowid)
		}
		if sort == SortNewest || sort == SortLongest {
			return -byKey
		}
		return byKey
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.call.ID
	}
	return ids
}

// walkAll lists every page and returns the ids in order, failing on a
// repeated id.
func walkAll(t *testing.T, repo *Repo, f Filter, sort Sort, size int) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	page := Page{Size: size, Sort: sort}
	for pages := 0; ; pages++ {
		calls, next, err := repo.List(context.Background(), f, page)
		if err != nil {
			t.Fatalf("List(%+v, %+v): %v", f, page, err)
		}
		if len(calls) > size {
			t.Fatalf("page of %d calls, size %d", len(calls), size)
		}
		for _, c := range calls {
			if seen[c.ID] {
				t.Fatalf("call %s listed twice", c.ID)
			}
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
		if next == "" {
			return ids
		}
		if len(calls) < size {
			t.Fatalf("short page (%d of %d) with a next cursor", len(calls), size)
		}
		if pages > 100000 {
			t.Fatal("pagination does not end")
		}
		page.Cursor = next
	}
}

// modelStats computes the statistics of a period from the calls.
func modelStats(calls []Call, from, until time.Time, loc *time.Location, openTasks []string) (total Figures,
	days map[string]*Figures, hours [24]Figures, breakdown map[string]map[string]*Figures) {
	days = map[string]*Figures{}
	breakdown = map[string]map[string]*Figures{}
	for _, dim := range breakdowns {
		breakdown[dim] = map[string]*Figures{}
	}
	get := func(m map[string]*Figures, key string) *Figures {
		if m[key] == nil {
			m[key] = &Figures{}
		}
		return m[key]
	}
	for _, c := range calls {
		if c.Result == ResultLive || c.StartedAt.IsZero() || c.StartedAt.Before(from) || !c.StartedAt.Before(until) {
			continue
		}
		local := c.StartedAt.In(loc)
		buckets := []*Figures{&total, get(days, local.Format("2006-01-02")), &hours[local.Hour()],
			get(breakdown[dimAccount], c.Account), get(breakdown[dimLine], c.DialledLine),
			get(breakdown[dimOperator], c.Operator), get(breakdown[dimDisposition], c.Disposition)}
		notCalledBack := isMissed(c) && !modelCalledBack(calls, c) &&
			!slices.Contains(openTasks, callbackNumber(c))
		for _, f := range buckets {
			f.Total++
			if !c.AnsweredAt.IsZero() {
				f.Answered++
			}
			if isMissed(c) {
				f.Missed++
			}
			if notCalledBack {
				f.MissedNotCalledBack++
			}
			if !c.RingingAt.IsZero() {
				f.Rang++
			}
			f.ringTime += c.RingTime()
			f.TalkTime += c.TalkTime()
		}
	}
	total.finish()
	for _, f := range days {
		f.finish()
	}
	for h := range hours {
		hours[h].finish()
	}
	for _, m := range breakdown {
		for _, f := range m {
			f.finish()
		}
	}
	return total, days, hours, breakdown
}

// publicFigures drops the unexported running sum, which the two sides
// accumulate alike but need not expose.
func publicFigures(f Figures) Figures {
	f.ringTime = 0
	return f
}
