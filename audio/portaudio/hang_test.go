package portaudio

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

const childEnv = "SWITCHBOARD_PORTAUDIO_CHILD"

// TestServerHangsMidCall stops (SIGSTOP) the sound server during a call: its
// socket stays open but nothing answers, so PortAudio's threads stop calling
// back and closing or opening a stream blocks inside libpulse. The call
// must go on (silence both ways, on time), and the devices must come back
// once the server continues.
//
// It runs in a child process: a stream stuck in the driver is abandoned,
// which keeps PortAudio initialised until exit, and that state must not
// leak into the other tests.
func TestServerHangsMidCall(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		testpeer.Require(t, "pulseaudio", "pactl", "pacat")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestServerHangsMidCall$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child process:\n%s", out)
		if err != nil {
			t.Fatalf("child process: %v", err)
		}
		if strings.Contains(string(out), "--- SKIP") {
			t.Skip("skipped in the child")
		}
		return
	}
	callTimeout = 2 * time.Second
	p := startPulse(t)
	logs := &recordHandler{}
	h := openHost(t, slogNew(logs))
	playEvents, capEvents := newEvents(), newEvents()
	src := newCountingTone(1000, 8000)
	pb, err := h.OpenPlayback(find(t, h, "default", true), 8000, 0, src, playEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	c, err := h.OpenCapture(find(t, h, "default", false), 8000, 0, capEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readFor(t, c, 8000, 300*time.Millisecond)

	if err := syscall.Kill(p.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	resume := func() {
		if stopped {
			stopped = false
			_ = syscall.Kill(p.PID(), syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	start := time.Now()
	// Meanwhile the call reads on: ReadFrame must never hang. (The bound is
	// loose because other jobs may load the machine; a hang is forever.)
	frame := make([]int16, 160)
	var slowest time.Duration
	for !(len(playEvents.all()) > 0 && len(capEvents.all()) > 0) && time.Since(start) < 20*time.Second {
		t0 := time.Now()
		if err := c.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(t0))
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("slowest ReadFrame while the server hung: %v", slowest)
	if slowest > 2*time.Second {
		t.Errorf("ReadFrame blocked %v while the server hung", slowest)
	}
	playEvents.wait(t, "lost", time.Second)
	capEvents.wait(t, "lost", time.Second)
	t.Logf("both streams lost %v after SIGSTOP", time.Since(start))
	checkSilentPacing(t, c, src)

	resume()
	playEvents.wait(t, "restored", 15*time.Second)
	capEvents.wait(t, "restored", 15*time.Second)
	p.StartTone(t, "mic", 700)
	captureTone(t, c, 8000, "capture after the server resumed", 700)
	speakerTone(t, p, "spk.monitor", "playback after the server resumed", 1000)
	for _, line := range strings.Split(logs.text(), "\n") {
		if strings.Contains(line, "abandon") || strings.Contains(line, "not responding") || strings.Contains(line, "device failed") {
			t.Log(line)
		}
	}
}
