package ui

import (
	"time"

	"github.com/switchboard/switchboard/ui/calls"
)

// ClockTick is the clock tick's message, for tests that move time.
func ClockTick(t time.Time) any { return clockTickMsg(t) }

// Meters is a meter sample's message.
func Meters(m map[string]calls.Meter) any { return metersMsg(m) }
