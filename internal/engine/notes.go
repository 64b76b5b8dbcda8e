package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/history"
)

// DefaultNotesDelay is how long typing must pause before the notes are
// written: short enough that a crash loses at most a few words, long enough
// that a fast typist does not cause a write per key.
const DefaultNotesDelay = 500 * time.Millisecond

// NoteSaver saves a call's notes while they are typed: every change is
// written once typing pauses for the delay, and Flush writes whatever is
// still pending at once (at hang-up, when the notes pane closes, on quit).
// It is safe for concurrent use.
type NoteSaver struct {
	calls   *history.Repo
	delay   time.Duration
	log     *slog.Logger
	onSaved func(callID string, err error)

	mu      sync.Mutex
	pending map[string]*pendingNote // call id → the newest unsaved text
	closed  bool

	// writing serialises the writes, and each write takes the newest text
	// under it: a slow write can never land after a newer one.
	writing sync.Mutex
	timers  sync.WaitGroup
}

type pendingNote struct {
	text  string
	timer *time.Timer
}

// NewNoteSaver saves notes into calls after delay (DefaultNotesDelay when
// 0). onSaved, if not nil, hears about every write and its error (the
// console shows "saved" or the failure); it must return quickly.
func NewNoteSaver(calls *history.Repo, delay time.Duration, log *slog.Logger, onSaved func(callID string, err error)) *NoteSaver {
	if delay <= 0 {
		delay = DefaultNotesDelay
	}
	if onSaved == nil {
		onSaved = func(string, error) {}
	}
	return &NoteSaver{calls: calls, delay: delay, log: log, onSaved: onSaved, pending: map[string]*pendingNote{}}
}

// ErrNoteSaverClosed is returned by Type after Close.
var ErrNoteSaverClosed = errors.New("note saver closed")

// Type records the notes' current text; it is written after the delay
// unless more typing comes first.
func (s *NoteSaver) Type(callID, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrNoteSaverClosed
	}
	if note, waiting := s.pending[callID]; waiting {
		note.text = text
		// A timer that already fired is saving right now and takes the
		// newest text; only one still waiting starts its wait again.
		if note.timer.Stop() {
			note.timer.Reset(s.delay)
		}
		return nil
	}
	note := &pendingNote{text: text}
	s.timers.Add(1)
	note.timer = time.AfterFunc(s.delay, func() {
		defer s.timers.Done()
		s.save(context.Background(), callID)
	})
	s.pending[callID] = note
	return nil
}

// Flush writes every pending text now.
func (s *NoteSaver) Flush(ctx context.Context) error {
	s.mu.Lock()
	ids := make([]string, 0, len(s.pending))
	for id, note := range s.pending {
		if note.timer.Stop() {
			s.timers.Done() // the timer will not run: its goroutine never starts
		}
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.save(ctx, id))
	}
	return errors.Join(errs...)
}

// Close flushes and refuses further typing; it returns after every write.
func (s *NoteSaver) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.Flush(ctx)
	s.timers.Wait()
	return err
}

// save writes the call's newest pending text, if it still has one (a Flush
// or an earlier timer may have written it already).
func (s *NoteSaver) save(ctx context.Context, callID string) error {
	s.writing.Lock()
	defer s.writing.Unlock()
	s.mu.Lock()
	note, waiting := s.pending[callID]
	if waiting {
		delete(s.pending, callID)
	}
	s.mu.Unlock()
	if !waiting {
		return nil
	}
	err := s.calls.SetNotes(ctx, callID, note.text)
	if err != nil {
		s.log.Error("call notes not saved", "call", callID, "error", err)
	}
	s.onSaved(callID, err)
	return err
}
