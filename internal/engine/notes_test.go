package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/history"
)

// savedLog records what a NoteSaver reports.
type savedLog struct {
	mu    sync.Mutex
	saves []string
	errs  []error
}

func (l *savedLog) add(id string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.saves = append(l.saves, id)
	l.errs = append(l.errs, err)
}

func (l *savedLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.saves)
}

func startCall(t *testing.T, repo *history.Repo, id string) {
	t.Helper()
	if err := repo.Start(context.Background(), history.Call{ID: id, Direction: history.DirectionIn, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func notesOf(t *testing.T, repo *history.Repo, id string) string {
	t.Helper()
	call, err := repo.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return call.Notes
}

// A burst of typing is one write, of the last text.
func TestNoteSaverWritesABurstOnce(t *testing.T) {
	repo := openRepo(t)
	startCall(t, repo, "n1")
	var log savedLog
	saver := NewNoteSaver(repo, time.Hour, slog.New(slog.DiscardHandler), log.add)
	for _, text := range []string{"c", "ca", "cal", "call back after 5"} {
		if err := saver.Type("n1", text); err != nil {
			t.Fatal(err)
		}
	}
	if got := notesOf(t, repo, "n1"); got != "" {
		t.Fatalf("notes written before the pause: %q", got)
	}
	if err := saver.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := notesOf(t, repo, "n1"); got != "call back after 5" || log.count() != 1 {
		t.Errorf("notes %q after %d writes, want the last text in one write", got, log.count())
	}
	if err := saver.Close(context.Background()); err != nil || log.count() != 1 {
		t.Errorf("close: %v, %d writes (nothing was pending)", err, log.count())
	}
	if err := saver.Type("n1", "late"); !errors.Is(err, ErrNoteSaverClosed) {
		t.Errorf("typing after close: %v", err)
	}
}

// Without any flush, the notes reach the database once typing pauses: a
// crash after that loses nothing.
func TestNoteSaverWritesAfterThePause(t *testing.T) {
	repo := openRepo(t)
	startCall(t, repo, "n2")
	var log savedLog
	saver := NewNoteSaver(repo, 10*time.Millisecond, slog.New(slog.DiscardHandler), log.add)
	defer saver.Close(context.Background())
	if err := saver.Type("n2", "wants the invoice"); err != nil {
		t.Fatal(err)
	}
	for range 500 {
		if log.count() > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := notesOf(t, repo, "n2"); got != "wants the invoice" {
		t.Errorf("notes %q after the pause", got)
	}
}

// A failed write is reported, not lost silently.
func TestNoteSaverReportsFailures(t *testing.T) {
	repo := openRepo(t)
	var log savedLog
	saver := NewNoteSaver(repo, time.Hour, slog.New(slog.DiscardHandler), log.add)
	_ = saver.Type("no-such-call", "text")
	if err := saver.Close(context.Background()); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("close: %v, want the not-found error", err)
	}
	if log.count() != 1 || !errors.Is(log.errs[0], history.ErrNotFound) {
		t.Errorf("reported %v", log.errs)
	}
}

// Many goroutines typing into several calls: every call ends with its last
// text, whatever the timers did meanwhile (run with -race).
func TestNoteSaverUnderConcurrentTyping(t *testing.T) {
	repo := openRepo(t)
	ids := []string{"a", "b", "c"}
	for _, id := range ids {
		startCall(t, repo, id)
	}
	saver := NewNoteSaver(repo, time.Millisecond, slog.New(slog.DiscardHandler), nil)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for i := range 200 {
				_ = saver.Type(id, id+" "+time.Duration(i).String())
			}
		})
	}
	wg.Wait()
	if err := saver.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got, want := notesOf(t, repo, id), id+" "+time.Duration(199).String(); got != want {
			t.Errorf("call %s: notes %q, want %q", id, got, want)
		}
	}
}
