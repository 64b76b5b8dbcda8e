package portaudio

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// PortAudio is process-global: no test here may run in parallel.
func TestMain(m *testing.M) {
	// Quicker restore attempts keep the device-loss tests short; the
	// watchdog logic is the same.
	restoreInterval = 500 * time.Millisecond
	os.Exit(m.Run())
}

// startPulse runs a private PulseAudio and points this process's ALSA and
// PulseAudio clients at it (PortAudio reads the environment when the first
// Host opens).
func startPulse(t *testing.T) *testpeer.Pulse {
	t.Helper()
	p := testpeer.StartPulse(t)
	p.Setenv(t)
	return p
}

// checkGoroutines fails the test if goroutines started during it outlive
// its cleanups (registered first, so it runs last).
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines after cleanup, %d before:\n%s", n, before, buf)
		}
	})
}

func openHost(t *testing.T, log *slog.Logger) *Host {
	t.Helper()
	if log == nil {
		log = debugLogger(t)
	}
	h, err := Open(log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	abandoned := paAbandoned.Load()
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Host.Close: %v", err)
		}
		if n := paAbandoned.Load() - abandoned; n > 0 && os.Getenv(childEnv) == "" {
			t.Errorf("%d stream(s) stalled and were abandoned: PortAudio now stays initialised, so later "+
				"tests in this process see this test's devices (a machine too loaded to run audio?)", n)
		}
	})
	return h
}

// debugLogger writes the package's log (native library output included)
// to the file named by SWITCHBOARD_PORTAUDIO_LOG, for post-mortems of
// crashes inside the C libraries; otherwise it discards.
func debugLogger(t *testing.T) *slog.Logger {
	path := os.Getenv("SWITCHBOARD_PORTAUDIO_LOG")
	if path == "" {
		return slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}

func find(t *testing.T, h *Host, name string, output bool) Device {
	t.Helper()
	d, err := h.Find(name, output)
	if err != nil {
		t.Fatalf("Find(%q, %v): %v", name, output, err)
	}
	return d
}

// events records device events and lets a test wait for one.
type events struct {
	mu   sync.Mutex
	seen []DeviceEvent
	ch   chan DeviceEvent
}

func newEvents() *events { return &events{ch: make(chan DeviceEvent, 64)} }

func (e *events) options() Options {
	return Options{OnDeviceChange: func(ev DeviceEvent) {
		e.mu.Lock()
		e.seen = append(e.seen, ev)
		e.mu.Unlock()
		e.ch <- ev
	}}
}

func (e *events) all() []DeviceEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]DeviceEvent(nil), e.seen...)
}

// wait returns the next event, failing unless it is of kind within timeout.
func (e *events) wait(t *testing.T, kind string, timeout time.Duration) DeviceEvent {
	t.Helper()
	select {
	case ev := <-e.ch:
		if ev.Kind != kind {
			t.Fatalf("event %+v, want kind %q", ev, kind)
		}
		t.Logf("event after ≤%v: %+v", timeout, ev)
		return ev
	case <-time.After(timeout):
		t.Fatalf("no %q event within %v (seen: %+v)", kind, timeout, e.all())
	}
	return DeviceEvent{}
}

// countingSource is a tone that counts how often it is read.
type countingSource struct {
	reads atomic.Int64
	tone  *audio.ToneSource
	mu    sync.Mutex
}

func newCountingTone(freq float64, rate int) *countingSource {
	return &countingSource{tone: audio.NewToneSource(freq, rate, 0.5)}
}

func (s *countingSource) ReadFrame(frame []int16) error {
	s.mu.Lock() // the reader changes between device thread and pacer
	defer s.mu.Unlock()
	s.reads.Add(1)
	return s.tone.ReadFrame(frame)
}

// readFor reads 20 ms frames from src at real-time pace for d.
func readFor(t *testing.T, src audio.Source, rate int, d time.Duration) []int16 {
	t.Helper()
	frame := make([]int16, rate/50)
	var out []int16
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for end := time.Now().Add(d); time.Now().Before(end); <-ticker.C {
		if err := src.ReadFrame(frame); err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		out = append(out, frame...)
	}
	return out
}

// recordHandler keeps log records for assertions.
type recordHandler struct {
	mu    sync.Mutex
	lines []string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, b.String())
	h.mu.Unlock()
	return nil
}

func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *recordHandler) WithGroup(string) slog.Handler { return h }

func (h *recordHandler) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.lines, "\n")
}
