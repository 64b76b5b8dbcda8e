package control

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/webhook"
	"github.com/switchboard/switchboard/phone"
)

// A descriptor opened shows in open_fds and one closed leaves it: the
// figure the soak benchmark watches for leaks follows the process.
func TestProcessFiguresFollowTheProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS and descriptors come from /proc")
	}
	started := time.Now().Add(-time.Minute)
	var files []*os.File
	for i := range 3 {
		f, err := os.Create(filepath.Join(t.TempDir(), "f"+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	open := readProcess(started)
	for _, f := range files {
		_ = f.Close()
	}
	closed := readProcess(started)
	if open.OpenFDs-closed.OpenFDs != 3 {
		t.Errorf("open_fds %d with 3 files open, %d after closing them; want a difference of 3", open.OpenFDs, closed.OpenFDs)
	}
	if closed.OpenFDs < 3 { // stdin, stdout, stderr at least
		t.Errorf("open_fds = %d, want at least 3", closed.OpenFDs)
	}
	if closed.Goroutines < 1 || closed.HeapInUseBytes == 0 || closed.RSSBytes < int64(closed.HeapInUseBytes)/2 {
		t.Errorf("figures %+v: want goroutines, heap in use and a resident size of the same order", closed)
	}
	if closed.UptimeSeconds < 60 {
		t.Errorf("uptime %.1fs, want at least the minute since started", closed.UptimeSeconds)
	}
}

func TestReadRSS(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := readRSS(good); err != nil || n != 1234*1024 {
		t.Errorf("readRSS = %d, %v; want %d", n, err, 1234*1024)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("VmRSS:\t12 MB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readRSS(bad); err == nil {
		t.Error("readRSS accepted a line in MB")
	}
	if _, err := readRSS(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist wrapped", err)
	}
}

// fakeOutbox stands for the webhook deliverer.
type fakeOutbox struct {
	queued int64
	err    error
	stats  webhook.Stats
}

func (f fakeOutbox) Queued(context.Context) (int64, error) { return f.queued, f.err }
func (f fakeOutbox) Stats() webhook.Stats                  { return f.stats }

// status over the socket carries the process figures and the outbox;
// an outbox that cannot be counted shows -1 rather than failing status.
func TestStatusReportsProcessAndOutbox(t *testing.T) {
	ph, err := phone.New(phone.Options{Codecs: []string{"PCMU"}, Accounts: []config.Account{{Name: "desk", User: "1001",
		Domain: "127.0.0.1", Listen: "127.0.0.1:0", Transport: "udp"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ph.Close)
	for _, tc := range []struct {
		name   string
		outbox Outbox
		want   *WebhookStatus
	}{
		{"no webhooks", nil, nil},
		{"outbox", fakeOutbox{queued: 2, stats: webhook.Stats{Delivered: 7, Dropped: 1, Lost: 3}},
			&WebhookStatus{Queued: 2, Delivered: 7, Dropped: 1, Lost: 3}},
		{"outbox unreadable", fakeOutbox{err: errors.New("database is locked"), stats: webhook.Stats{Delivered: 1}},
			&WebhookStatus{Queued: -1, Delivered: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := NewSessionTarget(SessionOptions{Phone: ph, Webhooks: tc.outbox})
			srv := startServer(t, target, nil)
			resp := dialTest(t, "unix", srv.SocketPath()).call(`{"id":7,"cmd":"status"}`)
			raw, _ := json.Marshal(resp["data"])
			var st Status
			if err := json.Unmarshal(raw, &st); err != nil || resp["ok"] != true || resp["id"] != 7.0 {
				t.Fatalf("status reply %v (%v)", resp, err)
			}
			if p := st.Process; p.Goroutines < 1 || p.HeapInUseBytes == 0 || (runtime.GOOS == "linux" && (p.RSSBytes <= 0 || p.OpenFDs < 3)) {
				t.Errorf("process %+v: want every figure measured", p)
			}
			if tc.want == nil && st.Webhooks != nil || tc.want != nil && (st.Webhooks == nil || *st.Webhooks != *tc.want) {
				t.Errorf("webhooks %+v, want %+v", st.Webhooks, tc.want)
			}
			data, _ := resp["data"].(map[string]any)
			if _, has := data["webhooks"]; has != (tc.want != nil) {
				t.Errorf("reply has webhooks: %v, want %v (omitted when none is configured)", has, tc.want != nil)
			}
		})
	}
}
