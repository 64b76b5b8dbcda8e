//go:build linux

package portaudio

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// allZero reports whether s is digital silence.
func allZero(s []int16) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

// TestDeviceLossKillRestart kills the sound server mid-call: both streams
// must report "lost", the capture must keep returning (silent) frames on
// time and the playback must keep draining its source; once the server is
// back, both report "restored" and carry audio again.
func TestDeviceLossKillRestart(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	h := openHost(t, nil)
	playEvents, capEvents := newEvents(), newEvents()
	src := newCountingTone(1000, 8000)
	pb, err := h.OpenPlayback(find(t, h, "default", true), 8000, 0, src, playEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	c, err := h.OpenCapture(find(t, h, "default", false), 8000, 0, capEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readFor(t, c, 8000, 300*time.Millisecond)

	killed := time.Now()
	p.Kill()
	playEvents.wait(t, "lost", 5*time.Second)
	capEvents.wait(t, "lost", 5*time.Second)
	t.Logf("both streams lost %v after the kill", time.Since(killed))

	checkSilentPacing(t, c, src)
	if st := pb.Stats(); st.Device != "" || st.Reopens == 0 {
		t.Errorf("playback stats while lost: %+v", st)
	}

	restarted := time.Now()
	p.Restart()
	playEvents.wait(t, "restored", 5*time.Second)
	capEvents.wait(t, "restored", 5*time.Second)
	t.Logf("both streams restored %v after the restart", time.Since(restarted))

	p.StartTone(t, "mic", 700)
	captureTone(t, c, 8000, "capture after restore", 700)
	speakerTone(t, p, "spk.monitor", "playback after restore", 1000)
}

// checkSilentPacing reads the capture for 2 s while no device works: the
// frames must be silent and the playback source must still be drained at
// about real-time pace. Half the nominal rate is accepted, as other jobs
// may load the machine.
func checkSilentPacing(t *testing.T, c *Capture, src *countingSource) {
	t.Helper()
	before, start := src.reads.Load(), time.Now()
	silence := readFor(t, c, 8000, 2*time.Second)
	pulled := src.reads.Load() - before
	nominal := int64(time.Since(start) / (20 * time.Millisecond))
	t.Logf("while lost: %d capture samples, playback source read %d times in %v", len(silence), pulled, time.Since(start))
	if !allZero(silence) || len(silence) < 8000 {
		t.Errorf("capture while lost: %d samples, silent %v; want about 16000 silent samples", len(silence), allZero(silence))
	}
	if pulled < nominal/2 || pulled > nominal+10 {
		t.Errorf("playback source read %d times in %v while lost, want about %d (real-time pace)", pulled, time.Since(start), nominal)
	}
}

// TestDeviceFallbackAndRestore unplugs a "USB headset" (an ALSA device on a
// second PulseAudio server): both streams move to the default device and
// report "fallback", then return to the headset when it is back.
func TestDeviceFallbackAndRestore(t *testing.T) {
	checkGoroutines(t)
	laptop := startPulse(t)
	headset := testpeer.StartPulse(t)
	laptop.AddALSADevice("usb-headset", headset)
	laptop.Setenv(t)
	h := openHost(t, nil)

	laptop.StartTone(t, "mic", 500)
	stopHeadsetMic := headset.StartTone(t, "mic", 700)
	playEvents, capEvents := newEvents(), newEvents()
	pb, err := h.OpenPlayback(find(t, h, "headset", true), 8000, 0, newCountingTone(1000, 8000), playEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	c, err := h.OpenCapture(find(t, h, "headset", false), 8000, 0, capEvents.options())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	captureTone(t, c, 8000, "headset mic", 700)
	speakerTone(t, headset, "spk.monitor", "headset speaker", 1000)

	stopHeadsetMic()
	headset.Kill()
	ev := playEvents.wait(t, "fallback", 5*time.Second)
	capEvents.wait(t, "fallback", 5*time.Second)
	if ev.Device != "usb-headset" || !strings.Contains(ev.Reason, "default") {
		t.Errorf("fallback event %+v: want Device usb-headset and the fallback named", ev)
	}
	if st := pb.Stats(); st.Device != "default" {
		t.Errorf("playback on %q after fallback, want default", st.Device)
	}
	captureTone(t, c, 8000, "laptop mic after fallback", 500)
	speakerTone(t, laptop, "spk.monitor", "laptop speaker after fallback", 1000)

	headset.Restart()
	headset.StartTone(t, "mic", 700)
	playEvents.wait(t, "restored", 5*time.Second)
	capEvents.wait(t, "restored", 5*time.Second)
	captureTone(t, c, 8000, "headset mic after restore", 700)
	speakerTone(t, headset, "spk.monitor", "headset speaker after restore", 1000)
}

// TestUnloadedSinkIsRescuedByPulse covers case (a): the sink a stream plays
// into disappears. A stream that follows the default sink is moved by
// PulseAudio to the new default and PortAudio notices nothing; should the
// stream die instead, PortAudio's thread exits and the watchdog reopens the
// default device (which now means the new sink). Either way the call's
// audio must go on, on the new default sink.
func TestUnloadedSinkIsRescuedByPulse(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	// Like a desktop session, without PULSE_SINK/PULSE_SOURCE: with them
	// every new stream asks for "spk" by name, and once spk is gone each
	// reopen fails ("Unable to create stream: No such entity").
	unsetenv(t, "PULSE_SINK")
	unsetenv(t, "PULSE_SOURCE")
	h := openHost(t, nil)
	ev := newEvents()
	pb, err := h.OpenPlayback(find(t, h, "default", true), 8000, 0, newCountingTone(1000, 8000), ev.options())
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	speakerTone(t, p, "spk.monitor", "before the unload", 1000)
	p.UnloadSink("spk")
	time.Sleep(1500 * time.Millisecond) // a lost stream is restored within restoreInterval
	st := pb.Stats()
	t.Logf("after unloading spk: events %+v, stats %+v", ev.all(), st)
	if st.Device == "" {
		t.Fatalf("playback still on silence after unloading spk: %+v", ev.all())
	}
	sink := ""
	for _, line := range strings.Split(p.Pactl("info"), "\n") {
		if v, ok := strings.CutPrefix(line, "Default Sink: "); ok {
			sink = strings.TrimSpace(v)
		}
	}
	speakerTone(t, p, sink+".monitor", "playback moved to "+sink, 1000)
}

// TestNativeNoiseStaysOffStderr runs init, device enumeration, streams and
// a server crash (PortAudio's ALSA thread prints "Expression ... failed"
// when it dies) with fd 2 pointed at a file: nothing may land there, and
// the lines must show up in the log instead.
func TestNativeNoiseStaysOffStderr(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	stderr := captureFD2(t)
	logs := &recordHandler{}
	h := openHost(t, slogNew(logs))
	if _, err := h.Devices(); err != nil {
		t.Fatal(err)
	}
	ev := newEvents()
	pb, err := h.OpenPlayback(find(t, h, "default", true), 8000, 0, newCountingTone(440, 8000), ev.options())
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.OpenCapture(find(t, h, "default", false), 8000, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	readFor(t, c, 8000, 200*time.Millisecond)
	p.Kill()
	ev.wait(t, "lost", 5*time.Second)
	time.Sleep(700 * time.Millisecond) // a few failed restore attempts
	p.Restart()
	ev.wait(t, "restored", 5*time.Second)
	pb.Close()
	c.Close()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	out := stderr()
	for _, noise := range []string{"ALSA lib", "jack", "Expression", "PulseAudio"} {
		if strings.Contains(out, noise) {
			t.Errorf("%q reached stderr:\n%s", noise, out)
		}
	}
	logged := logs.text()
	for _, want := range []string{"ALSA lib", "Expression"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q lines:\n%s", want, logged)
		}
	}
	t.Logf("stderr during the test: %d bytes; log: %d lines", len(out), strings.Count(logged, "\n")+1)
}

// unsetenv removes key for the rest of the test (t.Setenv can only set).
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // registers the restore
	os.Unsetenv(key)
}

// captureFD2 points fd 2 at a file until the returned function is called,
// which restores it and returns what was written.
func captureFD2(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := dupFD2(t, f)
	done := false
	restore := func() string {
		if !done {
			done = true
			restoreFD2(saved)
		}
		data, _ := os.ReadFile(f.Name())
		return string(data)
	}
	t.Cleanup(func() { restore() })
	return restore
}
