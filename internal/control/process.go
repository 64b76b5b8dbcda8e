package control

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// ProcessStatus is how much of the machine the process holds: figures an
// operator (and the soak benchmark) compares over time to see a leak.
type ProcessStatus struct {
	UptimeSeconds  float64 `json:"uptime_seconds"`
	Goroutines     int     `json:"goroutines"`
	HeapInUseBytes uint64  `json:"heap_inuse_bytes"`
	// RSSBytes and OpenFDs come from /proc; they are -1 where it cannot be
	// read (not Linux), so that nobody mistakes "unknown" for "none".
	RSSBytes int64 `json:"rss_bytes"`
	OpenFDs  int   `json:"open_fds"`
}

// WebhookStatus is the webhook outbox as it stands, with the counters of
// what happened to events since the start (docs/webhooks.md).
type WebhookStatus struct {
	Queued    int64 `json:"queued"`    // rows waiting in the outbox now
	Delivered int64 `json:"delivered"` // accepted by their endpoint
	Dropped   int64 `json:"dropped"`   // stored, then dropped because the outbox was full
	Lost      int64 `json:"lost"`      // never stored: the queue was full or the database failed
}

// readProcess measures this process. It stops the world briefly (to read
// the heap figure), which is fine at the pace anyone asks for a status.
func readProcess(startedAt time.Time) ProcessStatus {
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	p := ProcessStatus{UptimeSeconds: time.Since(startedAt).Seconds(), Goroutines: runtime.NumGoroutine(),
		HeapInUseBytes: mem.HeapInuse, RSSBytes: -1, OpenFDs: -1}
	if rss, err := readRSS("/proc/self/status"); err == nil {
		p.RSSBytes = rss
	}
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		// The listing includes the descriptor ReadDir read it through.
		p.OpenFDs = len(entries) - 1
	}
	return p
}

// readRSS reads VmRSS (resident memory, in kB) from a /proc status file.
func readRSS(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("%s: unexpected VmRSS line %q", path, sc.Bytes())
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: VmRSS: %w", path, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("%s: no VmRSS line", path)
}
