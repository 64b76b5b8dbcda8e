package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/phone"
)

func TestExitCodeForCall(t *testing.T) {
	cases := []struct {
		result phone.Result
		code   int
		want   int
	}{
		{phone.ResultAnswered, 0, exitOK},
		{phone.ResultBusy, 486, exitBusy},
		{phone.ResultBusy, 600, exitBusy},
		{phone.ResultNoAnswer, 487, exitNoAnswer},
		{phone.ResultNoAnswer, 480, exitNoAnswer},
		{phone.ResultMissed, 487, exitNoAnswer},
		{phone.ResultDeclined, 603, exitRejected},
		{phone.ResultRejected, 486, exitRejected},
		{phone.ResultBlacklisted, 603, exitRejected},
		{phone.ResultFailed, 404, exitRejected},
		{phone.ResultFailed, 500, exitRejected},
		{phone.ResultFailed, 401, exitAuth},
		{phone.ResultFailed, 407, exitAuth},
		{phone.ResultFailed, 0, exitRuntime},
		{phone.ResultCancelled, 487, exitRuntime},
	}
	for _, c := range cases {
		if got := exitCodeForCall(phone.Event{Result: c.result, Code: c.code}); got != c.want {
			t.Errorf("%s %d: exit %d, want %d", c.result, c.code, got, c.want)
		}
	}
}

func TestExitCodeForRegister(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{&phone.RegisterError{Code: 401}, exitAuth},
		{&phone.RegisterError{Code: 403}, exitAuth},
		{&phone.RegisterError{Code: 503}, exitRejected},
		{&phone.RegisterError{Reason: "no answer in time"}, exitRuntime},
		{errors.New("anything else"), exitRuntime},
	}
	for _, c := range cases {
		if got := exitCodeForRegister(c.err); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.err, got, c.want)
		}
	}
}

func TestAnswerExitCodeTreatsRequestedRejectionAsSuccess(t *testing.T) {
	if got := answerExitCode(phone.Event{Result: phone.ResultRejected, Code: 486}, true); got != exitOK {
		t.Errorf("rejecting as asked: exit %d, want 0", got)
	}
	if got := answerExitCode(phone.Event{Result: phone.ResultMissed}, true); got != exitNoAnswer {
		t.Errorf("missed: exit %d, want %d", got, exitNoAnswer)
	}
}

// runIsolated runs the CLI in-process with its own XDG directories.
func runIsolated(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("SWITCHBOARD_CONFIG", "")
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	cases := [][]string{
		{"no-such-command"},
		{"dial"},
		{"dial", "1002", "--no-such-flag"},
		{"dial", "1002", "--dtmf", "12x"},
		{"dial", "10!02"},
		{"dial", "1002", "--play", "/does/not/exist.wav"},
		{"dial", "1002", "--record", "/does/not/exist/rec.wav"},
		{"answer", "--reject", "200"},
		{"answer", "--calls", "0"},
		{"dial", "1002", "--account", "nobody"},
		{"register"}, // the default account has no registrar
	}
	for _, args := range cases {
		code, _, stderr := runIsolated(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if strings.TrimSpace(stderr) == "" {
			t.Errorf("%v: no explanation on stderr", args)
		}
	}
}

func TestConfigCheckNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	bad := "[[accounts]]\nname = \"a\"\nuser = \"1001\"\npassword = \"hunter2-secret\"\ntransport = \"carrier-pigeon\"\nregsitrar = \"x\"\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIsolated(t, "--config", path, "config", "check")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{path + ":5", "accounts[0].transport", path + ":6", "regsitrar"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("config check output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "hunter2") {
		t.Error("the password leaked into the error output")
	}
}

func TestFirstStartWritesDefaultConfig(t *testing.T) {
	code, out, stderr := runIsolated(t, "config", "show")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "switchboard", "config.toml")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no default config written: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("default config mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(stderr, path) || !strings.Contains(out, `listen = '127.0.0.1:5060'`) {
		t.Errorf("stdout %q stderr %q", out, stderr)
	}
}

func TestConfigShowHidesPasswords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("[[accounts]]\nname = \"a\"\nuser = \"1001\"\npassword = \"hunter2-secret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runIsolated(t, "--config", path, "config", "show")
	if code != exitOK || strings.Contains(out, "hunter2") || !strings.Contains(out, "******") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestWorldReadablePasswordFileWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("[[accounts]]\nname = \"a\"\nuser = \"1001\"\npassword = \"hunter2-secret\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := runIsolated(t, "--config", path, "config", "check")
	if !strings.Contains(stderr, "chmod 600") {
		t.Errorf("no permission warning: %q", stderr)
	}
}
