package crm

import (
	"fmt"
	"time"
)

// Policy is what happens automatically when a call ends. The zero value
// does nothing.
type Policy struct {
	// AnsweredUnknown applies to an answered incoming call from an unknown
	// number, MissedUnknown to a missed one, OutgoingUnknown to a call to
	// an unknown number (answered or not).
	AnsweredUnknown UnknownNumberPolicy
	MissedUnknown   UnknownNumberPolicy
	OutgoingUnknown UnknownNumberPolicy
	// RepeatCall applies to an answered incoming call from a known contact.
	RepeatCall RepeatCallPolicy
	// Missed adds a lead and a callback task for missed incoming calls.
	Missed MissedCallPolicy
	// ResponsibleIsLastOperator makes the operator who had the call last
	// (after a transfer) responsible for what is created, instead of the
	// one who answered.
	ResponsibleIsLastOperator bool
}

// CreateMode says what to create for an unknown number.
type CreateMode string

// CreateMode values. "" is CreateNothing.
const (
	CreateNothing        CreateMode = "nothing"
	CreateContact        CreateMode = "contact"
	CreateContactAndCase CreateMode = "contact_case"
)

// UnknownNumberPolicy is the choice for one kind of call from or to an
// unknown number.
type UnknownNumberPolicy struct {
	Create CreateMode
	// CaseKind and CaseStatus are used with CreateContactAndCase; empty
	// means "lead" (or the first kind) and that kind's first open status.
	CaseKind   string
	CaseStatus string
}

// RepeatMode says when a repeat call from a known contact opens a case.
type RepeatMode string

// RepeatMode values. "" is RepeatNever.
const (
	RepeatNever      RepeatMode = "never"
	RepeatAlways     RepeatMode = "always"
	RepeatIfNoneOpen RepeatMode = "if_none_open"
)

// RepeatCallPolicy is the choice for repeat calls from known contacts.
type RepeatCallPolicy struct {
	Mode       RepeatMode
	CaseKind   string
	CaseStatus string
}

// MissedCallPolicy adds work items for missed incoming calls.
type MissedCallPolicy struct {
	// CreateLead adds a lead titled "Unknown contact" with the comment
	// "Missed" for a missed call from an unknown number, unless
	// MissedUnknown already created a case for it.
	CreateLead bool
	// LeadStatus is the lead's status; empty = the lead kind's first open
	// status.
	LeadStatus string
	// CallbackTask adds a callback task for the responsible operator (the
	// contact's, else the operator the call rang for). An open callback
	// task for the same number is reused, not doubled.
	CallbackTask bool
	// CallbackAfter is how long after the missed call the task falls due.
	CallbackAfter time.Duration
}

func (p Policy) validate(s Settings) error {
	for name, unknown := range map[string]UnknownNumberPolicy{
		"answered unknown": p.AnsweredUnknown, "missed unknown": p.MissedUnknown, "outgoing unknown": p.OutgoingUnknown,
	} {
		switch unknown.Create {
		case "", CreateNothing, CreateContact:
		case CreateContactAndCase:
			if _, _, err := s.caseTemplate(unknown.CaseKind, unknown.CaseStatus); err != nil {
				return fmt.Errorf("policy %s: %w", name, err)
			}
		default:
			return fmt.Errorf("policy %s: create %q, want nothing, contact or contact_case", name, unknown.Create)
		}
	}
	switch p.RepeatCall.Mode {
	case "", RepeatNever:
	case RepeatAlways, RepeatIfNoneOpen:
		if _, _, err := s.caseTemplate(p.RepeatCall.CaseKind, p.RepeatCall.CaseStatus); err != nil {
			return fmt.Errorf("policy repeat call: %w", err)
		}
	default:
		return fmt.Errorf("policy repeat call: mode %q, want never, always or if_none_open", p.RepeatCall.Mode)
	}
	if p.Missed.CreateLead {
		if _, _, err := s.caseTemplate(s.leadKind(), p.Missed.LeadStatus); err != nil {
			return fmt.Errorf("policy missed lead: %w", err)
		}
	}
	if p.Missed.CallbackAfter < 0 {
		return fmt.Errorf("policy missed callback delay %v is negative", p.Missed.CallbackAfter)
	}
	return nil
}

// caseTemplate resolves a policy's kind and status, filling defaults, and
// checks that the status is an open one (a policy creating closed cases is
// surely a configuration slip).
func (s Settings) caseTemplate(kind, status string) (string, string, error) {
	if kind == "" {
		kind = s.leadKind()
	}
	if !s.validKind(kind) {
		return "", "", fmt.Errorf("unknown case kind %q", kind)
	}
	if status == "" {
		status = s.firstStatus(kind, CaseOpen)
	}
	configured, ok := s.status(kind, status)
	if !ok {
		return "", "", fmt.Errorf("unknown status %q for case kind %q", status, kind)
	}
	if configured.Outcome != CaseOpen {
		return "", "", fmt.Errorf("status %q of case kind %q is not an open status", status, kind)
	}
	return kind, status, nil
}

// leadKind is "lead" when configured, else the first kind.
func (s Settings) leadKind() string {
	if s.validKind(KindLead) {
		return KindLead
	}
	return s.CaseKinds[0]
}
