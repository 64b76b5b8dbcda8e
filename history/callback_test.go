package history

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// cb builds a finished call for the call-back tests: minute is its start
// time, result ResultAnswered also sets the answer.
func cb(id string, minute int, direction, result, raw, e164 string) Call {
	start := baseTime().Add(time.Duration(minute) * time.Minute)
	call := Call{ID: id, Direction: direction, Result: result, StartedAt: start, RingingAt: start,
		EndedAt: start.Add(30 * time.Second), RemoteNumber: raw, RemoteE164: e164, DialledLine: "+4930111000"}
	if result == ResultAnswered {
		call.AnsweredAt = start.Add(10 * time.Second)
	}
	return call
}

const (
	numX, rawX = "+49301111", "030 1111"
	numY, rawY = "+49302222", "030 2222"
	numZ, rawZ = "+49303333", "030 3333"
)

// todo is an expected to-do entry: the number, its newest missed call and
// the attempts.
type todo struct {
	number, newest string
	attempts       int
}

func todos(missed []MissedCall) []todo {
	out := make([]todo, len(missed))
	for i, m := range missed {
		out[i] = todo{m.Number, m.ID, m.Attempts}
	}
	return out
}

func TestMissedNotCalledBackSequences(t *testing.T) {
	in, out := DirectionIn, DirectionOut
	cases := []struct {
		name  string
		calls []Call
		query CallbackQuery
		want  []todo
	}{
		{"missed twice: one entry, the newest",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("m2", 2, in, ResultMissed, rawX, numX)},
			CallbackQuery{}, []todo{{numX, "m2", 2}}},
		{"answered incoming call from the number, on another line",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), func() Call {
				c := cb("a1", 2, in, ResultAnswered, rawX, numX)
				c.DialledLine, c.Account = "+4930111009", "other@pbx"
				return c
			}()},
			CallbackQuery{}, nil},
		{"answered call back",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("o1", 2, out, ResultAnswered, rawX, numX)},
			CallbackQuery{}, nil},
		{"call back not answered: still waiting",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("o1", 2, out, ResultNoAnswer, rawX, numX),
				cb("o2", 3, out, ResultBusy, rawX, numX)},
			CallbackQuery{}, []todo{{numX, "m1", 1}}},
		{"missed again after a call back",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("o1", 2, out, ResultAnswered, rawX, numX),
				cb("m2", 3, in, ResultMissed, rawX, numX)},
			CallbackQuery{}, []todo{{numX, "m2", 1}}},
		{"an answered call before the missed one does not count",
			[]Call{cb("a0", 1, in, ResultAnswered, rawX, numX), cb("m1", 2, in, ResultMissed, rawX, numX)},
			CallbackQuery{}, []todo{{numX, "m1", 1}}},
		{"another number's answered call does not count",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("a1", 2, out, ResultAnswered, rawY, numY)},
			CallbackQuery{}, []todo{{numX, "m1", 1}}},
		{"numbers that could not be normalised match raw",
			[]Call{cb("m1", 1, in, ResultMissed, "201", ""), cb("m2", 2, in, ResultMissed, "202", ""),
				cb("a1", 3, out, ResultAnswered, "201", "")},
			CallbackQuery{}, []todo{{"202", "m2", 1}}},
		{"raw spellings differ, E.164 equal",
			[]Call{cb("m1", 1, in, ResultMissed, "030 1111", numX), cb("o1", 2, out, ResultAnswered, "+49 30 1111", numX)},
			CallbackQuery{}, nil},
		{"anonymous callers cannot be called back",
			[]Call{cb("m1", 1, in, ResultMissed, "", "")},
			CallbackQuery{}, nil},
		{"attempts count since the last call back",
			[]Call{cb("m1", 1, in, ResultMissed, rawX, numX), cb("m2", 2, in, ResultMissed, rawX, numX),
				cb("a3", 3, out, ResultAnswered, rawX, numX), cb("m4", 4, in, ResultMissed, rawX, numX),
				cb("m5", 5, in, ResultMissed, rawX, numX)},
			CallbackQuery{}, []todo{{numX, "m5", 2}}},
		{"newest first, limit",
			[]Call{cb("x", 1, in, ResultMissed, rawX, numX), cb("y", 3, in, ResultMissed, rawY, numY),
				cb("z", 2, in, ResultMissed, rawZ, numZ)},
			CallbackQuery{Limit: 2}, []todo{{numY, "y", 1}, {numZ, "z", 1}}},
		{"since",
			[]Call{cb("x1", 1, in, ResultMissed, rawX, numX), cb("x9", 9, in, ResultMissed, rawX, numX),
				cb("y", 2, in, ResultMissed, rawY, numY)},
			CallbackQuery{Since: baseTime().Add(5 * time.Minute)}, []todo{{numX, "x9", 1}}},
		{"open task hides the number",
			[]Call{cb("x", 1, in, ResultMissed, rawX, numX), cb("y", 2, in, ResultMissed, rawY, numY)},
			CallbackQuery{OpenTaskNumbers: []string{numY, "+4999"}}, []todo{{numX, "x", 1}}},
		{"open task for a raw number",
			[]Call{cb("x", 1, in, ResultMissed, "201", ""), cb("y", 2, in, ResultMissed, "202", "")},
			CallbackQuery{OpenTaskNumbers: []string{"202"}}, []todo{{"201", "x", 1}}},
		{"other results are not missed calls",
			[]Call{cb("r", 1, in, ResultRejected, rawX, numX), cb("d", 2, in, ResultDeclined, rawX, numX),
				cb("b", 3, in, ResultBlacklisted, rawX, numX), cb("n", 4, out, ResultNoAnswer, rawY, numY)},
			CallbackQuery{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo, _ := openTestRepo(t)
			for _, call := range tc.calls {
				mustStart(t, repo, call)
			}
			assertTodos(t, repo, tc.query, tc.want)
		})
	}
}

func mustMissed(t *testing.T, repo *Repo, query CallbackQuery) []MissedCall {
	t.Helper()
	missed, err := repo.MissedNotCalledBack(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	return missed
}

func assertTodos(t *testing.T, repo *Repo, query CallbackQuery, want []todo) {
	t.Helper()
	missed := mustMissed(t, repo, query)
	if got := todos(missed); !slices.Equal(got, want) {
		t.Fatalf("to-do list = %+v, want %+v", got, want)
	}
}

// TestCallBackEventOrders records the calls event by event, as the engine
// does, in the orders that happen when two lines ring at once.
func TestCallBackEventOrders(t *testing.T) {
	ctx := context.Background()
	live := func(id string, minute int, direction string) Call {
		c := cb(id, minute, direction, ResultLive, rawX, numX)
		c.EndedAt = time.Time{}
		return c
	}

	t.Run("callback answered while the missed call still rang", func(t *testing.T) {
		repo, _ := openTestRepo(t)
		mustStart(t, repo, live("m1", 1, DirectionIn))
		mustStart(t, repo, live("a2", 2, DirectionIn))
		mustUpdate(t, repo, "a2", func(c *Call) { c.AnsweredAt = c.StartedAt.Add(time.Second) })
		mustUpdate(t, repo, "m1", func(c *Call) { c.Result, c.EndedAt = ResultMissed, c.StartedAt.Add(time.Minute) })
		assertTodos(t, repo, CallbackQuery{}, nil)
		if got := mustGet(t, repo, "m1").CalledBackAt; !got.Equal(baseTime().Add(2*time.Minute + time.Second)) {
			t.Errorf("CalledBackAt = %v", got)
		}
	})

	t.Run("answer recorded after the missed call ended", func(t *testing.T) {
		repo, _ := openTestRepo(t)
		mustStart(t, repo, live("m1", 1, DirectionIn))
		mustUpdate(t, repo, "m1", func(c *Call) { c.Result, c.EndedAt = ResultMissed, c.StartedAt.Add(time.Minute) })
		assertTodos(t, repo, CallbackQuery{}, []todo{{numX, "m1", 1}})
		mustStart(t, repo, live("o2", 5, DirectionOut))
		assertTodos(t, repo, CallbackQuery{}, []todo{{numX, "m1", 1}}) // dialling is not calling back
		mustUpdate(t, repo, "o2", func(c *Call) { c.AnsweredAt = c.StartedAt.Add(3 * time.Second) })
		assertTodos(t, repo, CallbackQuery{}, nil) // answered: done, before the hang-up
	})

	t.Run("answered call interrupted by a crash still counts", func(t *testing.T) {
		repo, _ := openTestRepo(t)
		mustStart(t, repo, cb("m1", 1, DirectionIn, ResultMissed, rawX, numX))
		mustStart(t, repo, live("o2", 2, DirectionOut))
		mustUpdate(t, repo, "o2", func(c *Call) { c.AnsweredAt = c.StartedAt.Add(time.Second) })
		if _, err := repo.MarkInterrupted(ctx, baseTime().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		assertTodos(t, repo, CallbackQuery{}, nil)
	})

	t.Run("number normalised later", func(t *testing.T) {
		repo, _ := openTestRepo(t)
		mustStart(t, repo, cb("m1", 1, DirectionIn, ResultMissed, "030 1111", ""))
		mustStart(t, repo, cb("o2", 2, DirectionOut, ResultAnswered, "+49301111", numX))
		assertTodos(t, repo, CallbackQuery{}, []todo{{"030 1111", "m1", 1}})
		normalise := map[string]string{"030 1111": numX}
		n, err := repo.BackfillE164(ctx, func(raw string) string { return normalise[raw] })
		if err != nil || n != 1 {
			t.Fatalf("BackfillE164 = %d, %v; want 1", n, err)
		}
		assertTodos(t, repo, CallbackQuery{}, nil)
	})
}

// TestCallBacksMatchModel checks the triggers against the model on
// generated data: every missed call's CalledBackAt, and the to-do list.
func TestCallBacksMatchModel(t *testing.T) {
	repo, _ := openTestRepo(t)
	calls := loadGenerated(t, repo, 3, 2000)
	stored := map[string]Call{}
	for call, err := range repo.All(context.Background(), Filter{Results: []string{ResultMissed}}, SortNewest) {
		if err != nil {
			t.Fatal(err)
		}
		stored[call.ID] = call
	}
	open := map[string][]Call{} // by key, oldest first
	for _, c := range calls {
		if !isMissed(c) {
			continue
		}
		stored := stored[c.ID]
		calledBack := modelCalledBack(calls, c)
		if calledBack == stored.CalledBackAt.IsZero() {
			t.Fatalf("missed call %s: CalledBackAt %v, model says called back: %v", c.ID, stored.CalledBackAt, calledBack)
		}
		if key := modelCallbackKey(c); !calledBack && key != "" && !c.StartedAt.IsZero() {
			open[key] = append(open[key], c)
		}
	}
	var newest []Call
	attempts := map[string]int{}
	for _, list := range open {
		newest = append(newest, list[len(list)-1])
		attempts[list[len(list)-1].ID] = len(list)
	}
	slices.SortStableFunc(newest, func(a, b Call) int { return b.StartedAt.Compare(a.StartedAt) })
	var want []todo
	for _, c := range newest {
		want = append(want, todo{callbackNumber(c), c.ID, attempts[c.ID]})
	}
	if len(want) < 10 {
		t.Fatalf("only %d open numbers in the generated data; the test needs more", len(want))
	}
	assertTodos(t, repo, CallbackQuery{}, want)
	t.Logf("%d numbers waiting for a call back", len(want))
}

func TestMissedNotCalledBackRejectsNegativeLimit(t *testing.T) {
	repo, _ := openTestRepo(t)
	if _, err := repo.MissedNotCalledBack(context.Background(), CallbackQuery{Limit: -1}); err == nil {
		t.Fatal("negative limit accepted")
	}
}

// TestMissedLimitWithManyOpenTasks: most numbers have a task; the list
// must still fill up, and attempts of numbers listed before the walk
// stopped must still be complete.
func TestMissedLimitWithManyOpenTasks(t *testing.T) {
	repo, _ := openTestRepo(t)
	var want []todo
	var tasks []string
	for i := range 60 {
		number := fmt.Sprintf("+4930%04d", i)
		mustStart(t, repo, cb(fmt.Sprintf("m%02d", i), 100+i, DirectionIn, ResultMissed, number, number))
		if i < 3 {
			// Each of these also missed an hour earlier.
			mustStart(t, repo, cb(fmt.Sprintf("early%02d", i), i, DirectionIn, ResultMissed, number, number))
			want = append([]todo{{number, fmt.Sprintf("m%02d", i), 2}}, want...)
		} else {
			tasks = append(tasks, number) // 57 of 60 have tasks
		}
	}
	assertTodos(t, repo, CallbackQuery{Limit: 2, OpenTaskNumbers: tasks}, want[:2])
	assertTodos(t, repo, CallbackQuery{Limit: 3, OpenTaskNumbers: tasks}, want)
	assertTodos(t, repo, CallbackQuery{Limit: 5, OpenTaskNumbers: tasks}, want)
	for _, m := range mustMissed(t, repo, CallbackQuery{Limit: 1, OpenTaskNumbers: tasks}) {
		if want := baseTime().Add(2 * time.Minute); !m.FirstMissedAt.Equal(want) {
			t.Errorf("first missed at %v, want %v", m.FirstMissedAt, want)
		}
	}
}

// The embedded Call has its own MarshalJSON; the entry's fields must not
// be lost behind it.
func TestMissedCallJSONKeepsItsFields(t *testing.T) {
	entry := MissedCall{Call: Call{ID: "m1", Direction: DirectionIn, Result: ResultMissed}, Number: "+4930123", Attempts: 2}
	encoded, err := json.Marshal(entry)
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Call struct {
			ID string `json:"id"`
		} `json:"call"`
		Number   string `json:"number"`
		Attempts int    `json:"attempts"`
	}
	if err := json.Unmarshal(encoded, &decoded); err != nil || decoded.Call.ID != "m1" || decoded.Number != "+4930123" || decoded.Attempts != 2 {
		t.Errorf("JSON %s decoded as %+v (%v)", encoded, decoded, err)
	}
}
