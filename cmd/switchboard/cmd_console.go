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
	"github.com/switchboard/switchboard/ui/notify"
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
	// The console answers the control socket too (ctl, events, open); a
	// second instance stops here.
	claim, err := a.claimControl(ctx, cfg)
	if err != nil {
		return err
	}
	outbox := engine.NewOutbox()
	s, err := a.startSession(ctx, cfg, sessionOptions{register: true, autoAnswer: true, notify: outbox.Push})
	if err != nil {
		claim.release()
		outbox.Close()
		return err
	}
	stopControl, err := a.startControl(claim, s)
	if err != nil {
		s.close()
		outbox.Close()
		return err
	}
	held.logTo(s.log)
	notes := engine.NewNoteSaver(s.calls, 0, s.log, nil)
	commands := s.engine.Commands(s.phone, func(c engine.CallInfo) phone.Media {
		return s.callMedia(callInfo{direction: string(c.Direction), number: c.Number, id: c.ID})
	})
	backend := newConsoleBackend(consoleDeps{phone: s.phone, commands: commands, crm: s.crm, calls: s.calls, notes: notes,
		player: s.sound, dispositions: cfg.History.Dispositions},
		consoleAccounts(cfg), consoleDevices(s.sound.Kind(), cfg.Audio, s.sound.Notice()))

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
	// What start-up printed (a default configuration written, warnings, a
	// crash's interrupted calls, the sound card) and what the background
	// prints later (recordings purged) is shown in the console.
	// From a goroutine: the console, which empties events, is not running yet.
	forwarders.Go(func() {
		for _, n := range consoleStartNotices(cfg) {
			sendEvent(forwardCtx, events, n)
		}
		held.showIn(func(n ui.Notice) { sendEvent(forwardCtx, events, n) })
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
		stopControl()  // after the session: control clients get the last call.ended
		outbox.Close() // after the engine stopped: no notice follows
		forwarders.Wait()
	}
	if err := s.start(context.WithoutCancel(ctx)); err != nil {
		stop()
		return err
	}

	c := common.New()
	c.Location = crmLocation(s.crm)
	runErr := ui.Run(ctx, backend, events, ui.RunOptions{LogFile: cfg.LogFile, LogLevel: configLogLevel(cfg), Common: c,
		Settings: consoleSettings(cfg, notify.Find)})
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

// consoleAccounts are the accounts as the console starts with them.
func consoleAccounts(cfg *config.Config) []consoleAccount {
	out := make([]consoleAccount, 0, len(cfg.Accounts))
	for _, acct := range cfg.Accounts {
		out = append(out, consoleAccount{name: acct.Name, registers: acct.Register && acct.Registrar != "", dnd: acct.DND})
	}
	return out
}

// consoleStartNotices is what the console tells at start beyond what was
// printed: with only the built-in account (no [[accounts]] in the file),
// how to add a real one.
func consoleStartNotices(cfg *config.Config) []ui.Notice {
	if !reflect.DeepEqual(cfg.Accounts, config.Default().Accounts) {
		return nil
	}
	where := "the configuration file"
	if cfg.Path != "" {
		where = homeRelative(cfg.Path)
	}
	return []ui.Notice{{Text: "no account: add [[accounts]] to " + where + " (until then the built-in " +
		cfg.Accounts[0].Name + " takes direct calls only)", Err: true}}
}

// consoleSettings are the console options of the configuration. find
// looks for the desktop notifier (notify.Find): none installed is no
// error, just no desktop notifications.
func consoleSettings(cfg *config.Config, find func() *notify.Desktop) ui.Settings {
	s := ui.Settings{WrapUp: cfg.History.WrapUp, Dispositions: cfg.History.Dispositions, Bell: cfg.Console.Bell}
	if cfg.Console.DesktopNotify {
		if d := find(); d != nil { // not a typed nil in the interface
			s.Notifier = d
		}
	}
	return s
}

// startNotice turns a line printed on stderr into a notice: the program's
// prefix goes, and warnings and failures are shown as problems.
func startNotice(line string) ui.Notice {
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "switchboard:"))
	problem := strings.HasPrefix(text, "warning:") || strings.Contains(text, " not ") ||
		strings.Contains(text, "no audio") || strings.Contains(text, "failed")
	return ui.Notice{Text: text, Err: problem}
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
	// show hands a line to the console as a notice (after showIn);
	// unshown are the lines written before.
	show    func(ui.Notice)
	unshown []string
}

func (h *heldMessages) Write(p []byte) (int, error) {
	h.mu.Lock()
	h.buf.Write(p)
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			h.lines = append(h.lines, line)
			h.unshown = append(h.unshown, line)
		}
	}
	h.flushToLog()
	show, lines := h.takeUnshown()
	h.mu.Unlock()
	// Outside the lock: showing may wait for the console to take it.
	for _, line := range lines {
		show(startNotice(line))
	}
	return len(p), nil
}

// showIn shows every line in the console from now on, those held so far
// first. They are still printed by release: the screen is gone then.
func (h *heldMessages) showIn(show func(ui.Notice)) {
	h.mu.Lock()
	h.show = show
	show, lines := h.takeUnshown()
	h.mu.Unlock()
	for _, line := range lines {
		show(startNotice(line))
	}
}

func (h *heldMessages) takeUnshown() (func(ui.Notice), []string) {
	if h.show == nil {
		return nil, nil
	}
	lines := h.unshown
	h.unshown = nil
	return h.show, lines
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
