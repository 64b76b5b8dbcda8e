package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// cpuCallSeconds is how long the measured call talks: long enough that a
// process's CPU ticks (10 ms each) give a figure to two significant digits.
const cpuCallSeconds = 20

// BenchmarkCallCPU: baresip calls an auto-answering switchboard; both send a
// tone and record what they receive. The CPU time each process spends during
// the same call is scaled to one call-minute, with the RSS of each in the call.
func BenchmarkCallCPU(b *testing.B) {
	requireBenchPeers(b, "baresip")
	for _, codec := range []string{"PCMU", "opus"} {
		b.Run(codec, func(b *testing.B) {
			if codec == "opus" && !audio.OpusAvailable() {
				b.Skip("built without Opus")
			}
			for i := 0; i < b.N; i++ {
				benchCallCPU(b, codec)
			}
		})
	}
}

func benchCallCPU(b *testing.B, codec string) {
	dir := b.TempDir()
	tone := filepath.Join(dir, "tone.wav")
	if err := testpeer.WriteToneWAV(tone, 440, 2*cpuCallSeconds*time.Second); err != nil {
		b.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
	audioCfg := fmt.Sprintf("[audio]\nbackend = \"file\"\ncodecs = [%q]\nfile_input = %q\nfile_output = %q\n",
		codec, tone, filepath.Join(dir, "received.wav"))
	sb := startBenchSB(b, "--config", benchConfigWith(b, listen, audioCfg))
	defer stopBench(sb)
	peer := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1001", ToneHz: 1000, Codecs: []string{codec}})
	defer peer.Stop()

	if err := peer.Dial("sip:1002@" + listen); err != nil {
		b.Fatal(err)
	}
	peer.WaitEvent(b, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(time.Second) // both sides settle into steady state
	pids := []int{sb.cmd.Process.Pid, peer.PID()}
	before := []float64{cpuSeconds(b, pids[0]), cpuSeconds(b, pids[1])}
	time.Sleep(cpuCallSeconds * time.Second / 2)
	rss := []float64{rssMB(b, pids[0]), rssMB(b, pids[1])}
	time.Sleep(cpuCallSeconds * time.Second / 2)
	after := []float64{cpuSeconds(b, pids[0]), cpuSeconds(b, pids[1])}
	_ = peer.Hangup()

	perMinute := func(i int) float64 { return (after[i] - before[i]) * 1000 * 60 / cpuCallSeconds }
	ours, theirs := perMinute(0), perMinute(1)
	b.ReportMetric(ours, "switchboard-cpu-ms/call-min")
	b.ReportMetric(theirs, "baresip-cpu-ms/call-min")
	if theirs > 0 {
		b.ReportMetric(ours/theirs, "cpu-ratio")
	}
	b.ReportMetric(rss[0], "switchboard-call-MB")
	b.ReportMetric(rss[1], "baresip-call-MB")
	b.Logf("%s call: CPU per call-minute switchboard %.0f ms (%.2f%% of a core), baresip %.0f ms (%.2f%%); RSS switchboard %.1f MB, baresip %.1f MB",
		codec, ours, ours/600, theirs, theirs/600, rss[0], rss[1])
}

// benchConfigWith is benchConfig plus extra TOML (an [audio] table).
func benchConfigWith(b *testing.B, listen, extra string) string {
	b.Helper()
	path := benchConfig(b, listen)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	// After the top-level keys, before the accounts.
	cfg := strings.Replace(string(data), "[[accounts]]", extra+"\n[[accounts]]", 1)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// cpuSeconds is the user+system CPU time a process has used, from /proc.
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name may hold spaces; fields are counted after its ')'.
	rest := string(data)[strings.LastIndexByte(string(data), ')')+2:]
	fields := strings.Fields(rest)
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	const clockTicks = 100 // USER_HZ on Linux
	return (utime + stime) / clockTicks
}
