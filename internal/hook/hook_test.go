package hook

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/eventfilter"
	"github.com/switchboard/switchboard/phone"
)

// envScript writes a script that saves its environment and stdin, NUL
// separated, to dir/env and dir/stdin.
func envScript(t *testing.T, dir string) string {
	t.Helper()
	script := filepath.Join(dir, "hook.sh")
	body := "#!/bin/sh\nenv -0 > \"$OUT_DIR/env.tmp\"\ncat > \"$OUT_DIR/stdin\"\nmv \"$OUT_DIR/env.tmp\" \"$OUT_DIR/env\"\necho ran\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return script
}

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			env := map[string]string{}
			for _, kv := range strings.Split(string(data), "\x00") {
				if name, value, ok := strings.Cut(kv, "="); ok {
					env[name] = value
				}
			}
			return env
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hook wrote no %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestCallerTextReachesTheHookOnlyAsData(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	t.Setenv("OUT_DIR", dir)
	t.Setenv("SB_TEST_SECRET", "hunter2")
	t.Setenv("SWITCHBOARD_NUMBER", "spoofed")
	name := "$(touch " + pwned + ") `touch " + pwned + "`; rm -rf " + dir + " && echo \"'\\"
	number := "555$(touch " + pwned + ");`id`|x"
	ev := phone.Event{Kind: phone.CallEnded, Time: time.Now(), CallID: "c-1", Direction: phone.Inbound, Number: number,
		DisplayName: name, Result: phone.ResultMissed, Code: 487, Account: "desk"}
	json := []byte(`{"event":"call.ended","display_name":"$(touch ` + pwned + `)"}`)

	var log syncBuffer
	r := NewRunner(Options{Log: slog.New(slog.NewTextHandler(&log, nil)), Withheld: []string{"SB_TEST_SECRET"},
		Hooks: []Hook{{Events: eventfilter.Filter{"call.*"}, Command: []string{envScript(t, dir), "$(touch " + pwned + ")"}, Timeout: 5 * time.Second}}})
	r.Handle(Event{Name: "reg.ok", Fields: map[string]string{}}) // not wanted
	r.Handle(Event{Name: string(ev.Kind), JSON: json, Fields: PhoneFields(ev)})
	env := readEnv(t, filepath.Join(dir, "env"))
	r.Close(5 * time.Second)

	want := map[string]string{"SWITCHBOARD_EVENT": "call.ended", "SWITCHBOARD_CALL_ID": "c-1", "SWITCHBOARD_NUMBER": number,
		"SWITCHBOARD_NAME": name, "SWITCHBOARD_DIRECTION": "in", "SWITCHBOARD_RESULT": "missed", "SWITCHBOARD_CODE": "487",
		"SWITCHBOARD_ACCOUNT": "desk", "SWITCHBOARD_TALK_MS": "0"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["SB_TEST_SECRET"]; ok {
		t.Error("a withheld secret reached the hook")
	}
	if stdin, err := os.ReadFile(filepath.Join(dir, "stdin")); err != nil || string(stdin) != string(json) {
		t.Errorf("stdin = %q (%v), want the event JSON", stdin, err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("caller-controlled text was executed: the pwned file exists")
	}
	if !strings.Contains(log.String(), "hook ran") || !strings.Contains(log.String(), "stdout=ran") {
		t.Errorf("the hook's run and output are not in the log:\n%s", log.String())
	}
}

func TestSlowHooksAreKilledAndExtraRunsDropped(t *testing.T) {
	var log syncBuffer
	r := NewRunner(Options{Log: slog.New(slog.NewTextHandler(&log, nil)), MaxRunning: 2,
		Hooks: []Hook{{Events: eventfilter.Filter{"*"}, Command: []string{"sleep", "30"}, Timeout: 300 * time.Millisecond}}})
	start := time.Now()
	for range 5 {
		r.Handle(Event{Name: "call.incoming", Fields: map[string]string{}})
	}
	if elapsed := time.Since(start); elapsed > 200*time.Millisecond {
		t.Errorf("Handle took %s: it must not wait for hooks", elapsed)
	}
	r.Close(10 * time.Second)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the hooks ran %s despite a 300ms timeout", elapsed)
	}
	text := log.String()
	if got := strings.Count(text, "too many hooks running"); got != 3 {
		t.Errorf("%d runs dropped, want 3:\n%s", got, text)
	}
	if got := strings.Count(text, "killed after its timeout"); got != 2 {
		t.Errorf("%d runs killed, want 2:\n%s", got, text)
	}
}
