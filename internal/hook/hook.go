// Package hook runs the configured commands on events. A command is an
// argv list started directly, never through a shell, so a caller's name or
// number ("$(rm -rf ~)", backticks, ";") is only ever data: it reaches the
// command in environment variables and in the event's JSON on stdin. Runs
// are bounded in time and in number; a hook that cannot start at once is
// dropped with a logged reason, so no hook ever holds up a call.
package hook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/internal/eventfilter"
)

const (
	// DefaultMaxRunning bounds the hooks running at once.
	DefaultMaxRunning = 4
	// maxLoggedOutput is what is kept of a hook's stdout and of its stderr.
	maxLoggedOutput = 4 << 10
	// pipeGrace bounds the wait for output pipes after the command ended
	// (a background child may keep them open).
	pipeGrace = time.Second
)

// Hook is one configured command.
type Hook struct {
	Events  eventfilter.Filter
	Command []string // argv
	Timeout time.Duration
}

// Event is what a hook learns: its name, its JSON (stdin) and its fields
// (SWITCHBOARD_* variables, named without the prefix: "NUMBER").
type Event struct {
	Name   string
	JSON   []byte
	Fields map[string]string
}

// Options configure a Runner.
type Options struct {
	Hooks      []Hook
	Log        *slog.Logger
	MaxRunning int // 0: DefaultMaxRunning
	// Withheld names environment variables hooks do not inherit: the
	// secrets of the configuration (passwords, tokens, webhook secrets).
	Withheld []string
}

// Runner starts hooks for events.
type Runner struct {
	opts    Options
	slots   chan struct{}
	baseEnv []string
	ctx     context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup
}

// NewRunner prepares the hooks; the environment they inherit is this
// process's, without the withheld variables and any SWITCHBOARD_* (which
// only the event sets).
func NewRunner(opts Options) *Runner {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxRunning <= 0 {
		opts.MaxRunning = DefaultMaxRunning
	}
	withheld := map[string]bool{}
	for _, name := range opts.Withheld {
		withheld[name] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !withheld[name] && !strings.HasPrefix(name, "SWITCHBOARD_") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{opts: opts, slots: make(chan struct{}, opts.MaxRunning), baseEnv: env, ctx: ctx, cancel: cancel}
}

// Handle starts every hook that wants the event, each on its own
// goroutine; it never waits. Without a free slot the run is dropped.
func (r *Runner) Handle(ev Event) {
	for _, h := range r.opts.Hooks {
		if h.Events.Match(ev.Name) {
			r.Start(h, ev)
		}
	}
}

// Start runs one hook for the event whatever its Events (a rule's hook
// action); like Handle it never waits, and drops the run without a slot.
func (r *Runner) Start(h Hook, ev Event) {
	select {
	case r.slots <- struct{}{}:
	default:
		r.opts.Log.Warn("hook dropped: too many hooks running", "hook", h.Command[0], "event", ev.Name, "max_running", r.opts.MaxRunning)
		return
	}
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		defer func() { <-r.slots }()
		r.run(h, ev)
	}()
}

// Close waits up to grace for running hooks, then kills the rest.
func (r *Runner) Close(grace time.Duration) {
	done := make(chan struct{})
	go func() {
		r.running.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		r.opts.Log.Warn("hooks still running at exit are killed")
		r.cancel()
		<-done
	}
	r.cancel()
}

func (r *Runner) run(h Hook, ev Event) {
	ctx, cancel := context.WithTimeout(r.ctx, h.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.Command[0], h.Command[1:]...)
	cmd.Env = append(append([]string(nil), r.baseEnv...), eventEnv(ev)...)
	cmd.Stdin = bytes.NewReader(ev.JSON)
	stdout, stderr := &limitedBuffer{limit: maxLoggedOutput}, &limitedBuffer{limit: maxLoggedOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Its own process group, so that the timeout also ends what it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = pipeGrace
	started := time.Now()
	err := cmd.Run()
	attrs := []any{"hook", h.Command[0], "event", ev.Name, "call", ev.Fields["CALL_ID"], "duration", time.Since(started).Round(time.Millisecond),
		"stdout", stdout.String(), "stderr", stderr.String()}
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		r.opts.Log.Warn("hook killed after its timeout", append(attrs, "timeout", h.Timeout)...)
	case err != nil:
		r.opts.Log.Warn("hook failed", append(attrs, "error", err)...)
	default:
		r.opts.Log.Info("hook ran", attrs...)
	}
}

// eventEnv is the event's SWITCHBOARD_* variables. A NUL cannot be in an
// environment variable; it is dropped rather than failing the run.
func eventEnv(ev Event) []string {
	env := []string{"SWITCHBOARD_EVENT=" + strings.ReplaceAll(ev.Name, "\x00", "")}
	for name, value := range ev.Fields {
		if value == "" || name == "EVENT" {
			continue
		}
		env = append(env, "SWITCHBOARD_"+name+"="+strings.ReplaceAll(value, "\x00", ""))
	}
	return env
}

// limitedBuffer keeps the first limit bytes written and discards the rest
// (reporting them written, so the command is not broken by a full pipe).
type limitedBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - b.buf.Len(); room < len(p) {
		b.buf.Write(p[:max(room, 0)])
		b.truncated = true
	} else {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSpace(b.buf.String())
	if b.truncated {
		s += " …(truncated)"
	}
	return s
}
