// Package history records every call the phone places or receives. Records
// are written as the call progresses (not only at hang-up) so that a crash or
// kill mid-call still leaves a row, which MarkInterrupted closes on the next
// start-up.
package history

import (
	"errors"
	"fmt"
	"time"
)

// Direction values.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// Result values. ResultLive ("") means the call is still in progress; every
// other value is final and, once stored, is never replaced.
const (
	ResultLive        = ""
	ResultAnswered    = "answered"
	ResultMissed      = "missed"
	ResultBusy        = "busy"
	ResultRejected    = "rejected"
	ResultDeclined    = "declined"
	ResultCancelled   = "cancelled"
	ResultNoAnswer    = "no-answer"
	ResultFailed      = "failed"
	ResultBlacklisted = "blacklisted"
	// ResultInterrupted is set by MarkInterrupted: the process died mid-call.
	ResultInterrupted = "interrupted"
)

// HangupBy values.
const (
	HangupUnknown = ""
	HangupLocal   = "local"
	HangupRemote  = "remote"
)

// ErrNotFound is returned (wrapped) when no call has the requested id.
var ErrNotFound = errors.New("call not found")

// ErrInvalidCall is returned (wrapped) when a call carries a value outside
// its field's vocabulary; nothing is written in that case.
var ErrInvalidCall = errors.New("invalid call record")

// Call is one call's history record. A zero time.Time means "not known" and
// is stored as NULL. Stored times have millisecond precision and come back
// in UTC.
type Call struct {
	ID           string // stable call id from the phone; primary key
	Account      string
	Direction    string // DirectionIn or DirectionOut
	LocalURI     string
	RemoteURI    string
	RemoteNumber string
	DisplayName  string
	DialledLine  string // for incoming calls, the To the caller dialled

	StartedAt   time.Time
	RingingAt   time.Time
	AnsweredAt  time.Time
	EndedAt     time.Time
	LastAliveAt time.Time // heartbeat; where an interrupted call is assumed to have ended

	Result    string // ResultLive while in progress, then one of the Result* values
	SIPCode   int
	SIPReason string
	HangupBy  string // HangupLocal, HangupRemote or HangupUnknown
	Codec     string
	Recording string // path of the recording file, if any
}

// RingTime is how long the call rang: from RingingAt until it was answered,
// or until it ended if it never was. Zero when either end is unknown.
func (c Call) RingTime() time.Duration {
	ringEnd := c.AnsweredAt
	if ringEnd.IsZero() {
		ringEnd = c.EndedAt
	}
	return knownDuration(c.RingingAt, ringEnd)
}

// TalkTime is how long the call was connected. Zero for unanswered calls
// and when either end is unknown.
func (c Call) TalkTime() time.Duration {
	return knownDuration(c.AnsweredAt, c.EndedAt)
}

// knownDuration never goes negative: clocks can step backwards between
// events, and a negative duration on screen helps nobody.
func knownDuration(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// IsFinal reports whether the call has its final result.
func (c Call) IsFinal() bool { return c.Result != ResultLive }

// validate checks the enumerated fields, so that a typo in an event handler
// fails loudly instead of producing rows the UI cannot classify.
func (c Call) validate() error {
	if c.ID == "" {
		return fmt.Errorf("%w: empty id", ErrInvalidCall)
	}
	switch c.Direction {
	case DirectionIn, DirectionOut:
	default:
		return fmt.Errorf("%w: call %s: direction %q, want %q or %q", ErrInvalidCall, c.ID, c.Direction, DirectionIn, DirectionOut)
	}
	switch c.Result {
	case ResultLive, ResultAnswered, ResultMissed, ResultBusy, ResultRejected, ResultDeclined,
		ResultCancelled, ResultNoAnswer, ResultFailed, ResultBlacklisted, ResultInterrupted:
	default:
		return fmt.Errorf("%w: call %s: unknown result %q", ErrInvalidCall, c.ID, c.Result)
	}
	switch c.HangupBy {
	case HangupUnknown, HangupLocal, HangupRemote:
	default:
		return fmt.Errorf("%w: call %s: hangup_by %q, want %q, %q or empty", ErrInvalidCall, c.ID, c.HangupBy, HangupLocal, HangupRemote)
	}
	return nil
}

// keepFirstOutcome undoes any change an update makes to the outcome of a
// call that was already final. Late or duplicated events (a second BYE, a
// CANCEL crossing a 200 OK) must not rewrite how the call ended. Outcome
// fields that were still unknown may be filled in; everything else (codec,
// recording path, ...) may still change.
func keepFirstOutcome(stored Call, updated *Call) {
	if !stored.IsFinal() {
		return
	}
	updated.Result = stored.Result
	if stored.SIPCode != 0 {
		updated.SIPCode = stored.SIPCode
	}
	if stored.SIPReason != "" {
		updated.SIPReason = stored.SIPReason
	}
	if stored.HangupBy != HangupUnknown {
		updated.HangupBy = stored.HangupBy
	}
	if !stored.EndedAt.IsZero() {
		updated.EndedAt = stored.EndedAt
	}
}
