package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCRMDefaultsDoNothing(t *testing.T) {
	isolateEnv(t)
	cfg, err := Load(writeConfig(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.CRM
	if c.DefaultCountry != "" || c.InternalDigits != 6 || c.SuffixDigits != 10 || c.Language != "en" ||
		c.CardTimeout.Duration != 200*time.Millisecond || !reflect.DeepEqual(c.CaseKinds, []string{"deal", "lead", "order"}) ||
		len(c.CaseStatuses) != 4 || c.CaseStatuses[0].Name != "new" || c.CaseStatuses[3].Outcome != "lost" {
		t.Errorf("crm defaults = %+v", c)
	}
	want := CRMPolicy{AnsweredUnknown: "nothing", MissedUnknown: "nothing", OutgoingUnknown: "nothing",
		RepeatCalls: "never", Responsible: "answered"}
	if c.Policy != want {
		t.Errorf("policy defaults = %+v, want %+v", c.Policy, want)
	}
}

func TestCRMSectionLoads(t *testing.T) {
	isolateEnv(t)
	content := `operator = "alice"
[crm]
default_country = "ru"
internal_digits = 4
suffix_digits = 9
language = "ru"
time_zone = "Europe/Moscow"
card_timeout = "150ms"
case_kinds = ["deal", "repair"]
default_currency = "rub"

[[crm.case_statuses]]
name = "new"
outcome = "open"

[[crm.case_statuses]]
name = "waiting_parts"
outcome = "open"
kinds = ["repair"]

[[crm.case_statuses]]
name = "paid"
outcome = "won"

[[crm.case_statuses]]
name = "refused"
outcome = "lost"

[crm.policy]
answered_unknown = "contact+case"
missed_unknown = "contact"
outgoing_unknown = "nothing"
case_kind = "repair"
case_status = "waiting_parts"
missed_unknown_case_kind = "deal"
missed_unknown_case_status = "new"
repeat_calls = "if-none-open"
missed_lead = true
missed_task = true
callback_after = "10m"
responsible = "last"
`
	cfg, err := Load(writeConfig(t, content))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	c := cfg.CRM
	if c.DefaultCountry != "RU" || c.DefaultCurrency != "RUB" || c.InternalDigits != 4 || c.SuffixDigits != 9 ||
		c.Language != "ru" || c.TimeZone != "Europe/Moscow" || c.CardTimeout.Duration != 150*time.Millisecond {
		t.Errorf("crm = %+v", c)
	}
	if len(c.CaseStatuses) != 4 || !reflect.DeepEqual(c.CaseStatuses[1], CaseStatus{Name: "waiting_parts", Outcome: "open", Kinds: []string{"repair"}}) ||
		c.CaseStatuses[0].Kinds != nil {
		t.Errorf("statuses = %+v", c.CaseStatuses)
	}
	p := c.Policy
	if p.AnsweredUnknown != "contact+case" || p.RepeatCalls != "if-none-open" || !p.MissedLead || !p.MissedTask ||
		p.CallbackAfter.Duration != 10*time.Minute || p.Responsible != "last" || p.MissedUnknownCaseKind != "deal" {
		t.Errorf("policy = %+v", p)
	}
}

func TestCRMProblemsHaveLineAndField(t *testing.T) {
	const status = "[[crm.case_statuses]]\nname = \"new\"\noutcome = \"open\"\n" // lines 2-4 after [crm]
	tests := []struct {
		name      string
		content   string
		wantLine  int
		wantField string
		wantText  string
	}{
		{"unknown country", "[crm]\ndefault_country = \"XX\"\n", 2, "crm.default_country", `unknown country code "XX"`},
		{"bad language", "[crm]\n\nlanguage = \"de\"\n", 3, "crm.language", `unknown language "de"`},
		{"unknown time zone", "[crm]\ntime_zone = \"Mars/Base\"\n", 2, "crm.time_zone", `unknown time zone "Mars/Base"`},
		{"zero card timeout", "[crm]\ncard_timeout = \"0s\"\n", 2, "crm.card_timeout", "must be positive"},
		{"bad card timeout", "[crm]\ncard_timeout = \"soon\"\n", 2, "crm.card_timeout", "invalid duration"},
		{"suffix too short", "[crm]\nsuffix_digits = 3\n", 2, "crm.suffix_digits", "from 4 to 15"},
		{"negative internal digits", "[crm]\ninternal_digits = -1\n", 2, "crm.internal_digits", "from 0"},
		{"bad currency", "[crm]\ndefault_currency = \"rubles\"\n", 2, "crm.default_currency", "ISO 4217"},
		{"no kinds", "[crm]\ncase_kinds = []\n", 2, "crm.case_kinds", "at least one kind"},
		{"kind twice", "[crm]\ncase_kinds = [\"deal\",\n \"deal\"]\n", 3, "crm.case_kinds[1]", `"deal" is listed twice`},
		{"bad outcome", "[crm]\n[[crm.case_statuses]]\nname = \"new\"\noutcome = \"maybe\"\n", 4, "crm.case_statuses[0].outcome", `unknown outcome "maybe"`},
		{"missing outcome", "[crm]\n[[crm.case_statuses]]\nname = \"new\"\n", 2, "crm.case_statuses[0].outcome", `unknown outcome ""`},
		{"status of unknown kind", "[crm]\n" + status + "kinds = [\"ticket\"]\n", 5, "crm.case_statuses[0].kinds[0]", `unknown kind "ticket"`},
		{"status twice", "[crm]\n" + status + status, 6, "crm.case_statuses[1].name", `"new" is listed twice`},
		{"kind without open status", "[crm]\ncase_kinds = [\"deal\"]\n[[crm.case_statuses]]\nname = \"won\"\noutcome = \"won\"\n", 3, "crm.case_statuses", `"deal" has no status`},
		{"bad answered policy", "[crm.policy]\nanswered_unknown = \"everything\"\n", 2, "crm.policy.answered_unknown", `unknown choice "everything"`},
		{"bad missed policy", "[crm.policy]\nmissed_unknown = \"contact_case\"\n", 2, "crm.policy.missed_unknown", `"contact+case"`},
		{"bad outgoing policy", "[crm.policy]\n\noutgoing_unknown = \"yes\"\n", 3, "crm.policy.outgoing_unknown", `unknown choice "yes"`},
		{"bad repeat policy", "[crm.policy]\nrepeat_calls = \"sometimes\"\n", 2, "crm.policy.repeat_calls", `"if-none-open"`},
		{"bad responsible", "[crm.policy]\nresponsible = \"boss\"\n", 2, "crm.policy.responsible", `unknown choice "boss"`},
		{"missed task as string", "[crm.policy]\nmissed_task = \"yes\"\n", 2, "crm.policy.missed_task", "must be true or false"},
		{"negative callback delay", "[crm.policy]\ncallback_after = \"-1m\"\n", 2, "crm.policy.callback_after", "must not be negative"},
		{"unknown case kind", "[crm.policy]\nanswered_unknown = \"contact+case\"\ncase_kind = \"ticket\"\n", 3, "crm.policy.case_kind", `unknown case kind "ticket"`},
		{"closed case status", "[crm.policy]\nrepeat_calls = \"always\"\ncase_status = \"won\"\n", 3, "crm.policy.case_status", "not an open status"},
		{"unknown override status", "[crm.policy]\nmissed_unknown_case_status = \"later\"\n", 2, "crm.policy.missed_unknown_case_status", `unknown status "later"`},
		{"unknown lead status", "[crm.policy]\nmissed_lead = true\nmissed_lead_status = \"hot\"\n", 3, "crm.policy.missed_lead_status", `unknown status "hot"`},
		{"unknown policy key", "[crm.policy]\nmissed_tasks = true\n", 2, "crm.policy.missed_tasks", `did you mean "missed_task"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			path := writeConfig(t, tt.content)
			cfg, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded, want a problem; crm: %+v", cfg.CRM)
			}
			p := problemsOf(t, err)[0]
			if p.File != path || p.Line != tt.wantLine || p.Field != tt.wantField || !strings.Contains(p.Message, tt.wantText) {
				t.Errorf("first problem = %s\nwant %s:%d: %s: ...%s...", p, path, tt.wantLine, tt.wantField, tt.wantText)
			}
		})
	}
}

// Every bad value of the section is reported in one pass, in line order.
func TestCRMReportsAllProblems(t *testing.T) {
	isolateEnv(t)
	content := "[crm]\ndefault_country = \"ZZ\"\nlanguage = \"fr\"\n[crm.policy]\nmissed_unknown = \"all\"\nrepeat_calls = \"often\"\n"
	_, err := Load(writeConfig(t, content))
	var lines []int
	for _, p := range problemsOf(t, err) {
		lines = append(lines, p.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 3, 5, 6}) {
		t.Errorf("problem lines = %v, want [2 3 5 6]: %v", lines, err)
	}
}

func TestRedactedShowsCRM(t *testing.T) {
	isolateEnv(t)
	cfg, err := Load(writeConfig(t, "[crm]\ndefault_country = \"DE\"\n[crm.policy]\nmissed_task = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	shown := cfg.Redacted()
	for _, want := range []string{"[crm]", "default_country = 'DE'", "[crm.policy]", "missed_task = true", "[[crm.case_statuses]]"} {
		if !strings.Contains(shown, want) {
			t.Errorf("config show lacks %q:\n%s", want, shown)
		}
	}
}
