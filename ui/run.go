package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/ui/common"
)

// RunOptions tune Run.
type RunOptions struct {
	// LogFile receives the console's log (slog text). "" = DefaultLogFile().
	// The console never logs to the screen: a line printed under an
	// alt-screen UI is garbage.
	LogFile string
	// LogLevel is the least level written; zero: info.
	LogLevel slog.Level
	// Input and Output replace the terminal (tests); nil: stdin/stdout.
	Input  io.Reader
	Output io.Writer
	// Common overrides the shared context (a fixed clock in tests).
	Common *common.Common
	// Settings are the configuration's console options.
	Settings Settings
	// ProgramOptions are added last.
	ProgramOptions []tea.ProgramOption
}

// DefaultLogFile is $XDG_STATE_HOME/switchboard/console.log (or the
// equivalent under the home directory).
func DefaultLogFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "switchboard-console.log")
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "switchboard", "console.log")
}

// Run shows the console until the operator quits or ctx ends. events
// carries phone.Event and engine.Notice values (or pointers to them); one
// subscriber goroutine hands them to the program, started before the
// program runs so that nothing sent early is lost. The terminal is
// restored on every way out, a panic included (bubbletea restores it
// before the panic is reported; the stack goes to the log file).
func Run(ctx context.Context, backend Backend, events <-chan any, opts RunOptions) (err error) {
	path := opts.LogFile
	if path == "" {
		path = DefaultLogFile()
	}
	logger, closeLog, err := openLog(path, opts.LogLevel)
	if err != nil {
		return err
	}
	defer closeLog()

	c := opts.Common
	if c == nil {
		c = common.New()
	}
	c.Logger = logger
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	model := panicLogger{Model: New(backend, Options{Common: c, Context: ctx, Settings: opts.Settings})}
	programOpts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.Input != nil {
		programOpts = append(programOpts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		programOpts = append(programOpts, tea.WithOutput(opts.Output))
	}
	programOpts = append(programOpts, opts.ProgramOptions...)
	program := tea.NewProgram(model, programOpts...)

	subscriberDone := make(chan struct{})
	go func() {
		defer close(subscriberDone)
		subscribe(ctx, program, events, logger)
	}()

	logger.Info("console started")
	_, err = program.Run()
	cancel() // stops the subscriber and the backend calls in flight
	<-subscriberDone
	switch {
	case err == nil, errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		logger.Info("console stopped")
		return nil
	case errors.Is(err, tea.ErrProgramPanic):
		logger.Error("console panicked; terminal restored")
		return err
	}
	logger.Error("console failed", "error", err)
	return fmt.Errorf("console: %w", err)
}

// subscribe is the one goroutine through which async events enter the
// program. Program.Send blocks until the event loop takes the message,
// which keeps events in order; it returns at once after the program ended.
func subscribe(ctx context.Context, program *tea.Program, events <-chan any, logger *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			logger.Error("event subscriber panicked", "panic", r, "stack", string(debug.Stack()))
			program.Kill()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			program.Send(ev)
		}
	}
}

func openLog(path string, level slog.Level) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, nil, fmt.Errorf("console log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("console log: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level}))
	return logger, func() { _ = f.Close() }, nil
}

// panicLogger writes the stack of a panic in Update or View to the log
// file, then lets it go on to bubbletea, which restores the terminal.
type panicLogger struct{ Model }

func (p panicLogger) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	defer p.logPanic()
	updated, cmd := p.Model.Update(msg)
	return panicLogger{Model: updated.(Model)}, cmd
}

func (p panicLogger) View() tea.View {
	defer p.logPanic()
	return p.Model.View()
}

func (p panicLogger) logPanic() {
	if r := recover(); r != nil {
		p.common.Logger.Error("console panic", "panic", r, "stack", string(debug.Stack()))
		panic(r)
	}
}
