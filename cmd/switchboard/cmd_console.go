package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/common"
	"github.com/switchboard/switchboard/ui/statusline"
)

// consoleEventBuffer absorbs a burst of events (registrations of many
// accounts, a call's set-up) while the console draws a frame.
const consoleEventBuffer = 64

// consoleShutdown bounds the notes written on the way out.
const consoleShutdown = 10 * time.Second

func (a *app) consoleCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "console",
		Short: "Start the phone in the terminal console (the default on a terminal)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.console(cmd.Context())
		},
	}
}

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Start every account without the console and print events until Ctrl-C",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context())
		},
	}
}

// interactive: both ends are a terminal, so the console can own the
// screen. Scripts and tests run the bare command with pipes and get the
// headless printer instead.
func (a *app) interactive() bool {
	out, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(out.Fd()) && term.IsTerminal(os.Stdin.Fd())
}

// console runs the session under the console until the operator quits or
// ctx ends (SIGTERM).
func (a *app) console(ctx context.Context) error {
	if !a.interactive() {
		return withExit(exitUsage, errors.New("the console needs a terminal on stdin and stdout; `switchboard serve` runs without one"))
	}
	// From here the screen is the console's: what the session would print
	// on stderr is kept, logged, and printed once the terminal is back.
	held := &heldMessages{}
	realStderr := a.stderr
	a.stderr = held
	defer func() { held.release(realStderr) }()

	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	outbox := engine.NewOutbox()
	s, err := a.startSession(ctx, cfg, sessionOptions{register: true, autoAnswer: true, notify: outbox.Push})
	if err != nil {
		outbox.Close()
		return err
	}
	held.logTo(s.log)
	notes := engine.NewNoteSaver(s.calls, 0, s.log, nil)
	commands := s.engine.Commands(s.phone, func(c engine.CallInfo) phone.Media {
		return s.callMedia(callInfo{direction: string(c.Direction), number: c.Number, id: c.ID})
	})
	backend := newConsoleBackend(s.phone, commands, s.crm, s.calls, notes, consoleAccounts(cfg),
		consoleDevices(s.sound.Kind(), cfg.Audio, s.sound.Notice()))

	// Subscribed before the phone starts, so that the first registration
	// is not missed.
	sub := s.phone.Subscribe()
	events := make(chan any, consoleEventBuffer)
	forwardCtx, stopForwarding := context.WithCancel(context.Background())
	var forwarders sync.WaitGroup
	forwarders.Go(func() { forwardPhoneEvents(forwardCtx, sub, events, backend, notes) })
	forwarders.Go(func() {
		outbox.Drain(func(n engine.Notice) { sendEvent(forwardCtx, events, n) })
	})
	stop := func() {
		stopForwarding()
		sub.Close() // a closed subscription never blocks the phone's publishing
		closeCtx, cancel := context.WithTimeout(context.Background(), consoleShutdown)
		defer cancel()
		if err := notes.Close(closeCtx); err != nil {
			s.log.Error("notes not saved on exit", "error", err)
		}
		s.close()
		outbox.Close() // after the engine stopped: no notice follows
		forwarders.Wait()
	}
	if err := s.start(context.WithoutCancel(ctx)); err != nil {
		stop()
		return err
	}

	c := common.New()
	c.Location = crmLocation(s.crm)
	runErr := ui.Run(ctx, backend, events, ui.RunOptions{LogFile: cfg.LogFile, LogLevel: configLogLevel(cfg), Common: c})
	stop()
	return runErr
}

// forwardPhoneEvents hands the phone's events to the console, in order.
// The backend sees each one first (registration state for Status); a
// call's end saves its notes at once rather than after the typing pause.
func forwardPhoneEvents(ctx context.Context, sub *phone.Subscription, events chan<- any,
	backend *consoleBackend, notes *engine.NoteSaver) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			backend.observe(ev)
			if !sendEvent(ctx, events, ev) {
				return
			}
			if ev.Kind == phone.CallEnded {
				flushCtx, cancel := context.WithTimeout(ctx, consoleShutdown)
				_ = notes.Flush(flushCtx) // the saver logs what failed
				cancel()
			}
		}
	}
}

// sendEvent queues ev for the console unless the console has ended.
func sendEvent(ctx context.Context, events chan<- any, ev any) bool {
	select {
	case events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// consoleAccounts are the accounts as the console starts with them. With
// only the built-in account (no [[accounts]] in the file) its name carries
// the hint on how to add a real one, where the operator looks first.
func consoleAccounts(cfg *config.Config) []consoleAccount {
	builtIn := reflect.DeepEqual(cfg.Accounts, config.Default().Accounts)
	out := make([]consoleAccount, 0, len(cfg.Accounts))
	for _, acct := range cfg.Accounts {
		a := consoleAccount{name: acct.Name, registers: acct.Register && acct.Registrar != "", dnd: acct.DND}
		if builtIn {
			a.hint = "built-in, direct calls only: add your SIP account as [[accounts]] in " + homeRelative(cfg.Path)
		}
		out = append(out, a)
	}
	return out
}

// homeRelative shortens a path under the home directory to ~/…, which
// keeps the hint on one status line.
func homeRelative(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	if rel, err := filepath.Rel(home, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return path
}

// consoleDevices names the audio in use for the status line. A sound card
// that could not be opened is the device problem shown until it comes back.
func consoleDevices(kind string, audio config.Audio, notice string) statusline.Devices {
	var d statusline.Devices
	switch kind {
	case "portaudio":
		d.Input, d.Output = or(audio.Input, "default"), or(audio.Output, "default")
	case "file":
		d.Input, d.Output = or(audio.FileInput, "silence"), or(audio.FileOutput, "discarded")
		d.Input, d.Output = filepath.Base(d.Input), filepath.Base(d.Output)
	}
	d.Problem = notice
	return d
}

// heldMessages stands in for stderr while the console owns the screen: a
// line printed under an alt-screen UI is garbage. Lines go to the log as
// they come and are printed on the real stderr once the console is gone.
type heldMessages struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	log   *slog.Logger
	lines []string // complete lines not yet logged (before logTo)
}

func (h *heldMessages) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Write(p)
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			h.lines = append(h.lines, line)
		}
	}
	h.flushToLog()
	return len(p), nil
}

// logTo starts logging the lines, those held so far first.
func (h *heldMessages) logTo(log *slog.Logger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = log
	h.flushToLog()
}

func (h *heldMessages) flushToLog() {
	if h.log == nil {
		return
	}
	for _, line := range h.lines {
		h.log.Info("message held while the console ran", "text", line)
	}
	h.lines = nil
}

// release prints everything held on w.
func (h *heldMessages) release(w io.Writer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.buf.Len() > 0 {
		_, _ = w.Write(h.buf.Bytes())
		h.buf.Reset()
	}
}

// consoleOrServe is the bare command: the console on a terminal, the
// headless printer otherwise.
func (a *app) consoleOrServe(ctx context.Context) error {
	if a.interactive() {
		return a.console(ctx)
	}
	return a.serve(ctx)
}
