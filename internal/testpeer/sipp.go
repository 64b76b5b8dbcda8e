package testpeer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	sippDefaultTimeout = 30 * time.Second
	// sippKillMargin: after SIPp's own -timeout, give it this long to exit
	// before the process group is killed.
	sippKillMargin = 10 * time.Second
)

// SIPpResult is the outcome of one SIPp run.
type SIPpResult struct {
	// ExitCode: 0 all calls succeeded, 1 some failed, 97 stopped by
	// internal command, 99 normal exit without calls, 255 fatal error.
	ExitCode int
	Stdout   string
	Stderr   string
	// Dir is the working directory with SIPp's log files.
	Dir string
	// StatsCSV is the statistics file when -trace_stat was given.
	StatsCSV string
	// ErrorLog is the *_errors.log file when -trace_err was given.
	ErrorLog string
	Duration time.Duration
}

// sippFlagTakesNoValue reports SIPp options without an argument; every other
// option consumes the next argument. Needed to find the positional remote
// host, which must be on 127.0.0.1.
func sippFlagTakesNoValue(flag string) bool {
	switch flag {
	case "-aa", "-bg", "-bind_local", "-nostdin", "-nd", "-nr", "-rtp_echo", "-timeout_error",
		"-trace_msg", "-trace_shortmsg", "-trace_screen", "-trace_err", "-trace_calldebug",
		"-trace_stat", "-trace_counts", "-trace_rtt", "-trace_logs", "-trace_error_codes",
		"-no_call_id_check", "-pause_msg_ign", "-v", "-h", "-sendbuffer_warn":
		return true
	default:
		return false
	}
}

// RunSIPp runs sipp with args in a fresh temp dir. It forces -i, -mi, -ci
// 127.0.0.1 and -bind_local, and adds -nostdin, -p/-mp/-cp free ports,
// -m 1 and -timeout 30s unless given. The run is killed when ctx ends or
// 10 s after SIPp's own timeout. A non-zero exit code is not an error; err
// reports only failures to run SIPp at all.
func RunSIPp(t testing.TB, ctx context.Context, args ...string) (SIPpResult, error) {
	t.Helper()
	Require(t, "sipp")
	dir := t.TempDir()
	fullArgs, timeout, err := sippArgs(args)
	if err != nil {
		return SIPpResult{Dir: dir}, err
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout+sippKillMargin)
	defer cancel()

	proc, err := startProcess(processSpec{
		Name:    "sipp",
		Binary:  "sipp",
		Args:    fullArgs,
		Dir:     dir,
		LogPath: filepath.Join(dir, "sipp.stdout"),
		// HOME and TERM: SIPp draws a curses screen; keep it dumb and local.
		Env: append(os.Environ(), "HOME="+dir, "TERM=dumb"),
	})
	if err != nil {
		return SIPpResult{Dir: dir}, err
	}
	started := time.Now()
	t.Cleanup(func() { proc.Stop(time.Second) })
	var runErr error
	select {
	case <-proc.exited:
	case <-runCtx.Done():
		proc.Stop(time.Second)
		runErr = fmt.Errorf("sipp killed: %w", runCtx.Err())
	}
	result := SIPpResult{Dir: dir, Duration: time.Since(started), ExitCode: exitCode(proc.ExitError())}
	proc.Stop(0)
	// startProcess sends stdout and stderr into one file, which SIPp fills
	// with its screen dumps; its error messages also land in *_errors.log.
	if output, err := os.ReadFile(filepath.Join(dir, "sipp.stdout")); err == nil {
		result.Stdout = string(output)
		result.Stderr = string(output)
	}
	result.StatsCSV, _ = firstMatch(dir, "*.csv")
	result.ErrorLog, _ = firstMatch(dir, "*_errors.log")
	if result.ErrorLog != "" {
		if errorText, err := os.ReadFile(result.ErrorLog); err == nil {
			result.Stderr += string(errorText)
		}
	}
	return result, runErr
}

// sippArgs validates the caller's args and adds the loopback-only options.
func sippArgs(args []string) ([]string, time.Duration, error) {
	given := make(map[string]string)
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			if err := requireLoopbackTarget(arg); err != nil {
				return nil, 0, err
			}
			continue
		}
		if sippFlagTakesNoValue(arg) {
			given[arg] = ""
			continue
		}
		if i+1 >= len(args) {
			return nil, 0, fmt.Errorf("sipp option %s needs a value", arg)
		}
		given[arg] = args[i+1]
		i++
	}
	for _, forced := range []string{"-i", "-mi", "-ci", "-rsa"} {
		value, ok := given[forced]
		if !ok || value == loopback || strings.HasPrefix(value, loopback+":") {
			continue
		}
		// -i may be another loopback address (127.0.0.2): a second caller
		// from another "host" for per-source limits, still on this machine.
		if ip := net.ParseIP(value); forced == "-i" && ip != nil && ip.To4() != nil && ip.IsLoopback() {
			continue
		}
		return nil, 0, fmt.Errorf("sipp %s %s: only %s is allowed", forced, value, loopback)
	}
	full := append([]string(nil), args...)
	addDefault := func(flag string, value ...string) {
		if _, ok := given[flag]; !ok {
			full = append(full, append([]string{flag}, value...)...)
		}
	}
	addDefault("-i", loopback)
	addDefault("-mi", loopback)
	addDefault("-ci", loopback)
	addDefault("-bind_local")
	addDefault("-nostdin")
	addDefault("-m", "1")
	ports, err := freePorts("udp+tcp", 3, 2) // -mp also uses +2 for RTCP echo
	if err != nil {
		return nil, 0, err
	}
	addDefault("-p", strconv.Itoa(ports[0]))
	addDefault("-mp", strconv.Itoa(ports[1]))
	addDefault("-cp", strconv.Itoa(ports[2]))
	timeout := sippDefaultTimeout
	if value, ok := given["-timeout"]; ok {
		parsed, err := parseSIPpDuration(value)
		if err != nil {
			return nil, 0, err
		}
		timeout = parsed
	} else {
		full = append(full, "-timeout", fmt.Sprintf("%ds", int(sippDefaultTimeout.Seconds())))
	}
	return full, timeout, nil
}

// requireLoopbackTarget accepts "127.0.0.1" or "127.0.0.1:PORT".
func requireLoopbackTarget(target string) error {
	host := target
	if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	if host != loopback {
		return fmt.Errorf("sipp remote host %q: only %s is allowed", target, loopback)
	}
	return nil
}

// parseSIPpDuration reads SIPp's time syntax: a number with optional unit
// (ms, s, m, h); plain numbers are seconds for -timeout.
func parseSIPpDuration(value string) (time.Duration, error) {
	if _, err := strconv.Atoi(value); err == nil {
		value += "s"
	}
	duration, err := time.ParseDuration(value)
	if err != nil {
		return 0, fmt.Errorf("sipp -timeout %q: %w", value, err)
	}
	return duration, nil
}

func exitCode(waitErr error) int {
	if waitErr == nil {
		return 0
	}
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		return exitErr.ExitCode()
	}
	return -1
}

func firstMatch(dir, pattern string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(matches) == 0 {
		return "", fmt.Errorf("no %s in %s", pattern, dir)
	}
	return matches[0], nil
}

// WriteSIPpScenario writes a scenario XML into a temp dir and returns its
// path, for use with -sf.
func WriteSIPpScenario(t testing.TB, name, xml string) string {
	t.Helper()
	if name == "" || strings.ContainsAny(name, "/\\") {
		t.Fatalf("testpeer: scenario name %q must be a plain file name", name)
	}
	if !strings.HasSuffix(name, ".xml") {
		name += ".xml"
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(xml), 0o644); err != nil {
		t.Fatalf("testpeer: write scenario: %v", err)
	}
	return path
}
