package config

import (
	"strings"
	"time"
)

// checkCRM reports problems of the [crm] section. It repeats the CRM's own
// checks so that each problem points at the line that causes it; the CRM
// still checks again when it starts.
func (v *validator) checkCRM(c CRM) {
	if c.DefaultCountry != "" && !supportedCountry(c.DefaultCountry) {
		v.report("crm.default_country", "unknown country code %q (use an ISO 3166 code such as \"RU\", \"DE\" or \"US\")", c.DefaultCountry)
	}
	if c.InternalDigits < 0 || c.InternalDigits > 20 {
		v.report("crm.internal_digits", "must be from 0 (no internal extensions) to 20, got %d", c.InternalDigits)
	}
	if c.SuffixDigits < 4 || c.SuffixDigits > 15 {
		v.report("crm.suffix_digits", "must be from 4 to 15, got %d", c.SuffixDigits)
	}
	if c.Language != "en" && c.Language != "ru" {
		v.report("crm.language", "unknown language %q (use en or ru)", c.Language)
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			v.report("crm.time_zone", "unknown time zone %q (use an IANA name such as \"Europe/Moscow\", or \"\" for the machine's zone)", c.TimeZone)
		}
	}
	if c.CardTimeout.Duration <= 0 {
		v.report("crm.card_timeout", "must be positive")
	}
	if c.DefaultCurrency != "" && !isCurrencyCode(c.DefaultCurrency) {
		v.report("crm.default_currency", "%q is not a three-letter ISO 4217 code such as \"RUB\" or \"EUR\"", c.DefaultCurrency)
	}
	kinds := v.checkCaseKinds(c.CaseKinds)
	v.checkCaseStatuses(c.CaseStatuses, c.CaseKinds, kinds)
	v.checkPolicy(c, kinds)
}

func (v *validator) checkCaseKinds(kinds []string) map[string]bool {
	known := make(map[string]bool, len(kinds))
	if len(kinds) == 0 {
		v.report("crm.case_kinds", "must list at least one kind of case")
	}
	for i, kind := range kinds {
		path := elementPath("crm.case_kinds", i)
		switch {
		case strings.TrimSpace(kind) == "":
			v.report(path, "must not be empty")
		case known[kind]:
			v.report(path, "kind %q is listed twice", kind)
		}
		known[kind] = true
	}
	return known
}

func (v *validator) checkCaseStatuses(statuses []CaseStatus, kindNames []string, kinds map[string]bool) {
	if len(statuses) == 0 {
		v.report("crm.case_statuses", "must list at least one status")
		return
	}
	seen := map[string]bool{}
	before := len(v.problems)
	for i, status := range statuses {
		path := elementPath("crm.case_statuses", i)
		switch {
		case strings.TrimSpace(status.Name) == "":
			v.report(path+".name", "every status needs a non-empty name")
		case seen[status.Name]:
			v.report(path+".name", "status %q is listed twice", status.Name)
		}
		seen[status.Name] = true
		switch status.Outcome {
		case OutcomeOpen, OutcomeWon, OutcomeLost:
		default:
			v.report(path+".outcome", "unknown outcome %q (use open, won or lost)", status.Outcome)
		}
		for j, kind := range status.Kinds {
			if !kinds[kind] {
				v.report(elementPath(path+".kinds", j), "unknown kind %q (case_kinds lists the kinds)", kind)
			}
		}
	}
	if len(v.problems) > before {
		return // a kind without an open status is then most likely a consequence
	}
	reported := map[string]bool{}
	for _, kind := range kindNames {
		if !reported[kind] && firstOpenStatus(statuses, kind) == "" {
			reported[kind] = true
			v.report("crm.case_statuses", "case kind %q has no status with outcome \"open\"", kind)
		}
	}
}

// caseTemplateKeys names the keys that choose the kind and status of the
// cases one policy opens.
type caseTemplateKeys struct {
	enabled           bool
	kindKey, kind     string
	statusKey, status string
}

func (v *validator) checkPolicy(c CRM, kinds map[string]bool) {
	p := c.Policy
	const prefix = "crm.policy."
	for _, policy := range []struct{ key, word string }{
		{"answered_unknown", p.AnsweredUnknown}, {"missed_unknown", p.MissedUnknown}, {"outgoing_unknown", p.OutgoingUnknown},
	} {
		if policy.word != CreateNothing && policy.word != CreateContact && policy.word != CreateContactAndCase {
			v.report(prefix+policy.key, "unknown choice %q (use \"nothing\", \"contact\" or \"contact+case\")", policy.word)
		}
	}
	if p.RepeatCalls != RepeatNever && p.RepeatCalls != RepeatAlways && p.RepeatCalls != RepeatIfNoneOpen {
		v.report(prefix+"repeat_calls", "unknown choice %q (use \"never\", \"always\" or \"if-none-open\")", p.RepeatCalls)
	}
	if p.Responsible != ResponsibleAnswered && p.Responsible != ResponsibleLast {
		v.report(prefix+"responsible", "unknown choice %q (use \"answered\" or \"last\")", p.Responsible)
	}
	if p.CallbackAfter.Duration < 0 {
		v.report(prefix+"callback_after", "must not be negative")
	}
	if len(kinds) == 0 || len(c.CaseStatuses) == 0 {
		return // the case vocabulary is broken already; templates cannot be checked
	}
	templates := []caseTemplateKeys{
		{p.CaseKind != "" || p.CaseStatus != "", "case_kind", p.CaseKind, "case_status", p.CaseStatus},
		p.template(p.AnsweredUnknown == CreateContactAndCase, "answered_unknown", p.AnsweredUnknownCaseKind, p.AnsweredUnknownCaseStatus),
		p.template(p.MissedUnknown == CreateContactAndCase, "missed_unknown", p.MissedUnknownCaseKind, p.MissedUnknownCaseStatus),
		p.template(p.OutgoingUnknown == CreateContactAndCase, "outgoing_unknown", p.OutgoingUnknownCaseKind, p.OutgoingUnknownCaseStatus),
		p.template(p.RepeatCalls == RepeatAlways || p.RepeatCalls == RepeatIfNoneOpen,
			"repeat_calls", p.RepeatCallsCaseKind, p.RepeatCallsCaseStatus),
		// The missed-call lead is always of the lead kind; only its status
		// is configurable.
		{p.MissedLead || p.MissedLeadStatus != "", "", leadKind(c.CaseKinds), "missed_lead_status", p.MissedLeadStatus},
	}
	for _, template := range templates {
		if template.enabled {
			v.checkCaseTemplate(c, kinds, template)
		}
	}
}

// template resolves the kind and status of the cases one policy opens: its
// own keys, else the shared case_kind and case_status. It is checked when
// the policy opens cases or its own keys are set.
func (p CRMPolicy) template(opensCases bool, policyKey, kind, status string) caseTemplateKeys {
	template := caseTemplateKeys{
		enabled: opensCases || kind != "" || status != "",
		kindKey: policyKey + "_case_kind", kind: kind, statusKey: policyKey + "_case_status", status: status,
	}
	if kind == "" {
		template.kindKey, template.kind = "case_kind", p.CaseKind
	}
	if status == "" {
		template.statusKey, template.status = "case_status", p.CaseStatus
	}
	return template
}

func (v *validator) checkCaseTemplate(c CRM, kinds map[string]bool, template caseTemplateKeys) {
	const prefix = "crm.policy."
	kind := template.kind
	if kind == "" {
		kind = leadKind(c.CaseKinds)
	} else if !kinds[kind] {
		v.report(prefix+template.kindKey, "unknown case kind %q (case_kinds lists the kinds)", kind)
		return
	}
	if template.status == "" {
		return // the kind's first open status, which checkCaseStatuses guarantees
	}
	for _, status := range c.CaseStatuses {
		if status.Name == template.status && statusAppliesTo(status, kind) {
			if status.Outcome != OutcomeOpen {
				v.report(prefix+template.statusKey, "status %q is not an open status; a policy can only open cases", template.status)
			}
			return
		}
	}
	v.report(prefix+template.statusKey, "unknown status %q for case kind %q", template.status, kind)
}

// leadKind is the kind of the cases policies open by default: "lead" when
// configured, else the first kind.
func leadKind(kinds []string) string {
	for _, kind := range kinds {
		if kind == "lead" {
			return kind
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	return kinds[0]
}

func firstOpenStatus(statuses []CaseStatus, kind string) string {
	for _, status := range statuses {
		if status.Outcome == OutcomeOpen && statusAppliesTo(status, kind) {
			return status.Name
		}
	}
	return ""
}

func statusAppliesTo(status CaseStatus, kind string) bool {
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

func isCurrencyCode(code string) bool {
	if len(code) != 3 {
		return false
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
