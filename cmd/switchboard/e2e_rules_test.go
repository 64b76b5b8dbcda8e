package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A rule on missed calls from unknown numbers, through the real binary: a
// SIPp caller gives up while it rings, and the rule creates the callback
// task and tags the call in the history. A known caller's missed call
// does not fire it. `rules test` says the same without acting.
func TestRuleOnAMissedStrangerCreatesATaskAndTagsTheCall(t *testing.T) {
	requirePeers(t, "sipp")
	listen := listenAddr(t, "udp")
	rule := `
[[rules]]
name = "missed stranger"
on = "call.missed"
caller = "unknown"
[[rules.actions]]
do = "task"
in = "10m"
note = "call the stranger back"
[[rules.actions]]
do = "tag"
tag = "stranger"
`
	cfg := testConfig(t, "[crm]\ndefault_country = \"RU\"\n"+rule, account{Name: "desk", User: "1001", Listen: listen})
	sbJSON(t, exitOK, nil, "--config", cfg, "contacts", "add", "--name", "Ann", "--phone", "+7 495 123-45-67")

	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "rules", "check")
	if code != exitOK || !strings.Contains(strings.Join(out, "\n"), "missed stranger") {
		t.Fatalf("rules check: exit %d\n%s\n%s", code, strings.Join(out, "\n"), errText)
	}

	stranger := ringOnce(t, nil, cfg, listen, "+74957654321", "Stranger")
	known := ringOnce(t, nil, cfg, listen, "+74951234567", "Ann")

	// The rule runs off the call path: give it a moment, bounded.
	var tasks []struct {
		Note      string `json:"note"`
		NumberRaw string `json:"number_raw"`
	}
	for range 50 {
		sbJSON(t, exitOK, &tasks, "--config", cfg, "tasks", "list", "--json")
		if len(tasks) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(tasks) != 1 || tasks[0].Note != "call the stranger back" || tasks[0].NumberRaw != "+74957654321" {
		t.Errorf("tasks %+v, want one callback task for the stranger only", tasks)
	}
	if got := listIDs(t, cfg, "--tag", "stranger"); !slices.Equal(got, []string{stranger}) {
		t.Errorf("calls tagged stranger: %v, want only %s (not the known caller's %s)", got, stranger, known)
	}

	// rules test: what would fire for an event, against the same data.
	for number, fires := range map[string]bool{"+74950000001": true, "+74951234567": false} {
		event := writeFile(t, "event.json", `{"event":"call.ended","call_id":"probe","direction":"in","number":"`+number+
			`","result":"missed"}`)
		code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "rules", "test", event)
		said := strings.Join(out, "\n")
		if code != exitOK || strings.Contains(said, "missed stranger") != fires {
			t.Errorf("rules test for %s: exit %d, fires %v wanted\n%s\n%s", number, code, fires, said, errText)
		}
	}
	// An event without its "event" field would match nothing: a usage error,
	// not a silent "no rule fires".
	nameless := writeFile(t, "nameless.json", `{"kind":"call.ended","direction":"in","number":"+74950000001","result":"missed"}`)
	if code, _, errText := runSB(t, 30*time.Second, "--config", cfg, "rules", "test", nameless); code != exitUsage || !strings.Contains(errText, `no "event" field`) {
		t.Errorf("rules test without an event name: exit %d, %q", code, errText)
	}
	sbJSON(t, exitOK, &tasks, "--config", cfg, "tasks", "list", "--json")
	if len(tasks) != 1 {
		t.Errorf("rules test acted: %d tasks", len(tasks))
	}
}
