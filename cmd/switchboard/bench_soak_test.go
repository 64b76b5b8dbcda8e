package main

// BenchmarkSoak (make soak): one `switchboard serve` answers SIPp's calls
// for a few minutes — answer, 3 s of audio, hang up, again — with history,
// CRM and a webhook at work as in production. Memory, goroutines and open
// files (ctl status) are printed at the start, every 30 s and at the end;
// after the calls drain they must be back where they started: growth there
// is a leak. Nothing is asserted about speed.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/control"
	"github.com/switchboard/switchboard/internal/testpeer"
)

const (
	soakDurationEnv = "SWITCHBOARD_SOAK_DURATION" // make soak sets it from SOAK_DURATION
	soakTalk        = 3 * time.Second             // audio per call
	// serve is one operator's phone: answering a second call holds the
	// first (call waiting, a re-INVITE SIPp's scenario does not expect),
	// so calls come one after the other, each as soon as the last ended.
	soakConcurrent = 1
	soakRate       = 5                               // calls per second at most; the limit above paces them
	soakPerCall    = soakTalk + 500*time.Millisecond // talk plus set-up and tear-down, to size the run
	soakMaxCalls   = 4
	soakWarmUp     = 20 // calls before the start figures: pools, caches and idle connections filled
	soakSample     = 30 * time.Second
	// A leak grows with the calls (hundreds of them); these margins only
	// absorb what comes and goes on its own (a ctl connection, a timer).
	soakGoroutineMargin = 10
	soakFDMargin        = 5
	soakMaxFailedShare  = 0.03
	soakPCAP            = "/usr/share/sip-tester/g711a.pcap" // 7 s of PCMA, shipped with SIPp
)

// soakCallXML calls, plays PCMA from the pcap once answered and hangs up
// after soakTalk. SIPp's built-in uac sends no audio.
func soakCallXML(pcap string) string {
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="soak call">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Soak" <sip:+44207946[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:soak@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000

]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="183" optional="true" />
  <recv response="200" rtd="true" />
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec play_pcap_audio="` + pcap + `" /></action></nop>
  <pause milliseconds="` + strconv.Itoa(int(soakTalk/time.Millisecond)) + `" />
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true" />
</scenario>
`
}

// soakFigures is one sample of ctl status.
type soakFigures struct {
	at       time.Duration
	calls    int
	process  control.ProcessStatus
	webhooks control.WebhookStatus
}

func BenchmarkSoak(b *testing.B) {
	duration := soakDuration(b)
	requireBenchPeers(b, "sipp")
	if _, err := os.Stat(soakPCAP); err != nil {
		b.Fatalf("SIPp's audio %s: %v (package sip-tester)", soakPCAP, err)
	}
	for i := 0; i < b.N; i++ {
		runSoak(b, duration)
	}
}

// soakDuration is how long the calls go on; unset, the benchmark is
// skipped so that make bench stays short.
func soakDuration(b *testing.B) time.Duration {
	value := os.Getenv(soakDurationEnv)
	if value == "" {
		b.Skipf("a soak takes minutes: run make soak (or set %s, e.g. 3m)", soakDurationEnv)
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 10*time.Second {
		b.Fatalf("%s=%q: want a duration of at least 10s", soakDurationEnv, value)
	}
	return d
}

func runSoak(b *testing.B, duration time.Duration) {
	hooks := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer hooks.Close()
	listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
	env := []string{"XDG_RUNTIME_DIR=" + runtimeDir(b)} // serve and ctl share the socket
	cfg := soakConfig(b, listen, hooks.URL)
	sb := startSBEnv(b, env, "--config", cfg, "serve")
	sb.waitLine("waiting for calls", 15*time.Second)
	defer stopBench(sb)
	scenario := testpeer.WriteSIPpScenario(b, "soak.xml", soakCallXML(soakPCAP))

	started := time.Now()
	sample := func() soakFigures { return soakStatus(b, env, cfg, time.Since(started)) }
	warm, err := runSoakCalls(b, scenario, listen, soakWarmUp)
	if err != nil {
		b.Fatal(err)
	}
	waitSoakDrained(b, env, cfg)
	samples := []soakFigures{sample()}

	total := int(duration / soakPerCall)
	type result struct {
		counts [2]int
		err    error
	}
	done := make(chan result, 1)
	go func() { // SIPp runs while this goroutine samples; only it may fail b
		counts, err := runSoakCalls(b, scenario, listen, total)
		done <- result{counts, err}
	}()
	ticker := time.NewTicker(soakSample)
	defer ticker.Stop()
	var calls result
	for running := true; running; {
		select {
		case calls = <-done:
			running = false
		case <-ticker.C:
			samples = append(samples, sample())
		}
	}
	if calls.err != nil {
		b.Fatal(calls.err)
	}
	counts := calls.counts
	waitSoakDrained(b, env, cfg)
	first, last := samples[0], sample()
	// What ends with a call (RTP readers, timers, idle connections) may take
	// a moment after the last BYE: give it up to 10 s before calling it a leak.
	for range 20 {
		if !soakGrew(first, last) {
			break
		}
		time.Sleep(500 * time.Millisecond)
		last = sample()
	}
	samples = append(samples, last)
	printSoak(b, samples)

	ok, failed := counts[0], counts[1]
	b.ReportMetric(float64(first.process.RSSBytes)/(1<<20), "rss_start_MB")
	b.ReportMetric(float64(last.process.RSSBytes)/(1<<20), "rss_end_MB")
	b.ReportMetric(float64(first.process.Goroutines), "goroutines_start")
	b.ReportMetric(float64(last.process.Goroutines), "goroutines_end")
	b.ReportMetric(float64(first.process.OpenFDs), "fds_start")
	b.ReportMetric(float64(last.process.OpenFDs), "fds_end")
	b.ReportMetric(float64(ok), "calls_ok")
	b.ReportMetric(float64(failed), "calls_failed")
	b.Logf("warm-up %d calls ok, %d failed; soak %s: %d calls ok, %d failed; webhooks %+v",
		warm[0], warm[1], duration, ok, failed, last.webhooks)

	if ok+failed == 0 || float64(failed) > soakMaxFailedShare*float64(ok+failed) {
		b.Errorf("%d of %d calls failed (at most %.0f%% may)", failed, ok+failed, soakMaxFailedShare*100)
	}
	if soakGrew(first, last) {
		b.Errorf("after the calls drained: goroutines %d → %d (margin %d), open files %d → %d (margin %d): a leak",
			first.process.Goroutines, last.process.Goroutines, soakGoroutineMargin,
			first.process.OpenFDs, last.process.OpenFDs, soakFDMargin)
	}
	if w := last.webhooks; w.Queued != 0 || w.Dropped != 0 || w.Lost != 0 || w.Delivered == 0 {
		b.Errorf("webhook outbox at the end %+v: want every event delivered", w)
	}
}

func soakGrew(first, last soakFigures) bool {
	return last.process.Goroutines > first.process.Goroutines+soakGoroutineMargin ||
		last.process.OpenFDs > first.process.OpenFDs+soakFDMargin
}

// soakConfig: one auto-answering account on the null audio backend, a
// webhook for every call event, and room for SIPp's concurrent calls.
func soakConfig(b *testing.B, listen, hookURL string) string {
	dir := b.TempDir()
	cfg := fmt.Sprintf(`log_level = "warn"
log_file = %q
database = %q
[audio]
backend = "null"
codecs = ["PCMA", "PCMU"]
[calls]
max_calls = %d
[[webhooks]]
url = %q
events = ["call.*"]
[[accounts]]
name = "soak"
user = "1002"
domain = "127.0.0.1"
listen = %q
auto_answer = true
`, filepath.Join(dir, "sb.log"), filepath.Join(dir, "history.db"), soakMaxCalls, hookURL, listen)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// runSoakCalls places n calls at soakRate and returns how many succeeded
// and failed, from SIPp's statistics. It does not fail b: it runs on a
// goroutine of its own.
func runSoakCalls(b *testing.B, scenario, target string, n int) ([2]int, error) {
	timeout := time.Duration(n)*soakPerCall*2 + time.Minute // bounded, with room for a loaded machine
	res, err := testpeer.RunSIPp(b, ctxTimeout(b, timeout+time.Minute), "-sf", scenario, target, "-s", "1002",
		"-m", strconv.Itoa(n), "-r", strconv.Itoa(soakRate), "-l", strconv.Itoa(soakConcurrent),
		"-trace_stat", "-fd", "5", "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())))
	if err != nil {
		return [2]int{}, fmt.Errorf("SIPp: %w\n%s", err, res.Stderr)
	}
	ok, failed, err := sippCallCounts(res.StatsCSV)
	if err != nil {
		return [2]int{}, fmt.Errorf("SIPp exit %d: %w\n%s", res.ExitCode, err, res.Stderr)
	}
	return [2]int{ok, failed}, nil
}

// sippCallCounts reads the cumulative successful and failed calls from
// the last row of SIPp's -trace_stat file.
func sippCallCounts(path string) (ok, failed int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("SIPp statistics: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 2 {
		return 0, 0, fmt.Errorf("SIPp statistics %s: no data row", path)
	}
	header, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	column := func(name string) (int, error) {
		for i, h := range header {
			if h == name && i < len(last) {
				return strconv.Atoi(strings.TrimSpace(last[i]))
			}
		}
		return 0, fmt.Errorf("SIPp statistics %s: no column %s", path, name)
	}
	if ok, err = column("SuccessfulCall(C)"); err != nil {
		return 0, 0, err
	}
	failed, err = column("FailedCall(C)")
	return ok, failed, err
}

// soakStatus runs `switchboard ctl status --json`, as an operator would.
func soakStatus(b *testing.B, env []string, cfg string, at time.Duration) soakFigures {
	p := startSBEnv(b, env, "--config", cfg, "ctl", "status", "--json")
	if code := p.wait(20 * time.Second); code != exitOK {
		b.Fatalf("ctl status: exit %d: %s", code, p.errText())
	}
	var reply struct {
		OK   bool           `json:"ok"`
		Data control.Status `json:"data"`
	}
	out := p.output()
	if len(out) != 1 || json.Unmarshal([]byte(out[0]), &reply) != nil || !reply.OK || reply.Data.Webhooks == nil {
		b.Fatalf("ctl status --json: %q, want one reply with process and webhook figures", out)
	}
	return soakFigures{at: at, calls: reply.Data.Calls, process: reply.Data.Process, webhooks: *reply.Data.Webhooks}
}

// waitSoakDrained waits (bounded) until no call is in progress.
func waitSoakDrained(b *testing.B, env []string, cfg string) {
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if soakStatus(b, env, cfg, 0).calls == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("calls still in progress 30 s after SIPp finished")
		}
	}
}

func printSoak(b *testing.B, samples []soakFigures) {
	var t strings.Builder
	fmt.Fprintf(&t, "%8s %5s %10s %10s %10s %5s %7s %9s\n", "t", "calls", "rss MB", "heap MB", "goroutines", "fds", "queued", "delivered")
	for _, s := range samples {
		fmt.Fprintf(&t, "%8s %5d %10.1f %10.1f %10d %5d %7d %9d\n", s.at.Round(time.Second), s.calls,
			float64(s.process.RSSBytes)/(1<<20), float64(s.process.HeapInUseBytes)/(1<<20),
			s.process.Goroutines, s.process.OpenFDs, s.webhooks.Queued, s.webhooks.Delivered)
	}
	b.Logf("soak figures (ctl status):\n%s", t.String())
}
