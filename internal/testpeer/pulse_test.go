package testpeer

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// alsaCommand runs an alsa-utils tool with the server's environment.
func alsaCommand(p *Pulse, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), p.Env()...)
	return cmd
}

// checkTone asserts that the middle of s (at PulseRate) is freq Hz at a
// clearly audible level.
func checkTone(t *testing.T, what string, s []int16, freq float64) {
	t.Helper()
	if len(s) < PulseRate/2 {
		t.Fatalf("%s: only %d samples", what, len(s))
	}
	mid := s[len(s)/4 : len(s)*3/4]
	got := audio.DominantFrequency(mid, PulseRate)
	level := audio.DB(audio.RMS(mid))
	t.Logf("%s: %.1f Hz at %.1f dBFS", what, got, level)
	if math.Abs(got-freq) > freq*0.02 || level < -20 {
		t.Errorf("%s: %.1f Hz at %.1f dBFS, want %g Hz ±2%% above -20 dBFS", what, got, level, freq)
	}
}

func TestPulseALSADefaultReachesSpeakerSink(t *testing.T) {
	Require(t, "aplay")
	p := StartPulse(t)
	tone := audio.Tone(1000, PulseRate, 1500*time.Millisecond, 0.5)
	var pcm bytes.Buffer
	_ = binary.Write(&pcm, binary.LittleEndian, tone)
	play := alsaCommand(p, "aplay", "-q", "-D", "default", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "1")
	play.Stdin = &pcm
	done := make(chan []byte, 1)
	go func() {
		out, err := play.CombinedOutput()
		if err != nil {
			out = append(out, []byte("; "+err.Error())...)
		}
		done <- out
	}()
	rec := p.Record(t, "spk.monitor", 1500*time.Millisecond)
	if out := <-done; len(out) > 0 {
		t.Fatalf("aplay: %s", out)
	}
	checkTone(t, "aplay -D default → spk.monitor", rec, 1000)
}

func TestPulseALSADefaultCapturesMicSink(t *testing.T) {
	Require(t, "arecord")
	p := StartPulse(t)
	stop := p.StartTone(t, "mic", 700)
	defer stop()
	rec := alsaCommand(p, "arecord", "-q", "-D", "default", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "1", "-d", "2")
	out, err := rec.Output()
	if err != nil {
		t.Fatalf("arecord: %v", err)
	}
	samples := make([]int16, len(out)/2)
	_ = binary.Read(bytes.NewReader(out), binary.LittleEndian, samples)
	checkTone(t, "mic → arecord -D default", samples, 700)
}

func TestPulsePlayToneAndRecord(t *testing.T) {
	p := StartPulse(t)
	played := make(chan error, 1)
	go func() { played <- p.playTone("spare", 440, 1200*time.Millisecond) }()
	rec := p.Record(t, "spare.monitor", time.Second)
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	checkTone(t, "PlayTone spare → spare.monitor", rec, 440)
	p.PlayTone(t, "spare", 440, 100*time.Millisecond) // the exported, blocking form
}

func TestPulseKillRestartUnload(t *testing.T) {
	p := StartPulse(t)
	first := p.PID()
	p.Kill()
	if groupAlive(first) {
		t.Fatalf("pulseaudio group %d alive after Kill", first)
	}
	if _, err := p.pactl("info"); err == nil {
		t.Fatal("pactl info succeeded with the daemon killed")
	}
	p.Restart()
	if p.PID() == first {
		t.Error("Restart kept the old pid")
	}
	if info := p.Pactl("info"); !strings.Contains(info, "Default Sink: spk") || !strings.Contains(info, "Default Source: mic.monitor") {
		t.Errorf("defaults after restart:\n%s", info)
	}
	p.UnloadSink("spare")
	if sinks := p.Pactl("list", "short", "sinks"); strings.Contains(sinks, "spare") {
		t.Errorf("spare still listed after UnloadSink:\n%s", sinks)
	}
	p.LoadSink("spare")
	if sinks := p.Pactl("list", "short", "sinks"); !strings.Contains(sinks, "spare") {
		t.Errorf("spare missing after LoadSink:\n%s", sinks)
	}
}

// TestPulseExtraALSADevice routes an extra ALSA PCM to a second server, the
// stand-in for a USB headset in the device-loss tests.
func TestPulseExtraALSADevice(t *testing.T) {
	Require(t, "aplay")
	p := StartPulse(t)
	headset := StartPulse(t)
	p.AddALSADevice("headset", headset)
	list, err := alsaCommand(p, "aplay", "-L").Output()
	if err != nil || !strings.Contains(string(list), "headset") {
		t.Fatalf("aplay -L does not list headset (%v):\n%s", err, list)
	}
	var pcm bytes.Buffer
	_ = binary.Write(&pcm, binary.LittleEndian, audio.Tone(440, PulseRate, 1500*time.Millisecond, 0.5))
	play := alsaCommand(p, "aplay", "-q", "-D", "headset", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "1")
	play.Stdin = &pcm
	if err := play.Start(); err != nil {
		t.Fatal(err)
	}
	rec := headset.Record(t, "spk.monitor", 1500*time.Millisecond)
	waitBounded(play, 5*time.Second)
	checkTone(t, "aplay -D headset → second server", rec, 440)
	if quiet := p.Record(t, "spk.monitor", 300*time.Millisecond); audio.RMS(quiet) != 0 {
		t.Errorf("the first server's speaker got audio meant for the headset")
	}
}

func TestPulseCleanupKillsDaemon(t *testing.T) {
	var pid int
	var dir string
	t.Run("pulse", func(t *testing.T) {
		p := StartPulse(t)
		pid, dir = p.PID(), p.Dir
		t.SkipNow()
	})
	if pid == 0 {
		t.Skip("pulseaudio not started")
	}
	if groupAlive(pid) {
		t.Errorf("pulseaudio group %d alive after cleanup", pid)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("runtime dir %s left behind (%v)", dir, err)
	}
}
