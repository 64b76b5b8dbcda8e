package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// errNoRecording: the call has no recording to play.
var errNoRecording = errors.New("the call has no recording")

// SetNotes replaces a past call's notes, after whatever the note saver
// still holds: a text typed during the call must not land on top later.
func (b *consoleBackend) SetNotes(ctx context.Context, callID, text string) error {
	if err := b.notes.Flush(ctx); err != nil {
		return fmt.Errorf("save notes: %w", err)
	}
	return b.calls.SetNotes(ctx, callID, text)
}

// SetDisposition gives a call its wrap-up code, spelt as the configuration
// spells it. The notes typed up to the hang-up are written first, so the
// call's record is complete when it gets its code.
func (b *consoleBackend) SetDisposition(ctx context.Context, callID, code string) error {
	if code != "" && len(b.dispositions) > 0 {
		i := slices.IndexFunc(b.dispositions, func(known string) bool { return strings.EqualFold(known, code) })
		if i < 0 {
			return fmt.Errorf("%q is not a wrap-up code; the configuration allows: %s", code, strings.Join(b.dispositions, ", "))
		}
		code = b.dispositions[i]
	}
	if err := b.notes.Flush(ctx); err != nil {
		return fmt.Errorf("save notes: %w", err)
	}
	return b.calls.SetDisposition(ctx, callID, code)
}

// PlayRecording plays the recording the history has for the call: the
// path comes from the database, never from the screen.
func (b *consoleBackend) PlayRecording(ctx context.Context, callID string) (time.Duration, error) {
	call, err := b.calls.Get(ctx, callID)
	if err != nil {
		return 0, err
	}
	if call.Recording == "" {
		return 0, errNoRecording
	}
	if b.player == nil {
		return 0, errors.New("no audio output to play on")
	}
	return b.player.PlayFile(ctx, call.Recording)
}
