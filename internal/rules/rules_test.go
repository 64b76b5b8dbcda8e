package rules

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

func compileOne(t *testing.T, r config.Rule) Rule {
	t.Helper()
	r.Name = "r"
	compiled, err := Compile([]config.Rule{r})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return compiled[0]
}

// at is a local time on a known week: 2026-11-20 is a Friday.
func at(day int, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-"+twoDigits(day)+" "+clock, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

func twoDigits(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestMatch(t *testing.T) {
	missed := Facts{Event: OnEnded, Direction: "in", Result: "missed", Line: "+44 20 7946 0000", LocalTime: at(20, "10:00")}
	known := missed
	known.Known, known.CaseStatus = true, "negotiation"
	withRepeats := func(f Facts, n int) Facts { f.Repeats = map[time.Duration]int{time.Hour: n}; return f }
	atTime := func(f Facts, tm time.Time) Facts { f.LocalTime = tm; return f }
	tests := []struct {
		name  string
		rule  config.Rule
		facts Facts
		want  bool
	}{
		{"missed matches missed", config.Rule{On: OnMissed}, missed, true},
		{"missed not answered", config.Rule{On: OnMissed}, Facts{Event: OnEnded, Direction: "in", Result: "answered"}, false},
		{"missed not outgoing", config.Rule{On: OnMissed}, Facts{Event: OnEnded, Direction: "out", Result: "missed"}, false},
		{"ended matches missed too", config.Rule{On: OnEnded}, missed, true},
		{"incoming not ended", config.Rule{On: OnIncoming}, missed, false},
		{"unknown caller", config.Rule{On: OnMissed, Caller: "unknown"}, missed, true},
		{"unknown refuses known", config.Rule{On: OnMissed, Caller: "unknown"}, known, false},
		{"known caller", config.Rule{On: OnMissed, Caller: "known"}, known, true},
		{"known refuses unknown", config.Rule{On: OnMissed, Caller: "known"}, missed, false},
		{"line by digits", config.Rule{On: OnMissed, Line: []string{"+442079460000"}}, missed, true},
		{"other line", config.Rule{On: OnMissed, Line: []string{"+442079460001"}}, missed, false},
		{"case status", config.Rule{On: OnMissed, CaseStatus: []string{"new", "Negotiation"}}, known, true},
		{"case status without case", config.Rule{On: OnMissed, CaseStatus: []string{"new"}}, missed, false},
		{"inside hours", config.Rule{On: OnMissed, Hours: "09:00-18:00"}, missed, true},
		{"end of hours is outside", config.Rule{On: OnMissed, Hours: "09:00-18:00"}, atTime(missed, at(20, "18:00")), false},
		{"before hours", config.Rule{On: OnMissed, Hours: "09:00-18:00"}, atTime(missed, at(20, "08:59")), false},
		{"working day", config.Rule{On: OnMissed, Days: []string{"mon", "fri"}}, missed, true},
		{"weekend", config.Rule{On: OnMissed, Days: []string{"mon", "fri"}}, atTime(missed, at(21, "10:00")), false},
		{"night evening", config.Rule{On: OnMissed, Hours: "22:00-06:00", Days: []string{"fri"}}, atTime(missed, at(20, "23:30")), true},
		{"night after midnight belongs to friday", config.Rule{On: OnMissed, Hours: "22:00-06:00", Days: []string{"fri"}}, atTime(missed, at(21, "03:00")), true},
		{"friday morning is thursday's night", config.Rule{On: OnMissed, Hours: "22:00-06:00", Days: []string{"fri"}}, atTime(missed, at(20, "03:00")), false},
		{"night excludes day", config.Rule{On: OnMissed, Hours: "22:00-06:00"}, atTime(missed, at(20, "12:00")), false},
		{"repeat reached", config.Rule{On: OnMissed, Repeat: 3, Within: config.Duration{Duration: time.Hour}}, withRepeats(missed, 3), true},
		{"repeat not reached", config.Rule{On: OnMissed, Repeat: 3, Within: config.Duration{Duration: time.Hour}}, withRepeats(missed, 2), false},
		{"repeat without counts", config.Rule{On: OnMissed, Repeat: 1, Within: config.Duration{Duration: time.Hour}}, missed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(compileOne(t, tt.rule), tt.facts); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateSkipsContactForKnownCaller(t *testing.T) {
	rule := compileOne(t, config.Rule{On: OnMissed, Actions: []config.RuleAction{{Do: "contact"}, {Do: "tag", Tag: "missed"}}})
	firings := Evaluate([]Rule{rule}, Facts{Event: OnEnded, Direction: "in", Result: "missed", Known: true})
	if len(firings) != 1 || len(firings[0].Actions) != 2 || firings[0].Actions[1] != "tag missed" {
		t.Fatalf("firings = %+v", firings)
	}
}
