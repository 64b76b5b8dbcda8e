package crm

import (
	"fmt"
	"strings"
	"time"
)

// Settings is the CRM part of switchboard's configuration. The zero value
// is usable: every field has a safe default, and every policy defaults to
// doing nothing.
type Settings struct {
	// DefaultRegion is the ISO 3166 country assumed for numbers written
	// without a country code ("RU"). Empty: only international numbers are
	// normalised; the rest are matched by their last digits.
	DefaultRegion string
	// MaxInternalDigits: numbers this short (without '+') are internal
	// extensions and never get a country code. 0 = 6; negative = none.
	MaxInternalDigits int
	// SuffixDigits is N of the last-N-digits fallback match. 0 = 10.
	SuffixDigits int
	// Language of generated names and notes: "en" (default) or "ru".
	Language string
	// TimeZone is the IANA zone used to write times into generated names
	// ("New (16:30 05.03.2018, incoming call)"). Empty = the machine's zone.
	TimeZone string
	// CurrentOperator is the operator using this console; it is the
	// creator of what is added by hand and the default responsible.
	CurrentOperator string
	// CardTimeout bounds BuildCard. 0 = 200 ms.
	CardTimeout time.Duration
	// CaseKinds lists the kinds of case. Empty = deal, lead, order.
	CaseKinds []string
	// CaseStatuses is the configurable status list. Empty =
	// DefaultCaseStatuses.
	CaseStatuses []CaseStatus
	// DefaultCurrency (ISO 4217) for cases created without one.
	DefaultCurrency string
	// Policy is what happens automatically at the end of a call.
	Policy Policy
}

// CaseStatus is one entry of the configurable status list.
type CaseStatus struct {
	// Name is what is stored and shown ("new", "paid").
	Name string
	// Outcome says whether a case in this status is open or closed, and how.
	Outcome CaseState
	// Kinds limits the status to some kinds of case; empty = every kind.
	Kinds []string
}

// Case kinds available by default.
const (
	KindDeal  = "deal"
	KindLead  = "lead"
	KindOrder = "order"
)

// DefaultCaseStatuses is the status list when Settings has none.
func DefaultCaseStatuses() []CaseStatus {
	return []CaseStatus{
		{Name: "new", Outcome: CaseOpen},
		{Name: "in_progress", Outcome: CaseOpen},
		{Name: "won", Outcome: CaseWon},
		{Name: "lost", Outcome: CaseLost},
	}
}

// Languages for generated text.
const (
	LanguageEnglish = "en"
	LanguageRussian = "ru"
)

// Default values of Settings fields.
const (
	DefaultCardTimeout = 200 * time.Millisecond
	// AutoCreator is created_by of what policies create.
	AutoCreator = "auto"
)

// withDefaults fills zero fields. Slices are copied so that the caller
// changing its Settings later cannot change a running CRM.
func (s Settings) withDefaults() Settings {
	if s.Language == "" {
		s.Language = LanguageEnglish
	}
	if s.CardTimeout == 0 {
		s.CardTimeout = DefaultCardTimeout
	}
	if len(s.CaseKinds) == 0 {
		s.CaseKinds = []string{KindDeal, KindLead, KindOrder}
	} else {
		s.CaseKinds = append([]string(nil), s.CaseKinds...)
	}
	if len(s.CaseStatuses) == 0 {
		s.CaseStatuses = DefaultCaseStatuses()
	} else {
		statuses := make([]CaseStatus, len(s.CaseStatuses))
		for i, status := range s.CaseStatuses {
			status.Kinds = append([]string(nil), status.Kinds...)
			statuses[i] = status
		}
		s.CaseStatuses = statuses
	}
	s.DefaultCurrency = strings.ToUpper(s.DefaultCurrency)
	return s
}

func (s Settings) validate() error {
	if s.Language != LanguageEnglish && s.Language != LanguageRussian {
		return fmt.Errorf("language %q: want %q or %q", s.Language, LanguageEnglish, LanguageRussian)
	}
	if s.CardTimeout < 0 {
		return fmt.Errorf("card timeout %v is negative", s.CardTimeout)
	}
	if s.DefaultCurrency != "" && !validCurrency(s.DefaultCurrency) {
		return fmt.Errorf("default currency %q: want a three-letter ISO 4217 code", s.DefaultCurrency)
	}
	kinds := make(map[string]bool, len(s.CaseKinds))
	for _, kind := range s.CaseKinds {
		if strings.TrimSpace(kind) == "" || kinds[kind] {
			return fmt.Errorf("case kinds %q: empty or repeated kind", s.CaseKinds)
		}
		kinds[kind] = true
	}
	seen := map[string]bool{}
	for _, status := range s.CaseStatuses {
		if strings.TrimSpace(status.Name) == "" {
			return fmt.Errorf("case status with an empty name")
		}
		switch status.Outcome {
		case CaseOpen, CaseWon, CaseLost:
		default:
			return fmt.Errorf("case status %q: outcome %q, want open, won or lost", status.Name, status.Outcome)
		}
		for _, kind := range status.Kinds {
			if !kinds[kind] {
				return fmt.Errorf("case status %q: unknown kind %q", status.Name, kind)
			}
		}
		if seen[status.Name] {
			return fmt.Errorf("case status %q listed twice", status.Name)
		}
		seen[status.Name] = true
	}
	for _, kind := range s.CaseKinds {
		if s.firstStatus(kind, CaseOpen) == "" {
			return fmt.Errorf("case kind %q has no open status", kind)
		}
	}
	return s.Policy.validate(s)
}

// zonesToCheck lists the zone names in the settings that must load.
func (s Settings) zonesToCheck() []string {
	if s.TimeZone == "" {
		return nil
	}
	return []string{s.TimeZone}
}

// location is where generated names take their clock time from.
func (s Settings) location() *time.Location {
	if s.TimeZone == "" {
		return time.Local
	}
	if location, err := time.LoadLocation(s.TimeZone); err == nil {
		return location
	}
	return time.Local // validated in New; unreachable in practice
}

// status returns the configured status of that name valid for kind.
func (s Settings) status(kind, name string) (CaseStatus, bool) {
	for _, status := range s.CaseStatuses {
		if status.Name == name && status.appliesTo(kind) {
			return status, true
		}
	}
	return CaseStatus{}, false
}

// firstStatus is the first configured status of kind with outcome, "" if
// there is none.
func (s Settings) firstStatus(kind string, outcome CaseState) string {
	for _, status := range s.CaseStatuses {
		if status.Outcome == outcome && status.appliesTo(kind) {
			return status.Name
		}
	}
	return ""
}

func (s Settings) validKind(kind string) bool {
	for _, known := range s.CaseKinds {
		if known == kind {
			return true
		}
	}
	return false
}

func (status CaseStatus) appliesTo(kind string) bool {
	if len(status.Kinds) == 0 {
		return true
	}
	for _, allowed := range status.Kinds {
		if allowed == kind {
			return true
		}
	}
	return false
}
