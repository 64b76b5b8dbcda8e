package main

// Benchmarks print figures for switchboard next to baresip's, measured in the same
// run on the same machine (make bench). They assert nothing about speed.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

const setupCalls = 100 // calls per peer: enough for a stable median and p95

// BenchmarkCallSetup: SIPp places calls (INVITE → 200 OK, its response time) to an
// auto-answering switchboard and to an auto-answering baresip.
func BenchmarkCallSetup(b *testing.B) {
	requireBenchPeers(b, "sipp", "baresip")
	for i := 0; i < b.N; i++ {
		listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
		cfg := benchConfig(b, listen)
		sb := startBenchSB(b, "--config", cfg)
		ours := sippSetupTimes(b, listen)
		stopBench(sb)

		peer := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
		theirs := sippSetupTimes(b, fmt.Sprintf("127.0.0.1:%d", peer.SIPPort))
		peer.Stop()

		om, op := percentile(ours, 50), percentile(ours, 95)
		tm, tp := percentile(theirs, 50), percentile(theirs, 95)
		b.ReportMetric(om, "switchboard-median-ms")
		b.ReportMetric(op, "switchboard-p95-ms")
		b.ReportMetric(tm, "baresip-median-ms")
		b.ReportMetric(tp, "baresip-p95-ms")
		b.ReportMetric(om/tm, "median-ratio")
		b.Logf("INVITE→200 over %d calls: switchboard median %.2f ms p95 %.2f ms; baresip median %.2f ms p95 %.2f ms; ratio %.2f",
			len(ours), om, op, tm, tp, om/tm)
	}
}

// BenchmarkMemory: resident memory idle and during one call, next to baresip's.
func BenchmarkMemory(b *testing.B) {
	requireBenchPeers(b, "sipp", "baresip")
	for i := 0; i < b.N; i++ {
		listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
		sb := startBenchSB(b, "--config", benchConfig(b, listen))
		time.Sleep(time.Second)
		ourIdle, ourAnon := rssMB(b, sb.cmd.Process.Pid), anonMB(b, sb.cmd.Process.Pid)
		ourCall := rssDuringCall(b, listen, sb.cmd.Process.Pid)
		stopBench(sb)

		peer := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
		time.Sleep(time.Second)
		theirIdle, theirAnon := rssMB(b, peer.PID()), anonMB(b, peer.PID())
		theirCall := rssDuringCall(b, fmt.Sprintf("127.0.0.1:%d", peer.SIPPort), peer.PID())
		peer.Stop()

		b.ReportMetric(ourIdle, "switchboard-idle-MB")
		b.ReportMetric(ourCall, "switchboard-call-MB")
		b.ReportMetric(theirIdle, "baresip-idle-MB")
		b.ReportMetric(theirCall, "baresip-call-MB")
		b.ReportMetric(ourAnon, "switchboard-idle-anon-MB")
		b.ReportMetric(theirAnon, "baresip-idle-anon-MB")
		b.Logf("RSS: switchboard idle %.1f MB, in a call %.1f MB; baresip idle %.1f MB, in a call %.1f MB", ourIdle, ourCall, theirIdle, theirCall)
		// Most of an idle RSS is mapped program and library text, shared and
		// reclaimable; the private (anonymous) part is what a process costs.
		b.Logf("private memory idle: switchboard %.1f MB, baresip %.1f MB", ourAnon, theirAnon)
	}
}

func requireBenchPeers(b *testing.B, bins ...string) {
	b.Helper()
	testpeer.Require(b, bins...)
}

func benchConfig(b *testing.B, listen string) string {
	b.Helper()
	dir := b.TempDir()
	cfg := fmt.Sprintf(`log_level = "warn"
log_file = %q
database = %q
[[accounts]]
name = "bench"
user = "1002"
domain = "127.0.0.1"
listen = %q
auto_answer = true
`, filepath.Join(dir, "sb.log"), filepath.Join(dir, "history.db"), listen)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// startBenchSB starts the bare command and waits until it listens.
func startBenchSB(b *testing.B, args ...string) *sbProcess {
	b.Helper()
	p := startSB(b, args...)
	p.waitLine("waiting for calls", 10*time.Second)
	return p
}

func stopBench(p *sbProcess) {
	p.interrupt()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// sippSetupTimes runs SIPp's built-in uac scenario and returns each call's
// INVITE→200 time in milliseconds, read from SIPp's message trace (microsecond
// timestamps; its own response-time statistics only resolve whole milliseconds).
func sippSetupTimes(b *testing.B, target string) []float64 {
	b.Helper()
	res, err := testpeer.RunSIPp(b, ctxTimeout(b, 2*time.Minute), "-sn", "uac", target, "-s", "1002",
		"-m", strconv.Itoa(setupCalls), "-r", "20", "-d", "50", "-trace_msg", "-timeout", "60s")
	if err != nil || res.ExitCode != 0 {
		b.Fatalf("SIPp against %s: exit %d, %v\n%s", target, res.ExitCode, err, res.Stderr)
	}
	logs, err := filepath.Glob(filepath.Join(res.Dir, "*_messages.log"))
	if err != nil || len(logs) == 0 {
		b.Fatalf("no SIPp message trace in %s", res.Dir)
	}
	f, err := os.Open(logs[0])
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	times, err := inviteToOK(f)
	if err != nil || len(times) == 0 {
		b.Fatalf("SIPp message trace: %d calls, %v", len(times), err)
	}
	return times
}

// inviteToOK pairs each call's INVITE (sent) with its 200 OK (received).
func inviteToOK(r io.Reader) ([]float64, error) {
	const stamp = "2006-01-02 15:04:05.000000"
	sent := map[string]time.Time{}
	var out []float64
	var at time.Time
	var first, callID string
	var isInvite bool
	flush := func() {
		switch {
		case strings.HasPrefix(first, "INVITE "):
			sent[callID] = at
		case strings.HasPrefix(first, "SIP/2.0 200") && isInvite:
			if t0, ok := sent[callID]; ok {
				out = append(out, float64(at.Sub(t0).Microseconds())/1000)
				delete(sent, callID)
			}
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "-----") && len(line) > len(stamp):
			flush()
			t, err := time.Parse(stamp, line[len(line)-len(stamp):])
			if err != nil {
				return nil, fmt.Errorf("trace timestamp %q: %w", line, err)
			}
			at, first, callID, isInvite = t, "", "", false
		case first == "" && (strings.HasPrefix(line, "INVITE ") || strings.HasPrefix(line, "SIP/2.0 ")):
			first = line
		case strings.HasPrefix(line, "Call-ID:"):
			callID = strings.TrimSpace(strings.TrimPrefix(line, "Call-ID:"))
		case strings.HasPrefix(line, "CSeq:"):
			isInvite = strings.HasSuffix(strings.TrimSpace(line), "INVITE")
		}
	}
	flush()
	return out, sc.Err()
}

// rssDuringCall holds one call up for two seconds and samples the callee's RSS.
func rssDuringCall(b *testing.B, target string, pid int) float64 {
	b.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = testpeer.RunSIPp(b, ctxTimeout(b, time.Minute), "-sn", "uac", target, "-s", "1002",
			"-m", "1", "-d", "3000", "-timeout", "30s")
	}()
	time.Sleep(1500 * time.Millisecond)
	mb := rssMB(b, pid)
	<-done
	return mb
}

func rssMB(b *testing.B, pid int) float64 { return procStatusMB(b, pid, "VmRSS:") }

// anonMB is the private, anonymous part of the resident memory.
func anonMB(b *testing.B, pid int) float64 { return procStatusMB(b, pid, "RssAnon:") }

func procStatusMB(b *testing.B, pid int, field string) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field) {
			fields := strings.Fields(line)
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s for pid %d", field, pid)
	return 0
}

func percentile(v []float64, p int) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func TestInviteToOKPairsEachCall(t *testing.T) {
	trace := `----------------------------------------------- 2026-11-23 09:50:12.847254
UDP message sent (500 bytes):

INVITE sip:1002@127.0.0.1:5080 SIP/2.0
Call-ID: 1-1@127.0.0.1
CSeq: 1 INVITE

----------------------------------------------- 2026-11-23 09:50:12.848822
UDP message received [332] bytes :

SIP/2.0 180 Ringing
Call-ID: 1-1@127.0.0.1
CSeq: 1 INVITE

----------------------------------------------- 2026-11-23 09:50:12.850836
UDP message received [537] bytes :

SIP/2.0 200 OK
Call-ID: 1-1@127.0.0.1
CSeq: 1 INVITE

----------------------------------------------- 2026-11-23 09:50:12.900000
UDP message received [200] bytes :

SIP/2.0 200 OK
Call-ID: 1-1@127.0.0.1
CSeq: 2 BYE
`
	got, err := inviteToOK(strings.NewReader(trace))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] < 3.58 || got[0] > 3.59 {
		t.Errorf("setup times %v, want one of 3.582 ms", got)
	}
}
