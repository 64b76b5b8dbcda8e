package config

import (
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	// time_zone must be checked against the same zone data the CRM uses,
	// which is compiled in (package crm/numbers embeds it too).
	_ "time/tzdata"
)

// CRM configures the local CRM: how numbers are read, the vocabulary of
// cases and what happens automatically when a call ends. The current
// operator is the top-level operator key. This package does not import
// package crm; the command line converts CRM into crm.Settings.
type CRM struct {
	DefaultCountry  string       `toml:"default_country"`  // ISO 3166 code for numbers without a country code; "" = none
	InternalDigits  int          `toml:"internal_digits"`  // numbers this short are extensions; default 6, 0 = none
	SuffixDigits    int          `toml:"suffix_digits"`    // last-N-digits fallback match; default 10 (4..15)
	Language        string       `toml:"language"`         // "en" (default) or "ru"
	TimeZone        string       `toml:"time_zone"`        // IANA zone for generated names and "today"; "" = the machine's
	CardTimeout     Duration     `toml:"card_timeout"`     // bound on building a caller card; default 200ms
	CaseKinds       []string     `toml:"case_kinds"`       // default deal, lead, order
	CaseStatuses    []CaseStatus `toml:"case_statuses"`    // default new, in_progress (open), won, lost
	DefaultCurrency string       `toml:"default_currency"` // ISO 4217 for cases without one; "" = none
	Policy          CRMPolicy    `toml:"policy"`
}

// CaseStatus is one configurable status of cases.
type CaseStatus struct {
	Name    string   `toml:"name"`
	Outcome string   `toml:"outcome"` // open | won | lost
	Kinds   []string `toml:"kinds"`   // kinds the status applies to; empty = every kind
}

// CRMPolicy is what the CRM does by itself when a call ends. The defaults
// do nothing.
type CRMPolicy struct {
	// What to create for a call with an unknown number: "nothing",
	// "contact" or "contact+case".
	AnsweredUnknown string `toml:"answered_unknown"`
	MissedUnknown   string `toml:"missed_unknown"`
	OutgoingUnknown string `toml:"outgoing_unknown"`
	// Kind and status of the cases policies open; "" = lead (or the first
	// kind) and that kind's first open status. The per-policy keys below
	// override them for one policy.
	CaseKind   string `toml:"case_kind"`
	CaseStatus string `toml:"case_status"`

	AnsweredUnknownCaseKind   string `toml:"answered_unknown_case_kind"`
	AnsweredUnknownCaseStatus string `toml:"answered_unknown_case_status"`
	MissedUnknownCaseKind     string `toml:"missed_unknown_case_kind"`
	MissedUnknownCaseStatus   string `toml:"missed_unknown_case_status"`
	OutgoingUnknownCaseKind   string `toml:"outgoing_unknown_case_kind"`
	OutgoingUnknownCaseStatus string `toml:"outgoing_unknown_case_status"`

	// RepeatCalls: does an answered call from a known contact open a case?
	// "never", "always" or "if-none-open".
	RepeatCalls           string `toml:"repeat_calls"`
	RepeatCallsCaseKind   string `toml:"repeat_calls_case_kind"`
	RepeatCallsCaseStatus string `toml:"repeat_calls_case_status"`

	MissedLead       bool     `toml:"missed_lead"`        // a lead for a missed call from an unknown number
	MissedLeadStatus string   `toml:"missed_lead_status"` // "" = the lead kind's first open status
	MissedTask       bool     `toml:"missed_task"`        // a callback task for a missed call
	CallbackAfter    Duration `toml:"callback_after"`     // when that task falls due, after the call

	Responsible string `toml:"responsible"` // "answered" (default) or "last" (after a transfer)
}

// The words of policy keys, as written in the file.
const (
	CreateNothing        = "nothing"
	CreateContact        = "contact"
	CreateContactAndCase = "contact+case"

	RepeatNever      = "never"
	RepeatAlways     = "always"
	RepeatIfNoneOpen = "if-none-open"

	ResponsibleAnswered = "answered"
	ResponsibleLast     = "last"

	OutcomeOpen = "open"
	OutcomeWon  = "won"
	OutcomeLost = "lost"
)

// Defaults of the [crm] section. The policies' defaults are the words
// meaning "do nothing", so a file without [crm] never creates anything.
const (
	defaultInternalDigits = 6
	defaultSuffixDigits   = 10
	defaultLanguage       = "en"
	defaultCardTimeout    = 200 * time.Millisecond
)

func defaultCaseKinds() []string { return []string{"deal", "lead", "order"} }

func defaultCaseStatuses() []CaseStatus {
	return []CaseStatus{
		{Name: "new", Outcome: OutcomeOpen},
		{Name: "in_progress", Outcome: OutcomeOpen},
		{Name: "won", Outcome: OutcomeWon},
		{Name: "lost", Outcome: OutcomeLost},
	}
}

func defaultCRM() CRM {
	return CRM{
		InternalDigits: defaultInternalDigits,
		SuffixDigits:   defaultSuffixDigits,
		Language:       defaultLanguage,
		CardTimeout:    Duration{defaultCardTimeout},
		CaseKinds:      defaultCaseKinds(),
		CaseStatuses:   defaultCaseStatuses(),
		Policy:         defaultCRMPolicy(),
	}
}

func defaultCRMPolicy() CRMPolicy {
	return CRMPolicy{
		AnsweredUnknown: CreateNothing, MissedUnknown: CreateNothing, OutgoingUnknown: CreateNothing,
		RepeatCalls: RepeatNever, Responsible: ResponsibleAnswered,
	}
}

// applyCRMDefaults fills what the file left out, with the same rule as the
// rest of the file: numbers, durations and lists only when the key is
// absent, strings also when empty.
func applyCRMDefaults(c *CRM, keys keyIndex) {
	defaults := defaultCRM()
	// Codes are upper case by convention; "ru" means "RU".
	c.DefaultCountry = strings.ToUpper(strings.TrimSpace(c.DefaultCountry))
	c.DefaultCurrency = strings.ToUpper(strings.TrimSpace(c.DefaultCurrency))
	if !keys.has("crm.internal_digits") {
		c.InternalDigits = defaults.InternalDigits
	}
	if !keys.has("crm.suffix_digits") {
		c.SuffixDigits = defaults.SuffixDigits
	}
	if c.Language == "" {
		c.Language = defaults.Language
	}
	if !keys.has("crm.card_timeout") {
		c.CardTimeout = defaults.CardTimeout
	}
	if !keys.has("crm.case_kinds") {
		c.CaseKinds = defaults.CaseKinds
	}
	if !keys.has("crm.case_statuses") {
		c.CaseStatuses = defaults.CaseStatuses
	}
	for i := range c.CaseStatuses {
		// "kinds = []" and no kinds key mean the same; one representation
		// keeps configs comparable.
		if len(c.CaseStatuses[i].Kinds) == 0 {
			c.CaseStatuses[i].Kinds = nil
		}
	}
	policy := &c.Policy
	for _, word := range []*string{&policy.AnsweredUnknown, &policy.MissedUnknown, &policy.OutgoingUnknown} {
		if *word == "" {
			*word = CreateNothing
		}
	}
	if policy.RepeatCalls == "" {
		policy.RepeatCalls = RepeatNever
	}
	if policy.Responsible == "" {
		policy.Responsible = ResponsibleAnswered
	}
}

// supportedCountry reports whether code is a region the phone-number data
// knows, which is what the CRM will accept.
func supportedCountry(code string) bool {
	return phonenumbers.GetSupportedRegions()[code]
}
