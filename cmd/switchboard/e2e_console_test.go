package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// tmuxConsole is `switchboard console` running in a detached tmux session
// on a private tmux server, so that the test neither sees nor disturbs the
// user's own tmux.
type tmuxConsole struct {
	t        *testing.T
	socket   string
	exitFile string // the console's exit code is written here when it ends
}

// startConsoleInTmux runs the console in a terminal of width×height.
func startConsoleInTmux(t *testing.T, width, height int, args ...string) *tmuxConsole {
	t.Helper()
	dir := t.TempDir()
	c := &tmuxConsole{t: t, socket: filepath.Join(dir, "tmux.sock"), exitFile: filepath.Join(dir, "exit-code")}
	quoted := make([]string, 0, len(args)+1)
	for _, arg := range append([]string{binaryPath}, args...) {
		quoted = append(quoted, "'"+strings.ReplaceAll(arg, "'", `'\''`)+"'")
	}
	shell := fmt.Sprintf("%s; echo $? > '%s'", strings.Join(quoted, " "), c.exitFile)
	cmd := exec.Command("tmux", "-S", c.socket, "-f", "/dev/null", "new-session", "-d", "-s", "console",
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), shell)
	// The server started here passes its environment to the pane.
	cmd.Env = append(isolatedEnv(t), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("console screen at the end:\n%s", c.screen())
		}
		_ = exec.Command("tmux", "-S", c.socket, "kill-server").Run()
	})
	return c
}

func (c *tmuxConsole) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", c.socket}, args...)...).CombinedOutput()
	return string(out), err
}

// screen is what the terminal shows now ("" once the console has gone).
func (c *tmuxConsole) screen() string {
	out, err := c.tmux("capture-pane", "-p", "-t", "console")
	if err != nil {
		return ""
	}
	return out
}

// waitScreen polls the screen until it shows text.
func (c *tmuxConsole) waitScreen(text string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(c.screen(), text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("the console did not show %q within %s; screen:\n%s", text, timeout, c.screen())
}

// press sends keys as typed (tmux key names such as "Escape" are not
// interpreted).
func (c *tmuxConsole) press(keys string) {
	c.t.Helper()
	if out, err := c.tmux("send-keys", "-t", "console", "-l", keys); err != nil {
		c.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// waitExit waits for the console to end and returns its exit code.
func (c *tmuxConsole) waitExit(timeout time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(c.exitFile); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("the console did not exit within %s; screen:\n%s", timeout, c.screen())
	return ""
}

// baresip calls the console through Kamailio: the popup shows the seeded
// contact's card, a key answers, the caller's tone is recorded, a key hangs
// up, and the call is in the history with its recording.
func TestConsoleAnswersBaresipInTmux(t *testing.T) {
	requirePeers(t, "tmux", "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	caller := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), ToneHz: 700})
	recordings := t.TempDir()
	cfg := testConfig(t, fmt.Sprintf("[recording]\nauto = true\ndir = %q\n", recordings),
		account{Name: "desk", User: "1001", Password: "secret1001", Registrar: k.Addr("udp"),
			Transport: "udp", Listen: listenAddr(t, "udp"), Register: true})
	sbJSON(t, exitOK, nil, "--config", cfg, "contacts", "add", "--name", "Ada Lovelace", "--phone", "1003")

	console := startConsoleInTmux(t, 132, 43, "--config", cfg, "console")
	console.waitScreen("● desk", 15*time.Second) // registered: Kamailio can route the call to us
	if err := caller.Dial(fmt.Sprintf("sip:1001@%s", k.Addr("udp"))); err != nil {
		t.Fatal(err)
	}
	console.waitScreen("Ada Lovelace", 15*time.Second)
	console.press("a")
	caller.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(3 * time.Second) // the caller's tone goes into the recording
	console.press("e")
	caller.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	console.press("q")
	if code := console.waitExit(20 * time.Second); code != "0" {
		t.Fatalf("console exit code %s, want 0", code)
	}

	var list callListJSON
	sbJSON(t, exitOK, &list, "--config", cfg, "history", "--json")
	if len(list.Calls) != 1 || list.Calls[0].Result != "answered" || list.Calls[0].ContactID == 0 ||
		list.Calls[0].TalkMS < 2000 {
		t.Fatalf("history %+v, want one answered call of about 3 s linked to the seeded contact", list.Calls)
	}
	calls := readHistory(t, cfg)
	if len(calls) != 1 || calls[0].RemoteNumber != "1003" || calls[0].Recording == "" {
		t.Fatalf("history rows %+v, want the call from 1003 with its recording", calls)
	}
	rate, channels, err := readChannels(calls[0].Recording)
	if err != nil {
		t.Fatalf("read the recording: %v", err)
	}
	assertTone(t, "recording right (received)", channels[1], rate, 700)
}
