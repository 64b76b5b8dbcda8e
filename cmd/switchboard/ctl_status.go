package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/switchboard/switchboard/internal/control"
)

// printStatus shows `ctl status` for a person: one line per part, the
// process figures and the webhook outbox in words. --json keeps the reply
// line for scripts (docs/control.md).
func (a *app) printStatus(data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("print status: %w", err)
	}
	var st control.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("print status: %w", err)
	}
	var b strings.Builder
	p := st.Process
	fmt.Fprintf(&b, "pid       %d, up %s (since %s)\n", st.PID,
		(time.Duration(p.UptimeSeconds) * time.Second).String(), st.StartedAt.Local().Format(time.DateTime))
	for _, acc := range st.Accounts {
		state := "no registration kept"
		if acc.Register {
			state = "not registered yet"
		}
		if r := acc.Registration; r != nil {
			state = r.State
			if r.Reason != "" {
				state += " (" + r.Reason + ")"
			}
		}
		fmt.Fprintf(&b, "account   %s: %s@%s, %s on %s, %s\n", acc.Name, acc.User, acc.Domain, acc.Transport, acc.Listen, state)
	}
	fmt.Fprintf(&b, "calls     %d in progress; %d control client(s)\n", st.Calls, st.Clients)
	fmt.Fprintf(&b, "process   %d goroutines, heap in use %s, resident %s, %s open files\n", p.Goroutines,
		humanize.IBytes(p.HeapInUseBytes), knownBytes(p.RSSBytes), knownCount(p.OpenFDs))
	if w := st.Webhooks; w != nil {
		fmt.Fprintf(&b, "webhooks  %s queued in the outbox, %d delivered, %d dropped (outbox full), %d lost\n",
			knownCount(int(w.Queued)), w.Delivered, w.Dropped, w.Lost)
	} else {
		b.WriteString("webhooks  none configured\n")
	}
	_, err = fmt.Fprint(a.stdout, b.String())
	return err
}

// knownBytes and knownCount show -1 (not measurable here) as "unknown".
func knownBytes(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return humanize.IBytes(uint64(n))
}

func knownCount(n int) string {
	if n < 0 {
		return "unknown"
	}
	return fmt.Sprint(n)
}
