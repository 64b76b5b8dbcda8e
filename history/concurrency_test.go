package history

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentCalls drives several calls at once, as a phone with multiple
// lines does, and a history listing alongside. With WAL, busy_timeout and
// IMMEDIATE transactions (see store.maxOpenConns) no operation may fail with
// SQLITE_BUSY and no write may be lost.
func TestConcurrentCalls(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	const lines = 8
	const callsPerLine = 25

	var workers sync.WaitGroup
	failures := make(chan error, lines+1)
	for line := range lines {
		workers.Go(func() {
			for n := range callsPerLine {
				if err := simulateCall(ctx, repo, fmt.Sprintf("line%d-call%d", line, n)); err != nil {
					failures <- err
					return
				}
			}
		})
	}
	stopReading := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		for {
			select {
			case <-stopReading:
				return
			default:
			}
			if _, err := repo.Recent(ctx, 50); err != nil {
				failures <- err
				return
			}
		}
	})
	workers.Wait()
	close(stopReading)
	reader.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}

	calls, err := repo.Recent(ctx, lines*callsPerLine+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != lines*callsPerLine {
		t.Fatalf("stored %d calls, want %d", len(calls), lines*callsPerLine)
	}
	for _, call := range calls {
		if call.Result != ResultAnswered || call.Codec != "opus" || call.TalkTime() != 30*time.Second ||
			!call.LastAliveAt.Equal(baseTime().Add(20*time.Second)) {
			t.Fatalf("call %s lost a write: %+v", call.ID, call)
		}
	}
}

// simulateCall writes the events of one answered call, with the duplicate
// Start a retrying phone may send.
func simulateCall(ctx context.Context, repo *Repo, id string) error {
	call := incomingCall(id)
	for range 2 {
		if err := repo.Start(ctx, call); err != nil {
			return err
		}
	}
	if err := repo.Update(ctx, id, func(c *Call) { c.RingingAt = baseTime().Add(time.Second) }); err != nil {
		return err
	}
	if err := repo.Update(ctx, id, func(c *Call) {
		c.AnsweredAt = baseTime().Add(5 * time.Second)
		c.Codec = "opus"
	}); err != nil {
		return err
	}
	if err := repo.Touch(ctx, id, baseTime().Add(20*time.Second)); err != nil {
		return err
	}
	return repo.Update(ctx, id, func(c *Call) {
		c.EndedAt = baseTime().Add(35 * time.Second)
		c.Result = ResultAnswered
		c.HangupBy = HangupLocal
	})
}

// TestConcurrentUpdatesOfOneCall checks that read-modify-write transactions
// on the same row do not lose each other's fields.
func TestConcurrentUpdatesOfOneCall(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	mustStart(t, repo, incomingCall("shared"))

	setters := []func(*Call){
		func(c *Call) { c.Codec = "opus" },
		func(c *Call) { c.Recording = "/rec/shared.wav" },
		func(c *Call) { c.RingingAt = baseTime().Add(time.Second) },
		func(c *Call) { c.AnsweredAt = baseTime().Add(2 * time.Second) },
		func(c *Call) { c.SIPReason = "OK" },
		func(c *Call) { c.SIPCode = 200 },
		func(c *Call) { c.Account = "bob@example.org" },
		func(c *Call) { c.HangupBy = HangupRemote },
	}
	var workers sync.WaitGroup
	failures := make(chan error, len(setters))
	for _, set := range setters {
		workers.Go(func() {
			if err := repo.Update(ctx, "shared", set); err != nil {
				failures <- err
			}
		})
	}
	workers.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}

	got := mustGet(t, repo, "shared")
	want := incomingCall("shared")
	for _, set := range setters {
		set(&want)
	}
	if got != want {
		t.Errorf("lost update:\n got  %+v\n want %+v", got, want)
	}
}

func BenchmarkStartUpdate(b *testing.B) {
	repo, _ := openTestRepo(b)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		id := fmt.Sprintf("bench-%d", n)
		n++
		call := incomingCall(id)
		if err := repo.Start(ctx, call); err != nil {
			b.Fatal(err)
		}
		if err := repo.Update(ctx, id, func(c *Call) { c.RingingAt = baseTime().Add(time.Second) }); err != nil {
			b.Fatal(err)
		}
		if err := repo.Update(ctx, id, func(c *Call) { c.AnsweredAt = baseTime().Add(3 * time.Second) }); err != nil {
			b.Fatal(err)
		}
		if err := repo.Update(ctx, id, func(c *Call) {
			c.EndedAt = baseTime().Add(60 * time.Second)
			c.Result = ResultAnswered
		}); err != nil {
			b.Fatal(err)
		}
	}
}
