package config

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Events a rule can be "on". call.missed is not a phone event of its own:
// it is a call.ended of an incoming call whose result is missed.
var ruleEvents = []string{"call.incoming", "call.answered", "call.ended", "call.missed"}

// Actions a rule can take, and the keys each one reads besides "do".
var ruleActionKeys = map[string][]string{
	"task":    {"in", "note"},
	"contact": {"name"},
	"case":    {"kind", "status", "title"},
	"tag":     {"tag"},
	"notify":  {"text", "bell"},
	"webhook": {"webhook"},
	"hook":    {"command", "timeout"},
}

// every key of RuleAction besides "do", for refusing the ones an action
// does not read (a "note" on a tag action is a mistake, not a no-op).
var ruleActionAllKeys = []string{"in", "note", "name", "kind", "status", "title", "tag", "text", "bell", "webhook", "command", "timeout"}

const (
	defaultRuleTaskIn = 30 * time.Minute
	maxRuleTaskIn     = 365 * 24 * time.Hour
	maxRuleWithin     = 90 * 24 * time.Hour
	maxRuleRepeat     = 1000
)

// Rule is one [[rules]] entry: on an event, when every condition set holds,
// its actions run in order. Conditions left out do not filter.
type Rule struct {
	Name string `toml:"name"`
	On   string `toml:"on"` // call.incoming, call.missed, call.ended, call.answered
	// Caller is "known" (a contact has the number), "unknown" or "" (either).
	Caller string `toml:"caller"`
	// Line lists the lines (DIDs) the call must have come to.
	Line []string `toml:"line"`
	// CaseStatus lists statuses of the caller's open case; a caller
	// without an open case matches none.
	CaseStatus []string `toml:"case_status"`
	// Hours ("09:00-18:00", may cross midnight) and Days (["mon", ...])
	// are working hours in the CRM's time zone; outside them the rule
	// does not fire.
	Hours string   `toml:"hours"`
	Days  []string `toml:"days"`
	// Repeat and Within: the number called at least Repeat times within
	// the window (this call included), from the call history.
	Repeat  int          `toml:"repeat"`
	Within  Duration     `toml:"within"`
	Actions []RuleAction `toml:"actions"`
}

// RuleAction is one thing a rule does; Do says which, and only the keys
// that action reads may be set.
type RuleAction struct {
	Do string `toml:"do"` // task, contact, case, tag, notify, webhook, hook
	// task: a callback due In from the event, with Note.
	In   Duration `toml:"in"`
	Note string   `toml:"note"`
	// contact: the name of the contact created for an unknown number
	// ("" = the caller's display name, else the number).
	Name string `toml:"name"`
	// case: its kind, status and title (CRM defaults when "").
	Kind   string `toml:"kind"`
	Status string `toml:"status"`
	Title  string `toml:"title"`
	// tag: a tag put on the call in the history.
	Tag string `toml:"tag"`
	// notify: a line for the operator; Bell also rings the terminal bell.
	Text string `toml:"text"`
	Bell bool   `toml:"bell"`
	// webhook: the name or URL of a [[webhooks]] entry.
	Webhook string `toml:"webhook"`
	// hook: a program and its arguments (never a shell), as in [[hooks]].
	Command []string `toml:"command"`
	Timeout Duration `toml:"timeout"`
}

// Hours is a daily window in minutes since midnight; End < Start crosses
// midnight ("22:00-06:00").
type Hours struct{ Start, End int }

// ParseHours reads "HH:MM-HH:MM".
func ParseHours(text string) (Hours, error) {
	from, to, found := strings.Cut(strings.TrimSpace(text), "-")
	if !found {
		return Hours{}, fmt.Errorf("%q: write hours as \"09:00-18:00\"", text)
	}
	start, err := parseClock(from)
	if err != nil {
		return Hours{}, fmt.Errorf("%q: %w", text, err)
	}
	end, err := parseClock(to)
	if err != nil {
		return Hours{}, fmt.Errorf("%q: %w", text, err)
	}
	if start == end {
		return Hours{}, fmt.Errorf("%q: the window is empty (start equals end)", text)
	}
	return Hours{Start: start, End: end}, nil
}

func parseClock(text string) (int, error) {
	var hour, minute int
	text = strings.TrimSpace(text)
	if _, err := fmt.Sscanf(text, "%d:%d", &hour, &minute); err != nil || len(text) != 5 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", text)
	}
	if hour < 0 || hour > 24 || minute < 0 || minute > 59 || hour == 24 && minute != 0 {
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 24:00)", text)
	}
	return hour*60 + minute, nil
}

// ParseWeekday reads "mon" … "sun" (any case).
func ParseWeekday(text string) (time.Weekday, error) {
	for day := time.Sunday; day <= time.Saturday; day++ {
		if strings.EqualFold(text, day.String()[:3]) {
			return day, nil
		}
	}
	return 0, fmt.Errorf("%q is not a day (mon, tue, wed, thu, fri, sat, sun)", text)
}

// FindWebhook returns the [[webhooks]] entry a rule names (by name or URL).
func (cfg *Config) FindWebhook(nameOrURL string) (Webhook, bool) {
	for _, w := range cfg.Webhooks {
		if nameOrURL != "" && (w.Name == nameOrURL || w.URL == nameOrURL) {
			return w, true
		}
	}
	return Webhook{}, false
}

func applyRuleDefaults(cfg *Config, keys keyIndex, baseDir string) {
	for i := range cfg.Rules {
		for j := range cfg.Rules[i].Actions {
			action := &cfg.Rules[i].Actions[j]
			path := elementPath(elementPath("rules", i)+".actions", j)
			if action.Do == "task" && !keys.has(path+".in") {
				action.In = Duration{defaultRuleTaskIn}
			}
			if action.Do == "hook" && !keys.has(path+".timeout") {
				action.Timeout = Duration{defaultHookTimeout}
			}
			if action.Do == "hook" && len(action.Command) > 0 && strings.Contains(action.Command[0], "/") {
				action.Command[0] = resolvePath(baseDir, action.Command[0], "")
			}
		}
	}
}

func (v *validator) checkRules(cfg *Config) {
	names := map[string]bool{}
	for i, rule := range cfg.Rules {
		path := elementPath("rules", i)
		switch {
		case strings.TrimSpace(rule.Name) == "":
			v.report(path+".name", "give the rule a name (it is logged and shown by rules check)")
		case names[rule.Name]:
			v.report(path+".name", "%q names another rule too; names must differ", rule.Name)
		}
		names[rule.Name] = true
		if !contains(ruleEvents, rule.On) {
			v.report(path+".on", "%q: use one of %s", rule.On, strings.Join(ruleEvents, ", "))
		}
		if rule.Caller != "" && rule.Caller != "known" && rule.Caller != "unknown" {
			v.report(path+".caller", "%q: use \"known\" or \"unknown\" (or leave it out)", rule.Caller)
		}
		if rule.Hours != "" {
			if _, err := ParseHours(rule.Hours); err != nil {
				v.report(path+".hours", "%v", err)
			}
		}
		for j, day := range rule.Days {
			if _, err := ParseWeekday(day); err != nil {
				v.report(elementPath(path+".days", j), "%v", err)
			}
		}
		for j, status := range rule.CaseStatus {
			if !hasCaseStatus(cfg.CRM, status) {
				v.report(elementPath(path+".case_status", j), "%q is not one of [[crm.case_statuses]] (%s)", status, strings.Join(caseStatusNames(cfg.CRM), ", "))
			}
		}
		v.checkRuleRepeat(path, rule)
		if len(rule.Actions) == 0 {
			v.report(path, "needs at least one [[rules.actions]]")
		}
		for j, action := range rule.Actions {
			v.checkRuleAction(cfg, elementPath(path+".actions", j), action)
		}
	}
}

func (v *validator) checkRuleRepeat(path string, rule Rule) {
	switch {
	case rule.Repeat < 0 || rule.Repeat > maxRuleRepeat:
		v.report(path+".repeat", "must be between 1 and %d, got %d", maxRuleRepeat, rule.Repeat)
	case rule.Repeat > 0 && rule.Within.Duration <= 0:
		v.reportAt(path+".repeat", path+".within", "repeat needs a window, e.g. within = \"1h\"")
	case rule.Repeat == 0 && v.keys.has(path+".within"):
		v.report(path+".within", "only means something with repeat = N")
	case rule.Within.Duration < 0 || rule.Within.Duration > maxRuleWithin:
		v.report(path+".within", "must be between 0s (exclusive) and %s, got %s", maxRuleWithin, rule.Within.Duration)
	}
}

func (v *validator) checkRuleAction(cfg *Config, path string, action RuleAction) {
	wanted, known := ruleActionKeys[action.Do]
	if !known {
		v.report(path+".do", "%q: use one of task, contact, case, tag, notify, webhook, hook", action.Do)
		return
	}
	for _, key := range ruleActionAllKeys {
		if v.keys.has(path+"."+key) && !contains(wanted, key) {
			v.report(path+"."+key, "a %s action does not read %q (it reads %s)", action.Do, key, strings.Join(wanted, ", "))
		}
	}
	switch action.Do {
	case "task":
		if action.In.Duration < 0 || action.In.Duration > maxRuleTaskIn {
			v.report(path+".in", "must be between 0s and %s, got %s", maxRuleTaskIn, action.In.Duration)
		}
	case "tag":
		switch tag := strings.TrimSpace(action.Tag); {
		case tag == "":
			v.reportAt(path+".do", path+".tag", "a tag action needs tag = \"name\"")
		case strings.IndexFunc(tag, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
			// The history stores tags as single words (history.NormaliseTag).
			v.report(path+".tag", "%q: a tag is one word without spaces (e.g. \"vip\" or \"follow-up\")", action.Tag)
		}
	case "case":
		if action.Kind != "" && !contains(cfg.CRM.CaseKinds, action.Kind) {
			v.report(path+".kind", "%q is not one of crm.case_kinds (%s)", action.Kind, strings.Join(cfg.CRM.CaseKinds, ", "))
		}
		if action.Status != "" && !hasCaseStatus(cfg.CRM, action.Status) {
			v.report(path+".status", "%q is not one of [[crm.case_statuses]] (%s)", action.Status, strings.Join(caseStatusNames(cfg.CRM), ", "))
		}
	case "notify":
		if strings.TrimSpace(action.Text) == "" {
			v.reportAt(path+".do", path+".text", "a notify action needs text = \"...\"")
		}
	case "webhook":
		if _, found := cfg.FindWebhook(action.Webhook); !found {
			v.report(path+".webhook", "%q is neither the name nor the url of a [[webhooks]] entry", action.Webhook)
		}
	case "hook":
		if len(action.Command) == 0 || strings.TrimSpace(action.Command[0]) == "" {
			v.reportAt(path+".do", path+".command", "needs a command: the program and its arguments as a list")
		}
		v.checkTimeout(path+".timeout", action.Timeout.Duration, maxHookTimeout)
	}
}

func hasCaseStatus(crm CRM, name string) bool {
	return contains(caseStatusNames(crm), name)
}

func caseStatusNames(crm CRM) []string {
	names := make([]string, 0, len(crm.CaseStatuses))
	for _, status := range crm.CaseStatuses {
		names = append(names, status.Name)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
