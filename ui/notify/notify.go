// Package notify shows desktop notifications through notify-send (libnotify),
// where it is installed. The console runs Send from a tea.Cmd, never from
// Update; the program and its arguments are passed as data, never through a
// shell, so a caller's display name cannot become a command.
package notify

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// Program is the notification tool looked for on PATH.
const Program = "notify-send"

// Timeout bounds one notification: a notification daemon that hangs must
// not keep a goroutine for ever.
const Timeout = 5 * time.Second

// Desktop sends notifications with one program.
type Desktop struct {
	path string
	// run starts the program; tests replace it.
	run func(ctx context.Context, path string, args ...string) error
}

// Find returns the desktop notifier, or nil when notify-send is not on
// PATH: no notification service, no notification, and no error either.
func Find() *Desktop {
	path, err := exec.LookPath(Program)
	if err != nil {
		return nil
	}
	return New(path, nil)
}

// New returns a notifier over the program at path; run nil runs it as a
// child process.
func New(path string, run func(ctx context.Context, path string, args ...string) error) *Desktop {
	if run == nil {
		run = runProgram
	}
	return &Desktop{path: path, run: run}
}

// Notify shows title and body. urgent notifications (an incoming call)
// stay until the operator reacts on desktops that honour the hint.
func (d *Desktop) Notify(ctx context.Context, title, body string, urgent bool) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return d.run(ctx, d.path, Args(title, body, urgent)...)
}

// Args are notify-send's arguments: options first, then "--" so that a
// title starting with "-" is not read as an option.
func Args(title, body string, urgent bool) []string {
	urgency := "normal"
	if urgent {
		urgency = "critical"
	}
	return []string{"--app-name=switchboard", "--urgency=" + urgency, "--", title, body}
}

func runProgram(ctx context.Context, path string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", path, err, out)
	}
	return nil
}
