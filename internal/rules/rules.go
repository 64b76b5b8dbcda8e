// Package rules evaluates the configuration's [[rules]]: on a call event,
// when a rule's conditions hold (known or unknown caller, line, case
// status, working hours, repeat caller), its actions run in order (a task,
// a contact, a case, a tag on the call, a notice, a webhook, a hook).
//
// Matching is pure (Match over Facts), so it is tested without a phone;
// gathering the facts and performing the actions happen on the Executor's
// own goroutine, never on the call path.
package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/config"
)

// Event names a rule can be on.
const (
	OnIncoming = "call.incoming"
	OnAnswered = "call.answered"
	OnEnded    = "call.ended"
	OnMissed   = "call.missed" // a call.ended of an incoming call whose result is missed
)

// Facts are what a rule is matched against.
type Facts struct {
	Event     string // the phone's event: call.incoming, call.answered, call.ended
	Direction string // "in" or "out"
	Result    string // call.ended's result ("missed", "answered", ...)
	CallID    string
	Number    string // as received
	Name      string // the caller's display name
	Line      string // the line (DID) an incoming call came to
	Known     bool   // a contact has the number
	ContactID int64  // the contact, when Known
	// CaseStatus is the status of the caller's open case; "" without one.
	CaseStatus string
	CaseID     int64
	LocalTime  time.Time // the event's time in the CRM's time zone
	// RepeatCount is how many calls the number made within the widest
	// window any rule asks about (this call included); 0 when no rule asks.
	RepeatCount int
	// Repeats counts the calls within each window a rule asks about.
	Repeats map[time.Duration]int
}

// Rule is a config.Rule compiled for matching.
type Rule struct {
	Name       string
	On         string
	Caller     string // "", "known" or "unknown"
	Lines      []string
	CaseStatus []string
	hours      *config.Hours
	days       map[time.Weekday]bool
	Repeat     int
	Within     time.Duration
	Actions    []config.RuleAction
}

// Compile turns validated configuration rules into Rules.
func Compile(configured []config.Rule) ([]Rule, error) {
	compiled := make([]Rule, 0, len(configured))
	for _, c := range configured {
		r := Rule{Name: c.Name, On: c.On, Caller: c.Caller, Lines: c.Line, CaseStatus: c.CaseStatus,
			Repeat: c.Repeat, Within: c.Within.Duration, Actions: c.Actions}
		if c.Hours != "" {
			hours, err := config.ParseHours(c.Hours)
			if err != nil {
				return nil, fmt.Errorf("rule %q: hours: %w", c.Name, err)
			}
			r.hours = &hours
		}
		if len(c.Days) > 0 {
			r.days = map[time.Weekday]bool{}
			for _, text := range c.Days {
				day, err := config.ParseWeekday(text)
				if err != nil {
					return nil, fmt.Errorf("rule %q: days: %w", c.Name, err)
				}
				r.days[day] = true
			}
		}
		compiled = append(compiled, r)
	}
	return compiled, nil
}

// Match tells whether the rule fires for the facts: its event, then every
// condition it sets (AND).
func Match(r Rule, f Facts) bool {
	if !matchEvent(r.On, f) {
		return false
	}
	switch r.Caller {
	case "known":
		if !f.Known {
			return false
		}
	case "unknown":
		if f.Known {
			return false
		}
	}
	if len(r.Lines) > 0 && !slices.ContainsFunc(r.Lines, func(line string) bool { return sameLine(line, f.Line) }) {
		return false
	}
	if len(r.CaseStatus) > 0 && (f.CaseStatus == "" || !slices.ContainsFunc(r.CaseStatus, func(s string) bool {
		return strings.EqualFold(s, f.CaseStatus)
	})) {
		return false
	}
	if !r.withinWorkingHours(f.LocalTime) {
		return false
	}
	if r.Repeat > 0 && f.repeats(r.Within) < r.Repeat {
		return false
	}
	return true
}

func matchEvent(on string, f Facts) bool {
	if on == OnMissed {
		return f.Event == OnEnded && f.Direction == "in" && f.Result == "missed"
	}
	return on == f.Event
}

func (f Facts) repeats(within time.Duration) int {
	if n, found := f.Repeats[within]; found {
		return n
	}
	return f.RepeatCount
}

// sameLine compares lines by their digits when both have some ("+44 20 7946
// 0000" is "+442079460000"), else exactly (a SIP user name).
func sameLine(configured, actual string) bool {
	a, b := digits(configured), digits(actual)
	if a != "" && b != "" {
		return a == b
	}
	return strings.EqualFold(strings.TrimSpace(configured), strings.TrimSpace(actual))
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// withinWorkingHours checks hours and days. A window across midnight
// belongs to the day it starts on: with "22:00-06:00" and days = ["fri"],
// Saturday 03:00 is inside (Friday's night shift) and Friday 03:00 is not.
func (r Rule) withinWorkingHours(at time.Time) bool {
	if r.hours == nil && r.days == nil {
		return true
	}
	minute := at.Hour()*60 + at.Minute()
	day := at.Weekday()
	if h := r.hours; h != nil {
		switch {
		case h.Start < h.End:
			if minute < h.Start || minute >= h.End {
				return false
			}
		case minute >= h.Start:
			// evening part of a night window: today's shift
		case minute < h.End:
			day = (day + 6) % 7 // morning part: the shift began yesterday
		default:
			return false
		}
	}
	return r.days == nil || r.days[day]
}

// Summary is the rule in one line, for rules check.
func (r Rule) Summary() string {
	var conditions []string
	if r.Caller != "" {
		conditions = append(conditions, "caller "+r.Caller)
	}
	if len(r.Lines) > 0 {
		conditions = append(conditions, "line "+strings.Join(r.Lines, "|"))
	}
	if len(r.CaseStatus) > 0 {
		conditions = append(conditions, "case "+strings.Join(r.CaseStatus, "|"))
	}
	if r.hours != nil {
		conditions = append(conditions, fmt.Sprintf("hours %s-%s", clock(r.hours.Start), clock(r.hours.End)))
	}
	if r.days != nil {
		var days []string
		for day := time.Sunday; day <= time.Saturday; day++ {
			if r.days[day] {
				days = append(days, strings.ToLower(day.String()[:3]))
			}
		}
		conditions = append(conditions, "days "+strings.Join(days, ","))
	}
	if r.Repeat > 0 {
		conditions = append(conditions, fmt.Sprintf("repeat %d within %s", r.Repeat, shortDuration(r.Within)))
	}
	when := "always"
	if len(conditions) > 0 {
		when = strings.Join(conditions, ", ")
	}
	actions := make([]string, 0, len(r.Actions))
	for _, a := range r.Actions {
		actions = append(actions, Describe(a))
	}
	return fmt.Sprintf("%s: on %s when %s → %s", r.Name, r.On, when, strings.Join(actions, "; "))
}

// shortDuration writes durations as the configuration does ("10m", not "10m0s").
func shortDuration(d time.Duration) string {
	text, _ := config.Duration{Duration: d}.MarshalText()
	return string(text)
}

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// Describe says what an action does, in a few words.
func Describe(a config.RuleAction) string {
	switch a.Do {
	case "task":
		return strings.TrimSpace(fmt.Sprintf("task in %s %s", shortDuration(a.In.Duration), quoteIf(a.Note)))
	case "contact":
		return strings.TrimSpace("contact (if unknown) " + quoteIf(a.Name))
	case "case":
		return strings.TrimSpace(fmt.Sprintf("case %s %s %s", a.Kind, a.Status, quoteIf(a.Title)))
	case "tag":
		return "tag " + a.Tag
	case "notify":
		if a.Bell {
			return "notify (bell) " + quoteIf(a.Text)
		}
		return "notify " + quoteIf(a.Text)
	case "webhook":
		return "webhook " + a.Webhook
	case "hook":
		return "hook " + strings.Join(a.Command, " ")
	}
	return a.Do
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// RepeatWindows are the distinct windows the rules count repeat calls in.
func RepeatWindows(rules []Rule) []time.Duration {
	var windows []time.Duration
	for _, r := range rules {
		if r.Repeat > 0 && !slices.Contains(windows, r.Within) {
			windows = append(windows, r.Within)
		}
	}
	return windows
}
