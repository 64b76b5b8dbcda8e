// Package history records every call the phone places or receives. Records
// are written as the call progresses (not only at hang-up) so that a crash or
// kill mid-call still leaves a row, which MarkInterrupted closes on the next
// start-up.
package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
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
	// ResultTransferred: the call was handed to another party (we sent a
	// REFER that succeeded, or were transferred away ourselves).
	ResultTransferred = "transferred"
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

// ErrInvalidFilter is returned (wrapped) for a listing or statistics
// request that cannot be answered as asked (unknown direction or result,
// reversed period, bad page size, ...).
var ErrInvalidFilter = errors.New("invalid filter")

// ErrBadCursor is returned (wrapped) for a page cursor that is damaged or
// was made for another sort order.
var ErrBadCursor = errors.New("invalid page cursor")

// Call is one call's history record. A zero time.Time means "not known" and
// is stored as NULL. Stored times have millisecond precision and come back
// in UTC. Call stays comparable (no slices or maps), so records can be
// compared with ==; that is why Tags is a string.
//
// The JSON names are the column names, so --json output, CSV headers and the
// database read the same; see MarshalJSON for the derived durations.
type Call struct {
	ID           string `json:"id"`        // stable call id from the phone; primary key
	Account      string `json:"account"`   // the SIP account (line) the call used
	Direction    string `json:"direction"` // DirectionIn or DirectionOut
	LocalURI     string `json:"local_uri"`
	RemoteURI    string `json:"remote_uri"`
	RemoteNumber string `json:"remote_number"` // as signalled: the number or extension
	// RemoteE164 is RemoteNumber normalised by the caller (package crm owns
	// the normaliser; its number key, which is E.164 or the digits of an
	// extension, serves as well); "" when it could not be normalised.
	// Matching calls to one another, to contacts and to tasks uses it.
	RemoteE164  string `json:"remote_e164"`
	DisplayName string `json:"display_name"`
	DialledLine string `json:"dialled_line"` // for incoming calls, the To the caller dialled (the DID)

	ContactID int64  `json:"contact_id,omitempty"` // CRM contact; 0 when not linked
	CaseID    int64  `json:"case_id,omitempty"`    // CRM case; 0 when none
	TaskID    int64  `json:"task_id,omitempty"`    // CRM task; 0 when none
	Operator  string `json:"operator"`             // who handled the call

	StartedAt   time.Time `json:"started_at,omitzero"`
	RingingAt   time.Time `json:"ringing_at,omitzero"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	EndedAt     time.Time `json:"ended_at,omitzero"`
	LastAliveAt time.Time `json:"last_alive_at,omitzero"` // heartbeat; where an interrupted call is assumed to have ended

	Result         string  `json:"result"` // ResultLive while in progress, then one of the Result* values
	SIPCode        int     `json:"sip_code,omitempty"`
	SIPReason      string  `json:"sip_reason"`
	HangupBy       string  `json:"hangup_by"`       // HangupLocal, HangupRemote or HangupUnknown
	TransferTarget string  `json:"transfer_target"` // where the call was transferred to, if it was
	Codec          string  `json:"codec"`
	Quality        Quality `json:"quality,omitzero"`
	Recording      string  `json:"recording"` // path of the recording file, if any

	Notes       string `json:"notes"`
	Disposition string `json:"disposition"` // wrap-up code chosen by the operator
	// Tags is read-only here: the call's tags, sorted, separated by single
	// spaces ("" for none). Change them with AddTag and RemoveTag; Start
	// and Update ignore this field.
	Tags string `json:"tags"`
	// CalledBackAt is read-only here, kept by the database: for an incoming
	// missed call, when a later call with the same number was answered.
	// Zero while the call is still waiting for a call back.
	CalledBackAt time.Time `json:"called_back_at,omitzero"`
}

// Quality summarises the call's audio as measured at its end. The zero
// value means "not measured".
type Quality struct {
	LossPercent  float64 `json:"loss_pct"`  // packets lost, 0-100
	JitterMillis float64 `json:"jitter_ms"` // mean interarrival jitter
	DelayMillis  float64 `json:"delay_ms"`  // one-way delay (half the round trip); 0 if unknown
	MOS          float64 `json:"mos"`       // 1-4.5; 0 = not measured (see EstimateMOS)
}

// Measured reports whether the quality was recorded; a real MOS is never
// below 1.
func (q Quality) Measured() bool { return q.MOS > 0 }

// TagList returns the tags as a slice.
func (c Call) TagList() []string {
	if c.Tags == "" {
		return nil
	}
	return strings.Fields(c.Tags)
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
		ResultCancelled, ResultNoAnswer, ResultFailed, ResultBlacklisted, ResultTransferred, ResultInterrupted:
	default:
		return fmt.Errorf("%w: call %s: unknown result %q", ErrInvalidCall, c.ID, c.Result)
	}
	switch c.HangupBy {
	case HangupUnknown, HangupLocal, HangupRemote:
	default:
		return fmt.Errorf("%w: call %s: hangup_by %q, want %q, %q or empty", ErrInvalidCall, c.ID, c.HangupBy, HangupLocal, HangupRemote)
	}
	if err := c.Quality.validate(); err != nil {
		return fmt.Errorf("%w: call %s: %w", ErrInvalidCall, c.ID, err)
	}
	return nil
}

// validate rejects figures no measurement can produce; NaN in particular
// would poison every average it joins.
func (q Quality) validate() error {
	for _, figure := range []float64{q.LossPercent, q.JitterMillis, q.DelayMillis, q.MOS} {
		if math.IsNaN(figure) || math.IsInf(figure, 0) || figure < 0 {
			return fmt.Errorf("quality %+v: figures must be finite and not negative", q)
		}
	}
	if q.LossPercent > 100 {
		return fmt.Errorf("quality: loss %v%% above 100%%", q.LossPercent)
	}
	if q.MOS != 0 && (q.MOS < 1 || q.MOS > 5) {
		return fmt.Errorf("quality: MOS %v outside 1-5 (0 for not measured)", q.MOS)
	}
	return nil
}

// MarshalJSON adds the derived durations, in milliseconds like the phone's
// events, so that scripts reading --json output need no date arithmetic.
func (c Call) MarshalJSON() ([]byte, error) {
	type plainCall Call // same fields, without this method
	return json.Marshal(struct {
		plainCall
		RingMillis int64 `json:"ring_ms"`
		TalkMillis int64 `json:"talk_ms"`
	}{plainCall(c), c.RingTime().Milliseconds(), c.TalkTime().Milliseconds()})
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
