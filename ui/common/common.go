// Package common is the context every component of the console shares:
// the terminal size, the theme, the keymap, the logger and the clock. One
// value is created by the root model and handed down by pointer, so a
// resize or a theme switch reaches every component at once.
package common

import (
	"io"
	"log/slog"
	"time"

	"github.com/switchboard/switchboard/ui/keys"
	"github.com/switchboard/switchboard/ui/styles"
)

// Clock tells the time. Tests pass a fixed clock so that timers, the
// status-line clock and golden views do not change between runs.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always says the same time (tests); Set moves it.
type FixedClock struct{ At time.Time }

// Now returns the fixed time.
func (c *FixedClock) Now() time.Time { return c.At }

// Set moves the clock.
func (c *FixedClock) Set(t time.Time) { c.At = t }

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) { c.At = c.At.Add(d) }

// Common is the shared context.
type Common struct {
	Width, Height int
	Styles        *styles.Styles
	Keys          keys.KeyMap
	Logger        *slog.Logger
	Clock         Clock
	// Location is where times are shown (the operator's zone); tests fix it.
	Location *time.Location
}

// New returns a context with a dark theme, the default keymap, the
// system clock and a logger that discards (a console must never log to
// the screen).
func New() *Common {
	return &Common{
		Styles:   styles.New(true),
		Keys:     keys.New(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:    SystemClock{},
		Location: time.Local,
	}
}

// SetSize records the terminal size.
func (c *Common) SetSize(width, height int) { c.Width, c.Height = width, height }

// Now is the clock's time in the display zone.
func (c *Common) Now() time.Time { return c.Clock.Now().In(c.Location) }
