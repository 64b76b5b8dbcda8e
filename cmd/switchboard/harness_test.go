package main

// The end-to-end tests run the real switchboard binary against real peers
// (Kamailio, baresip, SIPp from internal/testpeer), all on 127.0.0.1.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// binaryPath is set by TestMain: the switchboard binary under test, built once.
var binaryPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binaryPath = filepath.Join(dir, "switchboard")
	args := []string{"build", "-o", binaryPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	if audio.OpusAvailable() { // the test binary was built with -tags with_opus_c
		args = append(args, "-tags", "with_opus_c")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building switchboard for the end-to-end tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// account is one [[accounts]] entry of a test configuration.
type account struct {
	Name, User, Password, Registrar, Transport, Listen string
	Register, AutoAnswer                               bool
	CAFile                                             string
	Extra                                              string // raw TOML lines
}

// testConfig writes a configuration with its own database and log in a temp dir.
func testConfig(t *testing.T, extra string, accts ...account) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "log_level = \"debug\"\nlog_file = %q\ndatabase = %q\n%s\n",
		filepath.Join(dir, "switchboard.log"), filepath.Join(dir, "history.db"), extra)
	if !strings.Contains(extra, "[audio]") {
		// Tests carry audio through files; the sound card has tests of its own.
		b.WriteString("[audio]\nbackend = \"null\"\ncodecs = [\"PCMU\", \"PCMA\"]\n")
	}
	for _, a := range accts {
		fmt.Fprintf(&b, "[[accounts]]\nname = %q\nuser = %q\ndomain = \"127.0.0.1\"\nlisten = %q\n", a.Name, a.User, a.Listen)
		if a.Password != "" {
			fmt.Fprintf(&b, "password = %q\n", a.Password)
		}
		if a.Registrar != "" {
			fmt.Fprintf(&b, "registrar = %q\n", a.Registrar)
		}
		if a.Transport != "" {
			fmt.Fprintf(&b, "transport = %q\n", a.Transport)
		}
		fmt.Fprintf(&b, "register = %t\nauto_answer = %t\n%s\n", a.Register, a.AutoAnswer, a.Extra)
		if a.CAFile != "" {
			fmt.Fprintf(&b, "[accounts.tls]\nca_file = %q\n", a.CAFile)
		}
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sbProcess is a running switchboard whose output is collected line by line.
type sbProcess struct {
	t      testing.TB
	cmd    *exec.Cmd
	stderr bytes.Buffer
	lines  chan string
	mu     sync.Mutex
	all    []string
	done   chan struct{}
	code   int
}

// startSB runs switchboard in the background; it is killed at the end of the test.
func startSB(t testing.TB, args ...string) *sbProcess {
	t.Helper()
	return startSBEnv(t, nil, args...)
}

// startSBEnv is startSB with extra environment variables (a test PulseAudio).
func startSBEnv(t testing.TB, env []string, args ...string) *sbProcess {
	t.Helper()
	return startSBWrapped(t, nil, env, args...)
}

// startSBWrapped runs switchboard under a wrapper command, such as
// "ip netns exec NS" (which execs it: the process group is the same).
func startSBWrapped(t testing.TB, wrapper, env []string, args ...string) *sbProcess {
	t.Helper()
	argv := append(append(append([]string(nil), wrapper...), binaryPath), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(isolatedEnv(t), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &sbProcess{t: t, cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.all = append(p.all, sc.Text())
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.lines)
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			t.Logf("switchboard %v\nstdout:\n%s\nstderr:\n%s", args, strings.Join(p.output(), "\n"), p.errText())
		}
	})
	return p
}

// runSB runs switchboard to its end (bounded by timeout) and returns the exit code.
func runSB(t *testing.T, timeout time.Duration, args ...string) (int, []string, string) {
	t.Helper()
	p := startSB(t, args...)
	return p.wait(timeout), p.output(), p.errText()
}

func (p *sbProcess) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(timeout):
		p.t.Fatalf("switchboard did not exit within %s\nstdout:\n%s\nstderr:\n%s", timeout, strings.Join(p.output(), "\n"), p.errText())
	}
	return -1
}

// interrupt sends SIGINT, as Ctrl-C would.
func (p *sbProcess) interrupt() { _ = p.cmd.Process.Signal(os.Interrupt) }

// waitLine waits for an output line containing substr.
func (p *sbProcess) waitLine(substr string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("switchboard exited (code %d) before printing %q\nstdout:\n%s\nstderr:\n%s", p.code, substr, strings.Join(p.output(), "\n"), p.errText())
			}
			if strings.Contains(line, substr) {
				return line
			}
		case <-deadline:
			p.t.Fatalf("no line with %q within %s\nstdout:\n%s\nstderr:\n%s", substr, timeout, strings.Join(p.output(), "\n"), p.errText())
		}
	}
}

func (p *sbProcess) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.all...)
}

func (p *sbProcess) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// isolatedEnv keeps the test away from the user's own configuration and data.
func isolatedEnv(t testing.TB) []string {
	dir := t.TempDir()
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "SWITCHBOARD_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_RUNTIME_DIR="+runtimeDir(t))
}

// runtimeDir is a private XDG_RUNTIME_DIR: each process gets its own control
// socket. It is short (not under t.TempDir(), whose path holds the test's
// name) because a Unix socket path must fit in 107 bytes.
func runtimeDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "sbrun")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// jsonEvent is the part of a --json event line that tests look at.
type jsonEvent struct {
	Event     string `json:"event"`
	CallID    string `json:"call_id"`
	Direction string `json:"direction"`
	Number    string `json:"number"`
	Result    string `json:"result"`
	Code      int    `json:"code"`
	Reason    string `json:"reason"`
	TalkMS    int64  `json:"talk_ms"`
	Codec     string `json:"codec"`
	Expires   int    `json:"expires"`
	Change    string `json:"change"`
	Device    string `json:"device"`
}

func parseEvents(t *testing.T, lines []string) []jsonEvent {
	t.Helper()
	var evs []jsonEvent
	for _, l := range lines {
		var ev jsonEvent
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not a JSON event line: %q: %v", l, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func eventKinds(evs []jsonEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Event
	}
	return out
}

// toneWAV writes a tone file for --play.
func toneWAV(t *testing.T, hz float64, rate int, d time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("tone-%.0f.wav", hz))
	if err := audio.WriteWAV(path, rate, 1, audio.Tone(hz, rate, d, 0.5)); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertTone checks a channel of a recording: its frequency (our analysis and sox's)
// and that it is not silent.
func assertTone(t *testing.T, label string, samples []int16, rate int, wantHz float64) {
	t.Helper()
	if len(samples) < rate {
		t.Fatalf("%s: only %d samples recorded", label, len(samples))
	}
	// Skip the first half second: call set-up and jitter.
	s := samples[rate/2:]
	got := audio.DominantFrequency(s, rate)
	rms := audio.RMS(s)
	if got < wantHz*0.97 || got > wantHz*1.03 {
		t.Errorf("%s: dominant frequency %.1f Hz, want %.0f Hz", label, got, wantHz)
	}
	if rms < 0.05 {
		t.Errorf("%s: RMS %.3f, want a clearly audible tone (> 0.05)", label, rms)
	}
	t.Logf("%s: %.1f Hz, RMS %.3f", label, got, rms)
}

func assertRecording(t *testing.T, path string, leftHz, rightHz float64) {
	t.Helper()
	rate, ch, err := audio.ReadWAVChannels(path)
	if err != nil {
		t.Fatalf("read recording: %v", err)
	}
	if len(ch) != 2 {
		t.Fatalf("recording has %d channels, want 2", len(ch))
	}
	assertTone(t, filepath.Base(path)+" left (sent)", ch[0], rate, leftHz)
	assertTone(t, filepath.Base(path)+" right (received)", ch[1], rate, rightHz)
}

// assertPeerHeard checks with sox what a baresip phone received.
func assertPeerHeard(t *testing.T, b *testpeer.Baresip, wantHz float64) {
	t.Helper()
	freq, rms := testpeer.AnalyzeWAV(t, b.ReceivedWAV(t))
	if freq < wantHz*0.95 || freq > wantHz*1.05 || rms < 0.05 {
		t.Errorf("baresip %s received %.0f Hz at RMS %.3f, want %.0f Hz audible", b.User, freq, rms, wantHz)
	}
	t.Logf("baresip %s received %.0f Hz, RMS %.3f (sox)", b.User, freq, rms)
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func requirePeers(t *testing.T, bins ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test with real peers; skipped in -short mode")
	}
	testpeer.Require(t, bins...)
}

func readChannels(path string) (int, [][]int16, error) { return audio.ReadWAVChannels(path) }

// dominant is the frequency of a channel after its first half second.
func dominant(s []int16, rate int) float64 {
	if len(s) <= rate/2 {
		return 0
	}
	return audio.DominantFrequency(s[rate/2:], rate)
}

func near(got, want float64) bool { return got > want*0.97 && got < want*1.03 }
