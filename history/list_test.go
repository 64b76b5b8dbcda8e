package history

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// handCall builds a finished call for the hand-made data set; minute is its
// start, minutes after baseTime.
func handCall(id string, minute int, direction, result string, edit func(*Call)) Call {
	start := baseTime().Add(time.Duration(minute) * time.Minute)
	call := Call{ID: id, Direction: direction, Result: result, StartedAt: start, RingingAt: start.Add(time.Second),
		Account: "desk@pbx", RemoteNumber: "030 1234567", RemoteE164: "+49301234567"}
	if result == ResultAnswered {
		call.AnsweredAt = start.Add(5 * time.Second)
		call.EndedAt = call.AnsweredAt.Add(time.Minute)
	} else {
		call.EndedAt = start.Add(20 * time.Second)
	}
	if edit != nil {
		edit(&call)
	}
	return call
}

// handCalls is a small history whose listings are worked out by hand in
// TestListHandMadeFilters.
func handCalls() []Call {
	return []Call{
		handCall("a", 1, DirectionIn, ResultAnswered, func(c *Call) {
			c.Operator, c.DialledLine, c.ContactID, c.Disposition = "anna", "+4930111000", 7, "sale"
			c.Recording, c.Notes = "/rec/a.wav", "Customer wants the Invoice resent"
		}),
		handCall("b", 2, DirectionIn, ResultMissed, func(c *Call) {
			c.DialledLine = "+4930111001"
			c.RemoteNumber, c.RemoteE164 = "0170 5550001", "+491705550001"
		}),
		handCall("c", 3, DirectionOut, ResultNoAnswer, func(c *Call) { c.RemoteNumber, c.RemoteE164 = "0170 5550001", "+491705550001" }),
		handCall("d", 4, DirectionOut, ResultAnswered, func(c *Call) {
			c.Operator, c.ContactID, c.Disposition = "ben", 7, "info"
			c.EndedAt = c.AnsweredAt.Add(5 * time.Minute)
			c.Notes = "called about invoice 4711"
		}),
		handCall("e", 5, DirectionIn, ResultBusy, func(c *Call) { c.RemoteNumber, c.RemoteE164 = "201", "" }),
		handCall("f", 6, DirectionIn, ResultAnswered, func(c *Call) {
			c.Operator, c.DialledLine, c.Account = "anna", "+4930111001", "support@pbx"
			c.EndedAt = c.AnsweredAt.Add(30 * time.Second)
			c.Recording = "/rec/f.wav"
		}),
		handCall("g", 7, DirectionIn, ResultMissed, func(c *Call) { c.RemoteNumber, c.RemoteE164 = "", "" }),
	}
}

func TestListHandMadeFilters(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	for _, call := range handCalls() {
		mustStart(t, repo, call)
	}
	for id, tag := range map[string]string{"a": "vip", "d": "VIP", "f": "urgent"} {
		if err := repo.AddTag(ctx, id, tag); err != nil {
			t.Fatal(err)
		}
	}
	yes, no := true, false
	at := func(minute int) time.Time { return baseTime().Add(time.Duration(minute) * time.Minute) }
	cases := []struct {
		name   string
		filter Filter
		sort   Sort
		want   []string
	}{
		{"everything newest first", Filter{}, SortNewest, []string{"g", "f", "e", "d", "c", "b", "a"}},
		{"everything oldest first", Filter{}, SortOldest, []string{"a", "b", "c", "d", "e", "f", "g"}},
		// Talk: d 5m, a 1m, f 30s, the rest 0 (ties newest recorded first).
		{"longest talk", Filter{}, SortLongest, []string{"d", "a", "f", "g", "e", "c", "b"}},
		{"shortest talk", Filter{}, SortShortest, []string{"b", "c", "e", "g", "f", "a", "d"}},
		{"incoming", Filter{Direction: DirectionIn}, SortNewest, []string{"g", "f", "e", "b", "a"}},
		{"outgoing", Filter{Direction: DirectionOut}, SortNewest, []string{"d", "c"}},
		{"missed", Filter{Results: []string{ResultMissed}}, SortNewest, []string{"g", "b"}},
		{"busy or no answer", Filter{Results: []string{ResultBusy, ResultNoAnswer}}, SortNewest, []string{"e", "c"}},
		{"e164", Filter{E164: "+491705550001", Number: "ignored when e164 is set"}, SortNewest, []string{"c", "b"}},
		{"number suffix", Filter{Number: "4567"}, SortNewest, []string{"f", "d", "a"}},
		{"number suffix, one digit", Filter{Number: "1"}, SortNewest, []string{"e", "c", "b"}},
		{"number suffix with punctuation", Filter{Number: "555-0001"}, SortNewest, []string{"c", "b"}},
		{"extension matches exactly", Filter{Number: "201"}, SortNewest, []string{"e"}},
		{"contact", Filter{ContactID: 7}, SortNewest, []string{"d", "a"}},
		{"operator", Filter{Operator: "anna"}, SortNewest, []string{"f", "a"}},
		{"account", Filter{Account: "support@pbx"}, SortNewest, []string{"f"}},
		{"dialled line", Filter{DialledLine: "+4930111001"}, SortNewest, []string{"f", "b"}},
		{"period", Filter{From: at(2), Until: at(5)}, SortNewest, []string{"d", "c", "b"}},
		{"from", Filter{From: at(6)}, SortNewest, []string{"g", "f"}},
		{"has recording", Filter{HasRecording: &yes}, SortNewest, []string{"f", "a"}},
		{"has no recording", Filter{HasRecording: &no}, SortNewest, []string{"g", "e", "d", "c", "b"}},
		{"notes, any case", Filter{NotesText: "INVOICE"}, SortNewest, []string{"d", "a"}},
		{"notes, short needle", Filter{NotesText: "47"}, SortNewest, []string{"d"}},
		{"notes, no match", Filter{NotesText: "refund"}, SortNewest, nil},
		{"disposition", Filter{Disposition: "sale"}, SortNewest, []string{"a"}},
		{"tag", Filter{Tag: "vip"}, SortNewest, []string{"d", "a"}},
		{"tag, oldest first", Filter{Tag: "VIP"}, SortOldest, []string{"a", "d"}},
		{"tag by talk", Filter{Tag: "vip"}, SortLongest, []string{"d", "a"}},
		{"tag and operator", Filter{Tag: "vip", Operator: "anna"}, SortNewest, []string{"a"}},
		{"combined", Filter{Direction: DirectionIn, Operator: "anna", HasRecording: &yes, From: at(2)}, SortNewest, []string{"f"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 2, 50} {
				got := walkAll(t, repo, tc.filter, tc.sort, size)
				if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Fatalf("page size %d: got %v, want %v", size, got, tc.want)
				}
			}
		})
	}
}

// loadGenerated writes n generated calls plus awkward extras through the
// public API and returns them as stored, in insertion order.
func loadGenerated(t *testing.T, repo *Repo, seed uint64, n int) []Call {
	t.Helper()
	ctx := context.Background()
	gen := newCallGenerator(seed, baseTime(), n, 10)
	var calls []Call
	for range n {
		g := gen.next()
		mustStart(t, repo, g.Call)
		if g.tag != "" {
			if err := repo.AddTag(ctx, g.ID, g.tag); err != nil {
				t.Fatal(err)
			}
			g.Tags = g.tag // generated tags are already normalised
		}
		calls = append(calls, g.Call)
	}
	// Ties, unknown start times, a live call, mixed-case notes.
	extras := []Call{
		{ID: "tie-1", Direction: DirectionIn, Result: ResultMissed, StartedAt: calls[n/2].StartedAt, RemoteNumber: "0301234", RemoteE164: "+49301234"},
		{ID: "tie-2", Direction: DirectionOut, Result: ResultBusy, StartedAt: calls[n/2].StartedAt, RemoteNumber: "0301234", RemoteE164: "+49301234"},
		{ID: "no-start-1", Direction: DirectionOut, Result: ResultFailed},
		{ID: "no-start-2", Direction: DirectionIn, Result: ResultMissed, RemoteNumber: "555"},
		{ID: "live", Direction: DirectionIn, StartedAt: calls[n-1].StartedAt.Add(time.Minute), RemoteNumber: "0301234", RemoteE164: "+49301234"},
		{ID: "notes", Direction: DirectionIn, Result: ResultAnswered, StartedAt: calls[10].StartedAt.Add(time.Millisecond),
			AnsweredAt: calls[10].StartedAt.Add(time.Second), EndedAt: calls[10].StartedAt.Add(time.Hour), Notes: "VIP Kunde: INVOICE überfällig"},
	}
	for _, call := range extras {
		mustStart(t, repo, call)
		calls = append(calls, call)
	}
	return calls
}

func TestListMatchesModelOnGeneratedData(t *testing.T) {
	repo, _ := openTestRepo(t)
	calls := loadGenerated(t, repo, 1, 1500)
	yes, no := true, false
	mid := calls[700].StartedAt
	var known Call // a call with a normalised number and a contact
	for _, c := range calls {
		if c.RemoteE164 != "" && c.ContactID != 0 {
			known = c
			break
		}
	}
	filters := map[string]Filter{
		"none":             {},
		"in":               {Direction: DirectionIn},
		"out":              {Direction: DirectionOut},
		"missed":           {Results: []string{ResultMissed}},
		"live":             {Results: []string{ResultLive}},
		"three results":    {Results: []string{ResultBusy, ResultNoAnswer, ResultBlacklisted}},
		"e164":             {E164: known.RemoteE164},
		"e164 unknown":     {E164: "+10000000000"},
		"raw extension":    {Number: "207"},
		"suffix 4":         {Number: known.RemoteNumber[len(known.RemoteNumber)-4:]},
		"suffix 2":         {Number: "17"},
		"contact":          {ContactID: known.ContactID},
		"operator":         {Operator: "emma"},
		"account":          {Account: genAccounts[1]},
		"line":             {DialledLine: genLines[3]},
		"from":             {From: mid},
		"until":            {Until: mid},
		"period":           {From: mid.Add(-12 * time.Hour), Until: mid.Add(12 * time.Hour)},
		"recording":        {HasRecording: &yes},
		"no recording":     {HasRecording: &no, Direction: DirectionOut},
		"notes":            {NotesText: "invoice"},
		"notes unicode":    {NotesText: "überfällig"},
		"notes short":      {NotesText: "up"},
		"disposition":      {Disposition: "complaint"},
		"tag":              {Tag: "urgent"},
		"tag and period":   {Tag: "vip", From: mid},
		"tag and e164":     {Tag: "spam", E164: known.RemoteE164},
		"operator+result":  {Operator: "anna", Results: []string{ResultAnswered}, From: mid.Add(-48 * time.Hour)},
		"line+dispo+recor": {DialledLine: genLines[0], Disposition: "sale", HasRecording: &yes},
	}
	for name, filter := range filters {
		t.Run(name, func(t *testing.T) {
			sorts := []Sort{SortNewest, SortLongest}
			if name == "none" || name == "tag" || name == "missed" || name == "period" || name == "notes" {
				sorts = []Sort{SortNewest, SortOldest, SortLongest, SortShortest}
			}
			for _, sort := range sorts {
				want := modelList(calls, filter, sort)
				size := 97
				if name == "tag" || name == "e164" || name == "missed" {
					size = 2 // many pages, and pages ending inside runs of ties
				}
				got := walkAll(t, repo, filter, sort, size)
				if !slices.Equal(got, want) {
					t.Fatalf("sort %q: got %d calls, want %d\n got  %v\n want %v", sort, len(got), len(want), head(got), head(want))
				}
			}
		})
	}
}

// Common notes searches walk the calls in order and probe the notes index
// per call; the result must be the same as the collect-and-sort plan.
func TestCommonNotesSearchMatchesModel(t *testing.T) {
	repo, _ := openTestRepo(t)
	calls := loadGenerated(t, repo, 3, 600)
	for _, commonAt := range []int{1, 1 << 30} { // every search common; none
		repo.commonNotesAt = commonAt
		for _, filter := range []Filter{{NotesText: "invoice"}, {NotesText: "Lizenzen", Direction: DirectionIn},
			{NotesText: "überfällig"}, {NotesText: "invoice", Tag: "vip"}} {
			for _, sort := range []Sort{SortNewest, SortLongest} {
				want := modelList(calls, filter, sort)
				if got := walkAll(t, repo, filter, sort, 5); !slices.Equal(got, want) {
					t.Errorf("common at %d, %+v, sort %q: got %v, want %v", commonAt, filter, sort, head(got), head(want))
				}
			}
		}
	}
	common, err := repo.notesAreCommon(context.Background(), Filter{NotesText: "invoice"})
	if err != nil || common {
		t.Errorf("with the threshold out of reach a search was common: %v, %v", common, err)
	}
	repo.commonNotesAt = 1
	if common, err := repo.notesAreCommon(context.Background(), Filter{NotesText: "invoice"}); err != nil || !common {
		t.Errorf("with threshold 1 a search with matches was not common: %v, %v", common, err)
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 12)] }

// TestPaginationStableUnderInserts walks the history page by page while
// another goroutine records calls with random start times (older, newer
// and equal to existing ones). Every call that existed before the walk
// must be listed exactly once, in order.
func TestPaginationStableUnderInserts(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	calls := loadGenerated(t, repo, 2, 800)

	for _, sort := range []Sort{SortNewest, SortOldest, SortLongest} {
		t.Run(string(sort), func(t *testing.T) {
			before := map[string]bool{}
			for _, id := range walkAll(t, repo, Filter{}, sort, MaxPageSize) {
				before[id] = true
			}
			stop := make(chan struct{})
			var inserter sync.WaitGroup
			inserted := 0
			inserter.Go(func() {
				rng := rand.New(rand.NewPCG(3, uint64(len(sort))))
				for {
					select {
					case <-stop:
						return
					default:
					}
					call := calls[rng.IntN(len(calls))]
					call.ID = fmt.Sprintf("new-%s-%d", sort, inserted)
					call.StartedAt = call.StartedAt.Add(time.Duration(rng.IntN(3)-1) * time.Minute) // often a tie
					if rng.IntN(10) == 0 {
						call.StartedAt = time.Time{}
					}
					if err := repo.Start(ctx, call); err != nil {
						t.Error(err)
						return
					}
					inserted++
				}
			})
			seen := map[string]int{}
			var previous *Call
			page := Page{Size: 13, Sort: sort}
			for {
				got, next, err := repo.List(ctx, Filter{}, page)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					seen[got[i].ID]++
					if previous != nil && outOfOrder(sort, *previous, got[i]) {
						t.Fatalf("%s listed after %s", got[i].ID, previous.ID)
					}
					previous = &got[i]
				}
				if next == "" {
					break
				}
				page.Cursor = next
			}
			close(stop)
			inserter.Wait()
			if inserted == 0 {
				t.Fatal("nothing was inserted during the walk")
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s listed %d times", id, n)
				}
			}
			for id := range before {
				if seen[id] != 1 {
					t.Errorf("%s (present before the walk) listed %d times", id, seen[id])
				}
			}
			t.Logf("%d calls recorded during the walk, %d of them listed", inserted, len(seen)-len(before))
		})
	}
}

// outOfOrder reports whether b may not follow a in the sort (ties are
// ordered by rowid, which the test cannot see, so they are allowed).
func outOfOrder(sort Sort, a, b Call) bool {
	switch sort {
	case SortNewest:
		return !b.StartedAt.IsZero() && (a.StartedAt.IsZero() || b.StartedAt.After(a.StartedAt))
	case SortOldest:
		return b.StartedAt.IsZero() && !a.StartedAt.IsZero() || !a.StartedAt.IsZero() && b.StartedAt.Before(a.StartedAt)
	case SortLongest:
		return b.TalkTime() > a.TalkTime()
	}
	return false
}

func TestListRejectsBadInput(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	for i := range 5 {
		mustStart(t, repo, incomingCall(fmt.Sprintf("c%d", i)))
	}
	_, next, err := repo.List(ctx, Filter{}, Page{Size: 2})
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	bad := map[string]struct {
		filter Filter
		page   Page
		want   error
	}{
		"cursor of another sort": {Filter{}, Page{Size: 2, Cursor: next, Sort: SortLongest}, ErrBadCursor},
		"damaged cursor":         {Filter{}, Page{Cursor: "not-a-cursor"}, ErrBadCursor},
		"forged cursor":          {Filter{}, Page{Cursor: cursor{sort: SortNewest, section: 7}.encode()}, ErrBadCursor},
		"direction":              {Filter{Direction: "up"}, Page{}, ErrInvalidFilter},
		"result":                 {Filter{Results: []string{"won"}}, Page{}, ErrInvalidFilter},
		"reversed period":        {Filter{From: baseTime(), Until: baseTime().Add(-time.Hour)}, Page{}, ErrInvalidFilter},
		"negative contact":       {Filter{ContactID: -1}, Page{}, ErrInvalidFilter},
		"tag with space":         {Filter{Tag: "two words"}, Page{}, ErrInvalidFilter},
		"page too big":           {Filter{}, Page{Size: MaxPageSize + 1}, ErrInvalidFilter},
		"sort":                   {Filter{}, Page{Sort: "random"}, ErrInvalidFilter},
	}
	for name, tc := range bad {
		if _, _, err := repo.List(ctx, tc.filter, tc.page); !errors.Is(err, tc.want) {
			t.Errorf("%s: List = %v, want %v", name, err, tc.want)
		}
	}
	if _, _, err := repo.ContactHistory(ctx, 0, Page{}); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("ContactHistory(0) = %v, want ErrInvalidFilter", err)
	}
}

func TestContactHistory(t *testing.T) {
	repo, _ := openTestRepo(t)
	for _, call := range handCalls() {
		mustStart(t, repo, call)
	}
	calls, next, err := repo.ContactHistory(context.Background(), 7, Page{})
	if err != nil || next != "" {
		t.Fatalf("ContactHistory: next %q, %v", next, err)
	}
	assertIDs(t, calls, "d", "a")
}
