package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoadRules(t *testing.T) {
	isolateEnv(t)
	path := writeConfig(t, `[[webhooks]]
name = "crm"
url = "http://127.0.0.1:9000/"
events = ["call.ended"]
[[rules]]
name = "missed stranger"
on = "call.missed"
caller = "unknown"
hours = "09:00-18:00"
days = ["mon", "fri"]
repeat = 2
within = "1h"
[[rules.actions]]
do = "task"
note = "call back"
[[rules.actions]]
do = "webhook"
webhook = "crm"
`)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Rules) != 1 || len(cfg.Rules[0].Actions) != 2 {
		t.Fatalf("rules = %+v", cfg.Rules)
	}
	if got := cfg.Rules[0].Actions[0].In.Duration; got != 30*time.Minute {
		t.Errorf("task in = %s, want the 30m default", got)
	}
}

func TestLoadRulesReportsProblems(t *testing.T) {
	rule := "[[rules]]\nname = \"r\"\non = \"call.missed\"\n"
	action := "[[rules.actions]]\ndo = \"tag\"\ntag = \"x\"\n"
	tests := []struct {
		name, content string
		wantLine      int
		wantField     string
		wantText      string
	}{
		{"bad event", "[[rules]]\nname = \"r\"\non = \"call.rang\"\n" + action, 3, "rules[0].on", "use one of"},
		{"bad caller", rule + "caller = \"vip\"\n" + action, 4, "rules[0].caller", "known"},
		{"bad hours", rule + "hours = \"9-18\"\n" + action, 4, "rules[0].hours", "HH:MM"},
		{"bad day", rule + "days = [\"mon\", \"funday\"]\n" + action, 4, "rules[0].days[1]", "not a day"},
		{"repeat without within", rule + "repeat = 3\n" + action, 4, "rules[0].within", "window"},
		{"no actions", rule, 1, "rules[0]", "at least one"},
		{"unknown action", rule + "[[rules.actions]]\ndo = \"email\"\n", 5, "rules[0].actions[0].do", "use one of"},
		{"key of another action", rule + action + "note = \"n\"\n", 7, "rules[0].actions[0].note", "does not read"},
		{"unknown webhook", rule + "[[rules.actions]]\ndo = \"webhook\"\nwebhook = \"nope\"\n", 6, "rules[0].actions[0].webhook", "[[webhooks]]"},
		{"hook without command", rule + "[[rules.actions]]\ndo = \"hook\"\n", 5, "rules[0].actions[0].command", "needs a command"},
		{"tag with a space", rule + "[[rules.actions]]\ndo = \"tag\"\ntag = \"call back\"\n", 6, "rules[0].actions[0].tag", "one word"},
		{"unknown case status", rule + "case_status = [\"new\", \"pending\"]\n" + action, 4, "rules[0].case_status[1]", "[[crm.case_statuses]]"},
		{"case action with unknown kind", rule + "[[rules.actions]]\ndo = \"case\"\nkind = \"ticket\"\n", 6, "rules[0].actions[0].kind", "crm.case_kinds"},
		{"case action with unknown status", rule + "[[rules.actions]]\ndo = \"case\"\nstatus = \"open\"\n", 6, "rules[0].actions[0].status", "[[crm.case_statuses]]"},
		{"unknown key", rule + "colour = \"red\"\n" + action, 4, "rules[0].colour", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			_, err := Load(writeConfig(t, tt.content))
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("Load error = %v, want *Error", err)
			}
			for _, p := range cfgErr.Problems {
				if p.Field == tt.wantField && strings.Contains(p.Message, tt.wantText) {
					if p.Line != tt.wantLine {
						t.Errorf("%s at line %d, want %d", p.Field, p.Line, tt.wantLine)
					}
					return
				}
			}
			t.Errorf("no problem on %s containing %q in:\n%v", tt.wantField, tt.wantText, err)
		})
	}
}
