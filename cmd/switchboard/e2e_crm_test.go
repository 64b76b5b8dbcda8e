package main

// End-to-end tests of the CRM: the real binary, a real SQLite file per test,
// and real SIP calls from SIPp over loopback.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// crmConfig is a test configuration with the CRM reading Russian numbers.
func crmConfig(t *testing.T, policy string) (cfg, listen string) {
	t.Helper()
	listen = listenAddr(t, "udp")
	extra := "operator = \"alice\"\n[crm]\ndefault_country = \"RU\"\n"
	if policy != "" {
		extra += "[crm.policy]\n" + policy
	}
	return testConfig(t, extra, account{Name: "desk", User: "1001", Listen: listen}), listen
}

// sbJSON runs a switchboard command, checks its exit code and decodes its
// stdout (one JSON document) into result (nil: not decoded).
func sbJSON(t *testing.T, want int, result any, args ...string) string {
	t.Helper()
	code, out, errText := runSB(t, 30*time.Second, args...)
	if code != want {
		t.Fatalf("switchboard %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, strings.Join(out, "\n"), errText)
	}
	if result != nil {
		if err := json.Unmarshal([]byte(strings.Join(out, "\n")), result); err != nil {
			t.Fatalf("switchboard %v: output is not the JSON expected: %v\n%s", args, err, strings.Join(out, "\n"))
		}
	}
	return errText
}

type contactJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Company string `json:"company"`
	Email   string `json:"email"`
	Numbers []struct {
		Raw   string `json:"raw"`
		Key   string `json:"key"`
		Label string `json:"label"`
	} `json:"numbers"`
	Tags []string `json:"tags"`
}

func TestCRMContactsRoundTrip(t *testing.T) {
	cfg, _ := crmConfig(t, "")
	var ann contactJSON
	sbJSON(t, exitOK, &ann, "--config", cfg, "contacts", "add", "--name", "Ann Smith", "--phone", "8 (495) 123-45-67",
		"--phone", "+7 916 000-11-22:mobile", "--company", "Acme", "--tag", "vip", "--json")
	if ann.ID == 0 || len(ann.Numbers) != 2 || ann.Numbers[0].Key != "+74951234567" || ann.Numbers[1].Label != "mobile" {
		t.Fatalf("added %+v", ann)
	}

	// Found by the number in another spelling, and by a name fragment.
	for _, query := range []string{"+7 495 1234567", "smi"} {
		var found []contactJSON
		sbJSON(t, exitOK, &found, "--config", cfg, "contacts", "find", query, "--json")
		if len(found) != 1 || found[0].ID != ann.ID {
			t.Errorf("find %q: %+v, want Ann", query, found)
		}
	}
	sbJSON(t, exitOK, nil, "--config", cfg, "cases", "add", "--contact", jsonID(ann.ID), "--title", "Repair", "--json")

	var shown struct {
		Contact contactJSON `json:"contact"`
		Card    struct {
			Known    bool `json:"known"`
			OpenCase struct {
				Title string `json:"title"`
			} `json:"open_case"`
		} `json:"card"`
		Cases []struct {
			Title string `json:"title"`
		} `json:"cases"`
		Tasks []any `json:"tasks"`
		Calls []any `json:"calls"`
	}
	sbJSON(t, exitOK, &shown, "--config", cfg, "contacts", "show", jsonID(ann.ID), "--json")
	if shown.Contact.Name != "Ann Smith" || !shown.Card.Known || shown.Card.OpenCase.Title != "Repair" ||
		len(shown.Cases) != 1 || shown.Tasks == nil || shown.Calls == nil {
		t.Errorf("show: %+v", shown)
	}

	var edited contactJSON
	sbJSON(t, exitOK, &edited, "--config", cfg, "contacts", "edit", jsonID(ann.ID), "--email", "ann@example.com",
		"--phone", "+7 903 555-00-00:work", "--remove-phone", "89160001122", "--json")
	if edited.Email != "ann@example.com" || len(edited.Numbers) != 2 || edited.Numbers[1].Key != "+79035550000" || edited.Company != "Acme" {
		t.Errorf("edited %+v", edited)
	}
	// A bad edit changes nothing and is a usage error.
	sbJSON(t, exitUsage, nil, "--config", cfg, "contacts", "edit", jsonID(ann.ID), "--email", "not an address")

	sbJSON(t, exitOK, nil, "--config", cfg, "contacts", "rm", jsonID(ann.ID), "--json")
	var none []contactJSON
	sbJSON(t, exitOK, &none, "--config", cfg, "contacts", "find", "8 903 555 00 00", "--json")
	if none == nil || len(none) != 0 {
		t.Errorf("after rm: find gives %+v, want []", none)
	}
	sbJSON(t, exitRuntime, nil, "--config", cfg, "contacts", "show", jsonID(ann.ID))
	sbJSON(t, exitUsage, nil, "--config", cfg, "contacts", "show", "ann")
}

func jsonID(id int64) string { return strconv.FormatInt(id, 10) }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCRMImportIsAllOrNothing(t *testing.T) {
	cfg, _ := crmConfig(t, "")
	csv := writeFile(t, "clients.csv", "Name,Phone,Company\n"+
		"Carol,+7 495 333-44-55,Foo\n"+ // line 2
		"Dave,not a number,Bar\n"+ // line 3: bad number
		"Erin,8 495 444-55-66,\n"+ // line 4
		"Eve,,Baz\n") // line 5: no number
	errText := sbJSON(t, exitRuntime, nil, "--config", cfg, "contacts", "import", csv)
	for _, want := range []string{csv + ":3: ", "not a number", csv + ":5: no phone number", "nothing was imported"} {
		if !strings.Contains(errText, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errText)
		}
	}
	var found []contactJSON
	sbJSON(t, exitOK, &found, "--config", cfg, "contacts", "find", "+7 495 333-44-55", "--json")
	if len(found) != 0 {
		t.Fatalf("a rejected import wrote %+v", found)
	}

	var report struct {
		Rows, Created, Rejected int
	}
	rejects := filepath.Join(t.TempDir(), "rejects.csv")
	sbJSON(t, exitOK, &report, "--config", cfg, "contacts", "import", csv, "--skip-invalid", "--rejects", rejects, "--json")
	if report.Rows != 4 || report.Created != 2 || report.Rejected != 2 {
		t.Errorf("report %+v, want 4 rows: 2 created, 2 rejected", report)
	}
	written, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(written)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "3,") || !strings.Contains(lines[1], "Dave") || !strings.HasPrefix(lines[2], "5,") {
		t.Errorf("rejects file:\n%s", written)
	}
	sbJSON(t, exitOK, &found, "--config", cfg, "contacts", "find", "84953334455", "--json")
	if len(found) != 1 || found[0].Name != "Carol" || found[0].Company != "Foo" {
		t.Errorf("after --skip-invalid: %+v", found)
	}
	// Without --skip-invalid there is nothing to reject into.
	sbJSON(t, exitUsage, nil, "--config", cfg, "contacts", "import", csv, "--rejects", rejects)
}

func TestCRMExportImportRoundTrip(t *testing.T) {
	source, _ := crmConfig(t, "")
	sbJSON(t, exitOK, nil, "--config", source, "contacts", "add", "--name", "Ann Smith", "--phone", "8 (495) 123-45-67",
		"--phone", "+7 916 000-11-22:mobile", "--company", "Acme", "--email", "ann@example.com", "--tag", "vip", "--tag", "2024",
		"--note", "prefers mornings", "--tz", "Asia/Yekaterinburg")
	sbJSON(t, exitOK, nil, "--config", source, "contacts", "add", "--name", "Борис", "--phone", "+49 30 1234567:work")
	for _, format := range []string{"csv", "vcf"} {
		t.Run(format, func(t *testing.T) {
			first := filepath.Join(t.TempDir(), "contacts."+format)
			sbJSON(t, exitOK, nil, "--config", source, "contacts", "export", "-o", first)
			target, _ := crmConfig(t, "")
			sbJSON(t, exitOK, nil, "--config", target, "contacts", "import", first)
			second := filepath.Join(t.TempDir(), "again."+format)
			sbJSON(t, exitOK, nil, "--config", target, "contacts", "export", "-o", second)
			a, errA := os.ReadFile(first)
			b, errB := os.ReadFile(second)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if string(a) != string(b) || !strings.Contains(string(a), "Борис") || !strings.Contains(string(a), "Asia/Yekaterinburg") {
				t.Errorf("export → import → export differs or lost data:\n%s\n---\n%s", a, b)
			}
		})
	}
}

func TestCRMBlacklistedCallerIsRefusedWithoutRinging(t *testing.T) {
	requirePeers(t, "sipp")
	cfg, listen := crmConfig(t, "missed_task = true\nmissed_unknown = \"contact\"\n")
	// Blocked as written nationally; the call comes in international form.
	sbJSON(t, exitOK, nil, "--config", cfg, "blacklist", "add", "8 (495) 000-66-66", "--reason", "spam", "--json")
	var entries []struct {
		MatchKey string `json:"match_key"`
		Reason   string `json:"reason"`
	}
	sbJSON(t, exitOK, &entries, "--config", cfg, "blacklist", "list", "--json")
	if len(entries) != 1 || entries[0].MatchKey != "+74950006666" || entries[0].Reason != "spam" {
		t.Fatalf("blacklist %+v", entries)
	}

	sb := startSB(t, "--config", cfg, "answer", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "blacklisted.xml", uacXML("+74950006666", false)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp expected a 603 without ringing: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	sb.wait(20 * time.Second)
	evs := parseEvents(t, sb.output())
	if len(evs) != 1 || evs[0].Event != "call.ended" || evs[0].Result != "blacklisted" || evs[0].Code != 603 {
		t.Errorf("events %+v, want only call.ended blacklisted (no call.incoming, no card, nothing created)", evs)
	}
	calls := readHistory(t, cfg)
	if len(calls) != 1 || calls[0].Result != "blacklisted" || !calls[0].RingingAt.IsZero() {
		t.Errorf("history %+v, want one blacklisted call that never rang", calls)
	}
	var tasks []any
	sbJSON(t, exitOK, &tasks, "--config", cfg, "tasks", "list", "--json")
	if len(tasks) != 0 {
		t.Errorf("the policies acted on a blocked caller: tasks %+v", tasks)
	}
}

// crmEvent is the part of a call.card or crm.created line the tests read.
type crmEvent struct {
	Event  string `json:"event"`
	CallID string `json:"call_id"`
	Card   *struct {
		Known   bool `json:"known"`
		Contact *struct {
			Name string `json:"name"`
		} `json:"contact"`
		OpenCase *struct {
			Title string `json:"title"`
		} `json:"open_case"`
	} `json:"card"`
	Created *struct {
		TaskID      int64 `json:"task_id"`
		TaskCreated bool  `json:"task_created"`
	} `json:"created"`
}

func crmEvents(t *testing.T, lines []string, kind string) []crmEvent {
	t.Helper()
	var found []crmEvent
	for _, line := range lines {
		var ev crmEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON event line: %q: %v", line, err)
		}
		if ev.Event == kind {
			found = append(found, ev)
		}
	}
	return found
}

// ringAndHangUp has SIPp call from number and give up while it rings; the
// answer command lets it ring.
func ringAndHangUp(t *testing.T, cfg, listen, number string) *sbProcess {
	t.Helper()
	sb := startSB(t, "--config", cfg, "answer", "--answer-delay", "30s", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "ring.xml", uacXML(number, true)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp caller: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	if code := sb.wait(20 * time.Second); code != exitNoAnswer {
		t.Errorf("answer: exit %d, want %d (missed)", code, exitNoAnswer)
	}
	return sb
}

func TestCRMKnownCallerGetsACard(t *testing.T) {
	requirePeers(t, "sipp")
	cfg, listen := crmConfig(t, "")
	var ann contactJSON
	sbJSON(t, exitOK, &ann, "--config", cfg, "contacts", "add", "--name", "Ann Smith", "--phone", "+7 495 123-45-67", "--json")
	sbJSON(t, exitOK, nil, "--config", cfg, "cases", "add", "--contact", jsonID(ann.ID), "--title", "Boiler repair")

	sb := ringAndHangUp(t, cfg, listen, "84951234567")
	cards := crmEvents(t, sb.output(), "call.card")
	if len(cards) == 0 {
		t.Fatalf("no call.card in %v", sb.output())
	}
	card := cards[len(cards)-1]
	if card.CallID == "" || card.Card == nil || !card.Card.Known || card.Card.Contact == nil || card.Card.Contact.Name != "Ann Smith" ||
		card.Card.OpenCase == nil || card.Card.OpenCase.Title != "Boiler repair" {
		t.Errorf("call.card %+v, want Ann Smith with her open case", card)
	}
	if created := crmEvents(t, sb.output(), "crm.created"); len(created) != 0 {
		t.Errorf("default policies created %+v", created)
	}
}

func TestCRMMissedCallCreatesATask(t *testing.T) {
	requirePeers(t, "sipp")
	cfg, listen := crmConfig(t, "missed_task = true\ncallback_after = \"10m\"\n")
	sb := ringAndHangUp(t, cfg, listen, "+74957654321")
	created := crmEvents(t, sb.output(), "crm.created")
	if len(created) != 1 || created[0].Created == nil || !created[0].Created.TaskCreated {
		t.Fatalf("crm.created events %+v in %v, want one with a task", created, sb.output())
	}
	var tasks []struct {
		ID           int64  `json:"id"`
		Kind         string `json:"kind"`
		NumberRaw    string `json:"number_raw"`
		SourceCallID string `json:"source_call_id"`
		Assignee     string `json:"assignee"`
		DueAt        time.Time
	}
	sbJSON(t, exitOK, &tasks, "--config", cfg, "tasks", "list", "--json")
	if len(tasks) != 1 || tasks[0].ID != created[0].Created.TaskID || tasks[0].Kind != "callback" ||
		tasks[0].NumberRaw != "+74957654321" || tasks[0].SourceCallID != created[0].CallID || tasks[0].Assignee != "alice" {
		t.Errorf("tasks %+v, want the callback task for +74957654321", tasks)
	}
}

func TestCRMOverdueTaskIsRaisedOnceAfterARestart(t *testing.T) {
	cfg, _ := crmConfig(t, "")
	var task struct {
		ID int64 `json:"id"`
	}
	sbJSON(t, exitOK, &task, "--config", cfg, "tasks", "add", "--in", "1s", "--number", "+7 495 123-45-67", "--note", "price list", "--json")
	time.Sleep(1500 * time.Millisecond) // due while no switchboard runs

	first := startSB(t, "--config", cfg)
	line := first.waitLine("task #"+jsonID(task.ID), 15*time.Second)
	if !strings.Contains(line, "overdue since") || !strings.Contains(line, "price list") {
		t.Errorf("task line %q, want it overdue with its note", line)
	}
	first.interrupt()
	if code := first.wait(10 * time.Second); code != exitOK {
		t.Errorf("exit %d after Ctrl-C", code)
	}

	second := startSB(t, "--config", cfg)
	second.waitLine("waiting for calls", 15*time.Second)
	time.Sleep(2500 * time.Millisecond) // more than two polls of the due watcher
	second.interrupt()
	second.wait(10 * time.Second)
	for _, line := range second.output() {
		if strings.Contains(line, "task #") {
			t.Errorf("the third start raised the task again: %q", line)
		}
	}
}

func TestCRMBadConfigIsAUsageError(t *testing.T) {
	cfg := testConfig(t, "[crm]\nlanguage = \"de\"\n[crm.policy]\nrepeat_calls = \"often\"\n")
	errText := sbJSON(t, exitUsage, nil, "--config", cfg, "contacts", "find", "ann")
	for _, want := range []string{cfg + ":5: crm.language", cfg + ":7: crm.policy.repeat_calls"} {
		if !strings.Contains(errText, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errText)
		}
	}
}
