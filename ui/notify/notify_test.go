package notify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestArgsAreDataAfterTheOptions(t *testing.T) {
	got := Args("-rf; Anna $(x)", "+44 20 7946 0000", true)
	want := []string{"--app-name=switchboard", "--urgency=critical", "--", "-rf; Anna $(x)", "+44 20 7946 0000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args %q, want %q", got, want)
	}
	if got := Args("t", "b", false); got[1] != "--urgency=normal" {
		t.Errorf("non-urgent: %q", got)
	}
}

func TestNotifyRunsTheProgramWithATimeout(t *testing.T) {
	var gotPath string
	var gotArgs []string
	d := New("/usr/bin/notify-send", func(ctx context.Context, path string, args ...string) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("no deadline on the notification")
		}
		gotPath, gotArgs = path, args
		return nil
	})
	if err := d.Notify(context.Background(), "Incoming call", "Anna", true); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/usr/bin/notify-send" || gotArgs[len(gotArgs)-2] != "Incoming call" {
		t.Errorf("ran %s %q", gotPath, gotArgs)
	}
}

func TestFindWithoutTheProgramIsNil(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if d := Find(); d != nil {
		t.Errorf("Find() = %+v without notify-send on PATH, want nil", d)
	}
}

// A real child process: a stand-in notify-send writes its arguments, one a
// line, where the test reads them.
func TestNotifyExecutesTheProgram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell script stand-in")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, Program), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	d := Find()
	if d == nil {
		t.Fatal("Find() = nil with notify-send on PATH")
	}
	if err := d.Notify(context.Background(), "Task due", "call back `Anna`", false); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); lines[len(lines)-1] != "call back `Anna`" {
		t.Errorf("program got %q", lines)
	}

	failing := New(filepath.Join(dir, "missing"), nil)
	if err := failing.Notify(context.Background(), "t", "b", false); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("missing program: %v, want an exec error", err)
	}
}
