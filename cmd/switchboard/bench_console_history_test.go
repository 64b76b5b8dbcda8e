package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/statusline"
)

// The console's history screen on a large history (issue 6: a key to its
// frame under 16 ms with 10,000,000 calls).

// historyBenchDB finds the database of calls the history package's
// benchmark generated and keeps in the temp directory (its name ends in the
// number of calls, a ".complete" file marks it finished), so that the
// console can be measured on 10,000,000 calls without generating them
// twice. "" when there is none.
func historyBenchDB(calls int) string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("switchboard-bench-*-%d.db", calls)))
	newest, newestAt := "", time.Time{}
	for _, path := range matches {
		done, err := os.Stat(path + ".complete")
		if err == nil && done.ModTime().After(newestAt) {
			newest, newestAt = path, done.ModTime()
		}
	}
	return newest
}

// BenchmarkConsoleHistoryKeys: on the history screen, a key to the frame
// it gives: "down" (the model alone) and "]" (the next page, a query).
func BenchmarkConsoleHistoryKeys(b *testing.B) {
	asked := consoleBenchSize(b, "SWITCHBOARD_BENCH_CALLS", defaultConsoleBenchCalls)
	calls := min(asked, maxConsoleBenchCalls)
	path, generated := historyBenchDB(asked), false
	switch {
	case path != "":
		calls = asked
		fmt.Printf("history keys: on the history package's generated database of %d calls (%s)\n", calls, path)
	case calls < asked:
		fmt.Printf("history keys: measured with %d calls, not the %d asked (generating more here takes too long; "+
			"run the history package's benchmark with SWITCHBOARD_BENCH_CALLS=%d first and it is used)\n", calls, asked, asked)
		fallthrough
	default:
		path, generated = cachedBenchDB(b, "calls", calls, fillCalls(calls)), true
	}
	db := openBenchStore(b, path)
	backend := newConsoleBackend(consoleDeps{calls: history.NewRepo(db)}, benchConsoleAccounts(), statusline.Devices{})
	model := benchConsoleModel(backend)
	// Commands run in line: on this screen keys give no timers.
	press := func(key tea.KeyPressMsg) {
		pending := []tea.Msg{key}
		for len(pending) > 0 {
			msg := pending[0]
			pending = pending[1:]
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, cmd := range batch {
					if cmd != nil {
						pending = append(pending, cmd())
					}
				}
				continue
			}
			var cmd tea.Cmd
			model, cmd = model.Update(msg)
			if cmd != nil {
				pending = append(pending, cmd())
			}
		}
		_ = model.View()
	}
	press(tea.KeyPressMsg{Code: tea.KeyTab})
	if frame := ansi.Strip(model.View().Content); generated && !strings.Contains(frame, "+7") || strings.Contains(frame, "No calls") {
		b.Fatalf("history screen shows no calls:\n%s", frame)
	}
	const presses = 200
	for range b.N {
		var down, nextPage []time.Duration
		for i := range presses {
			began := time.Now()
			press(tea.KeyPressMsg{Code: tea.KeyDown})
			down = append(down, time.Since(began))
			if i%10 == 9 {
				began = time.Now()
				press(tea.KeyPressMsg{Code: ']', Text: "]"})
				nextPage = append(nextPage, time.Since(began))
			}
		}
		reportLatencies(b, "history-down", fmt.Sprintf("history down with %d calls", calls), down, 16*time.Millisecond)
		reportLatencies(b, "history-next-page", fmt.Sprintf("history next page with %d calls", calls), nextPage, 16*time.Millisecond)
	}
}
