package history

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// baseTime is a fixed instant with millisecond precision, so values survive
// the round trip through the database unchanged.
func baseTime() time.Time { return time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC) }

func openTestRepo(t testing.TB) (*Repo, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return NewRepo(db), db
}

func incomingCall(id string) Call {
	return Call{
		ID:           id,
		Account:      "alice@example.org",
		Direction:    DirectionIn,
		LocalURI:     "sip:alice@example.org",
		RemoteURI:    "sip:+4930123456@example.org",
		RemoteNumber: "+4930123456",
		DisplayName:  "Bob",
		DialledLine:  "sip:sales@example.org",
		StartedAt:    baseTime(),
	}
}

func mustStart(t testing.TB, repo *Repo, call Call) {
	t.Helper()
	if err := repo.Start(context.Background(), call); err != nil {
		t.Fatalf("Start(%s): %v", call.ID, err)
	}
}

func mustGet(t testing.TB, repo *Repo, id string) Call {
	t.Helper()
	call, err := repo.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return call
}

func mustUpdate(t testing.TB, repo *Repo, id string, apply func(*Call)) {
	t.Helper()
	if err := repo.Update(context.Background(), id, apply); err != nil {
		t.Fatalf("Update(%s): %v", id, err)
	}
}

func TestStartIsIdempotent(t *testing.T) {
	repo, db := openTestRepo(t)
	first := incomingCall("call-1")
	mustStart(t, repo, first)

	replay := first
	replay.DisplayName = "Someone else"
	mustStart(t, repo, replay)

	var rows int
	if err := db.SQL().QueryRow("SELECT count(*) FROM calls WHERE id = 'call-1'").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("rows for call-1 = %d, want 1", rows)
	}
	if got := mustGet(t, repo, "call-1"); got != first {
		t.Errorf("replayed Start changed the row:\n got  %+v\n want %+v", got, first)
	}
}

func TestStartRejectsInvalidCalls(t *testing.T) {
	repo, _ := openTestRepo(t)
	invalid := map[string]Call{
		"empty id":      {Direction: DirectionIn},
		"bad direction": {ID: "x", Direction: "sideways"},
		"bad result":    {ID: "x", Direction: DirectionOut, Result: "exploded"},
		"bad hangup_by": {ID: "x", Direction: DirectionOut, HangupBy: "cat"},
	}
	for name, call := range invalid {
		if err := repo.Start(context.Background(), call); !errors.Is(err, ErrInvalidCall) {
			t.Errorf("%s: Start = %v, want ErrInvalidCall", name, err)
		}
	}
	if _, err := repo.Get(context.Background(), "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an invalid call was stored: %v", err)
	}
}

func TestUpdateMergesFields(t *testing.T) {
	repo, _ := openTestRepo(t)
	mustStart(t, repo, incomingCall("call-1"))

	mustUpdate(t, repo, "call-1", func(c *Call) { c.RingingAt = baseTime().Add(time.Second) })
	mustUpdate(t, repo, "call-1", func(c *Call) {
		c.AnsweredAt = baseTime().Add(4 * time.Second)
		c.Codec = "opus"
	})
	mustUpdate(t, repo, "call-1", func(c *Call) {
		c.EndedAt = baseTime().Add(64 * time.Second)
		c.Result = ResultAnswered
		c.HangupBy = HangupRemote
		c.ID = "attempt-to-rename" // must be ignored
	})

	want := incomingCall("call-1")
	want.RingingAt = baseTime().Add(time.Second)
	want.AnsweredAt = baseTime().Add(4 * time.Second)
	want.EndedAt = baseTime().Add(64 * time.Second)
	want.Codec = "opus"
	want.Result = ResultAnswered
	want.HangupBy = HangupRemote
	got := mustGet(t, repo, "call-1")
	if got != want {
		t.Fatalf("after updates:\n got  %+v\n want %+v", got, want)
	}
	if got.RingTime() != 3*time.Second || got.TalkTime() != time.Minute {
		t.Errorf("RingTime = %v, TalkTime = %v; want 3s, 1m", got.RingTime(), got.TalkTime())
	}
}

func TestUpdateKeepsFirstFinalResult(t *testing.T) {
	repo, _ := openTestRepo(t)
	mustStart(t, repo, incomingCall("call-1"))
	mustUpdate(t, repo, "call-1", func(c *Call) {
		c.Result = ResultMissed
		c.SIPCode = 487
		c.SIPReason = "Request Terminated"
		c.EndedAt = baseTime().Add(20 * time.Second)
	})
	// A late, contradicting event, which also carries new information.
	mustUpdate(t, repo, "call-1", func(c *Call) {
		c.Result = ResultAnswered
		c.SIPCode = 200
		c.SIPReason = "OK"
		c.EndedAt = baseTime().Add(99 * time.Second)
		c.HangupBy = HangupRemote // was unknown: may be filled in
		c.Recording = "/rec/call-1.wav"
	})

	got := mustGet(t, repo, "call-1")
	if got.Result != ResultMissed || got.SIPCode != 487 || got.SIPReason != "Request Terminated" ||
		!got.EndedAt.Equal(baseTime().Add(20*time.Second)) {
		t.Errorf("final outcome was overwritten: %+v", got)
	}
	if got.HangupBy != HangupRemote || got.Recording != "/rec/call-1.wav" {
		t.Errorf("non-outcome fields were not updated: %+v", got)
	}
}

func TestUpdateRejectsInvalidAndMissing(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	if err := repo.Update(ctx, "nope", func(c *Call) {}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update of unknown call = %v, want ErrNotFound", err)
	}
	mustStart(t, repo, incomingCall("call-1"))
	if err := repo.Update(ctx, "call-1", func(c *Call) { c.Result = "teleported" }); !errors.Is(err, ErrInvalidCall) {
		t.Errorf("Update with bad result = %v, want ErrInvalidCall", err)
	}
	if err := repo.Update(ctx, "call-1", nil); err == nil {
		t.Error("Update with nil function succeeded")
	}
	if got := mustGet(t, repo, "call-1"); got != incomingCall("call-1") {
		t.Errorf("failed updates changed the row: %+v", got)
	}
}

func TestGetUnknownIsNotFound(t *testing.T) {
	repo, _ := openTestRepo(t)
	_, err := repo.Get(context.Background(), "missing")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
}

func TestRecentIsNewestFirst(t *testing.T) {
	repo, _ := openTestRepo(t)
	startOffsets := map[string]time.Duration{"b": 2 * time.Minute, "a": time.Minute, "d": 4 * time.Minute, "c": 3 * time.Minute}
	for id, offset := range startOffsets {
		call := incomingCall(id)
		call.StartedAt = baseTime().Add(offset)
		mustStart(t, repo, call)
	}
	unknownStart := incomingCall("unknown-start")
	unknownStart.StartedAt = time.Time{}
	mustStart(t, repo, unknownStart)

	calls, err := repo.Recent(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, calls, "d", "c", "b")

	calls, err = repo.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, calls, "d", "c", "b", "a", "unknown-start")

	if _, err := repo.Recent(context.Background(), 0); err == nil {
		t.Error("Recent(0) succeeded")
	}
}

func assertIDs(t *testing.T, calls []Call, want ...string) {
	t.Helper()
	got := make([]string, len(calls))
	for i, call := range calls {
		got[i] = call.ID
	}
	if len(got) != len(want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ids = %v, want %v", got, want)
		}
	}
}

func TestZeroTimesRoundTripAsNull(t *testing.T) {
	repo, db := openTestRepo(t)
	call := Call{ID: "bare", Direction: DirectionOut}
	mustStart(t, repo, call)

	var nullTimes int
	err := db.SQL().QueryRow(`SELECT
        (started_at IS NULL) + (ringing_at IS NULL) + (answered_at IS NULL) + (ended_at IS NULL) + (last_alive_at IS NULL)
        FROM calls WHERE id = 'bare'`).Scan(&nullTimes)
	if err != nil {
		t.Fatal(err)
	}
	if nullTimes != 5 {
		t.Errorf("%d of 5 unknown times stored as NULL", nullTimes)
	}
	got := mustGet(t, repo, "bare")
	if got != call {
		t.Errorf("round trip:\n got  %+v\n want %+v", got, call)
	}

	// Non-zero times come back as the same instant, in UTC, at ms precision.
	local := time.Date(2026, 1, 2, 3, 4, 5, 678_999_999, time.FixedZone("CET", 3600))
	mustUpdate(t, repo, "bare", func(c *Call) { c.StartedAt = local })
	stored := mustGet(t, repo, "bare").StartedAt
	if !stored.Equal(local.Truncate(time.Millisecond)) || stored.Location() != time.UTC {
		t.Errorf("StartedAt = %v, want %v in UTC", stored, local.Truncate(time.Millisecond))
	}
}

func TestTouch(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	mustStart(t, repo, incomingCall("call-1"))

	for _, at := range []time.Duration{5 * time.Second, 10 * time.Second, 7 * time.Second} {
		if err := repo.Touch(ctx, "call-1", baseTime().Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustGet(t, repo, "call-1").LastAliveAt; !got.Equal(baseTime().Add(10 * time.Second)) {
		t.Errorf("LastAliveAt = %v, want the latest heartbeat (out-of-order one ignored)", got)
	}

	mustUpdate(t, repo, "call-1", func(c *Call) { c.Result = ResultMissed })
	if err := repo.Touch(ctx, "call-1", baseTime().Add(time.Hour)); err != nil {
		t.Errorf("Touch of a finished call = %v, want nil", err)
	}
	if got := mustGet(t, repo, "call-1").LastAliveAt; !got.Equal(baseTime().Add(10 * time.Second)) {
		t.Errorf("Touch moved the heartbeat of a finished call to %v", got)
	}
	if err := repo.Touch(ctx, "missing", baseTime()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Touch of unknown call = %v, want ErrNotFound", err)
	}
}

func TestMarkInterrupted(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	now := baseTime().Add(time.Hour)

	heartbeat := incomingCall("with-heartbeat")
	heartbeat.LastAliveAt = baseTime().Add(30 * time.Second)
	mustStart(t, repo, heartbeat)

	startOnly := incomingCall("start-only")
	mustStart(t, repo, startOnly)

	answeredAfterHeartbeat := incomingCall("answered-after-heartbeat")
	answeredAfterHeartbeat.LastAliveAt = baseTime().Add(2 * time.Second)
	answeredAfterHeartbeat.AnsweredAt = baseTime().Add(3 * time.Second)
	mustStart(t, repo, answeredAfterHeartbeat)

	mustStart(t, repo, Call{ID: "no-times", Direction: DirectionOut})

	finished := incomingCall("finished")
	finished.Result = ResultBusy
	finished.EndedAt = baseTime().Add(time.Second)
	mustStart(t, repo, finished)

	closed, err := repo.MarkInterrupted(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if closed != 4 {
		t.Errorf("MarkInterrupted closed %d calls, want 4", closed)
	}
	wantEnd := map[string]time.Time{
		"with-heartbeat":           baseTime().Add(30 * time.Second),
		"start-only":               baseTime(),
		"answered-after-heartbeat": baseTime().Add(3 * time.Second),
		"no-times":                 now,
	}
	for id, end := range wantEnd {
		got := mustGet(t, repo, id)
		if got.Result != ResultInterrupted || !got.EndedAt.Equal(end) {
			t.Errorf("%s: result %q ended %v, want interrupted at %v", id, got.Result, got.EndedAt, end)
		}
	}
	if got := mustGet(t, repo, "finished"); got != finished {
		t.Errorf("finished call was changed: %+v", got)
	}
	if closed, err := repo.MarkInterrupted(ctx, now); err != nil || closed != 0 {
		t.Errorf("second MarkInterrupted = %d, %v; want 0, nil", closed, err)
	}
}

func TestRingAndTalkTime(t *testing.T) {
	at := func(seconds int) time.Time { return baseTime().Add(time.Duration(seconds) * time.Second) }
	cases := []struct {
		name       string
		call       Call
		ring, talk time.Duration
	}{
		{"answered", Call{RingingAt: at(1), AnsweredAt: at(5), EndedAt: at(65)}, 4 * time.Second, time.Minute},
		{"missed", Call{RingingAt: at(1), EndedAt: at(21)}, 20 * time.Second, 0},
		{"unknown ringing", Call{AnsweredAt: at(5), EndedAt: at(6)}, 0, time.Second},
		{"still live", Call{RingingAt: at(1), AnsweredAt: at(5)}, 4 * time.Second, 0},
		{"clock stepped back", Call{RingingAt: at(10), AnsweredAt: at(5), EndedAt: at(1)}, 0, 0},
		{"nothing known", Call{}, 0, 0},
	}
	for _, tc := range cases {
		if got := tc.call.RingTime(); got != tc.ring {
			t.Errorf("%s: RingTime = %v, want %v", tc.name, got, tc.ring)
		}
		if got := tc.call.TalkTime(); got != tc.talk {
			t.Errorf("%s: TalkTime = %v, want %v", tc.name, got, tc.talk)
		}
	}
}
