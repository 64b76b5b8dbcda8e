package main

import (
	"fmt"
	"os"
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

// BenchmarkCallCPU: baresip calls an auto-answering switchboard. Both talk
// through the same virtual sound card (a PulseAudio null sink, a tone in the
// microphone), so each does a real phone's work: capture, resample, encode,
// decode, jitter buffer, playback. The CPU time each process spends during
// the same call is scaled to one call-minute, with the RSS of each in the call.
func BenchmarkCallCPU(b *testing.B) {
	requireBenchPeers(b, "baresip", "pulseaudio", "pacat")
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
	pulse := testpeer.StartPulse(b)
	pulse.StartTone(b, "mic", 440)
	listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
	audioCfg := fmt.Sprintf("[audio]\nbackend = \"portaudio\"\ncodecs = [%q]\n", codec)
	sb := startSBEnv(b, pulse.Env(), "--config", benchConfigWith(b, listen, audioCfg))
	sb.waitLine("waiting for calls", 10*time.Second)
	defer stopBench(sb)
	peer := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1001", Codecs: []string{codec},
		SoundCard: true, Env: pulse.Env()})
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
	if !strings.Contains(strings.Join(sb.output(), "\n"), "answered ("+codec) {
		b.Fatalf("the call was not answered with %s:\n%s", codec, strings.Join(sb.output(), "\n"))
	}

	perMinute := func(i int) float64 { return (after[i] - before[i]) * 1000 * 60 / cpuCallSeconds }
	ours, theirs := perMinute(0), perMinute(1)
	b.ReportMetric(ours, "switchboard-cpu-ms/call-min")
	b.ReportMetric(theirs, "baresip-cpu-ms/call-min")
	if theirs > 0 {
		b.ReportMetric(ours/theirs, "cpu-ratio")
	}
	b.ReportMetric(rss[0], "switchboard-call-MB")
	b.ReportMetric(rss[1], "baresip-call-MB")
	b.Logf("%s call through the sound card: CPU per call-minute switchboard %.0f ms (%.2f%% of a core), baresip %.0f ms (%.2f%%); RSS switchboard %.1f MB, baresip %.1f MB",
		codec, ours, ours/600, theirs, theirs/600, rss[0], rss[1])
}

// BenchmarkMouthToEar: two switchboards call each other through one virtual
// sound card. A click played into the caller's microphone crosses the call
// and comes out of the callee's speaker, which is wired back into that same
// microphone sink; the distance between the click and its first echo in one
// recording is the mouth-to-ear delay (capture, encode, network, jitter
// buffer, playback). The caller's input gain of -6 dB makes later echoes die out.
func BenchmarkMouthToEar(b *testing.B) {
	requireBenchPeers(b, "pulseaudio", "pacat", "baresip")
	// The caller captures the microphone and plays into a sink nobody hears;
	// the callee hears silence and plays into the microphone.
	callerRoute := []string{"PULSE_SINK=spare", "PULSE_SOURCE=mic.monitor"}
	calleeRoute := []string{"PULSE_SINK=mic", "PULSE_SOURCE=silence"}
	for i := 0; i < b.N; i++ {
		ours := mouthToEar(b, func(pulse *testpeer.Pulse) func() {
			calleeAddr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
			callerAddr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(b, "udp"))
			card := "[audio]\nbackend = \"portaudio\"\ncodecs = [\"PCMU\"]\n"
			callee := startSBEnv(b, append(pulse.Env(), calleeRoute...),
				"--config", benchConfigWith(b, calleeAddr, card), "answer", "--timeout", "60s")
			time.Sleep(500 * time.Millisecond)
			caller := startSBEnv(b, append(pulse.Env(), callerRoute...),
				"--config", benchConfigWith(b, callerAddr, card+"input_gain = -6\n"), "dial", "sip:1002@"+calleeAddr,
				"--hangup-after", "6s")
			caller.waitLine("answered", 15*time.Second)
			return func() { caller.wait(30 * time.Second); callee.wait(30 * time.Second) }
		})
		theirs := mouthToEar(b, func(pulse *testpeer.Pulse) func() {
			callee := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1002", AutoAnswer: true,
				SoundCard: true, Env: append(pulse.Env(), calleeRoute...)})
			caller := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1001",
				SoundCard: true, Env: append(pulse.Env(), callerRoute...)})
			if err := caller.Dial(fmt.Sprintf("sip:1002@127.0.0.1:%d", callee.SIPPort)); err != nil {
				b.Fatal(err)
			}
			caller.WaitEvent(b, "CALL_ESTABLISHED", 10*time.Second)
			return func() { caller.Stop(); callee.Stop() }
		})
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(ours), "switchboard-mouth-to-ear-ms")
		b.ReportMetric(ms(theirs), "baresip-mouth-to-ear-ms")
		b.ReportMetric(ms(ours)/ms(theirs), "ratio")
		b.Logf("mouth-to-ear through the virtual sound card, PCMU, loopback: switchboard %.1f ms (goal < 80 ms), baresip %.1f ms, ratio %.2f",
			ms(ours), ms(theirs), ms(ours)/ms(theirs))
	}
}

// mouthToEar sets up a call with call (which returns how to end it), plays
// a click into the microphone and measures how long it takes to come back.
func mouthToEar(b *testing.B, call func(*testpeer.Pulse) (end func())) time.Duration {
	pulse := testpeer.StartPulse(b)
	end := call(pulse)
	time.Sleep(1500 * time.Millisecond)
	recorded := make(chan []int16)
	go func() { recorded <- pulse.Record(b, "mic.monitor", 2500*time.Millisecond) }()
	time.Sleep(500 * time.Millisecond)
	pulse.PlayTone(b, "mic", 1000, 20*time.Millisecond)
	delay, err := clickEchoDelay(<-recorded, testpeer.PulseRate)
	end()
	if err != nil {
		b.Fatal(err)
	}
	return delay
}

// clickEchoDelay finds the click (the first burst over a fifth of the peak)
// and the start of the next burst after it has died away.
func clickEchoDelay(s []int16, rate int) (time.Duration, error) {
	peak := 0
	for _, v := range s {
		peak = max(peak, abs(int(v)))
	}
	thr := peak / 5
	if peak < 1000 {
		return 0, fmt.Errorf("no click recorded (peak %d)", peak)
	}
	first := -1
	for i, v := range s {
		if abs(int(v)) > thr {
			first = i
			break
		}
	}
	quiet := rate / 200 // 5 ms below the threshold ends the click
	end, run := -1, 0
	for i := first; i < len(s); i++ {
		if abs(int(s[i])) > thr {
			run = 0
			continue
		}
		if run++; run >= quiet {
			end = i
			break
		}
	}
	if end < 0 {
		return 0, fmt.Errorf("the click never ended")
	}
	for i := end; i < len(s); i++ {
		if abs(int(s[i])) > thr {
			return time.Duration(i-first) * time.Second / time.Duration(rate), nil
		}
	}
	return 0, fmt.Errorf("the click did not come back through the call")
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
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
