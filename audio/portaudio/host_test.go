package portaudio

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

func TestDevicesListsPulseAndMarksDefaults(t *testing.T) {
	checkGoroutines(t)
	startPulse(t)
	h := openHost(t, nil)
	devs, err := h.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var defIn, defOut int
	for _, d := range devs {
		t.Logf("%+v", d)
		if d.DefaultInput {
			defIn++
		}
		if d.DefaultOutput {
			defOut++
		}
		if d.HostAPI == "" || d.DefaultSampleRate <= 0 {
			t.Errorf("incomplete device %+v", d)
		}
	}
	if len(devs) == 0 || defIn != 1 || defOut != 1 {
		t.Fatalf("%d devices, %d default inputs, %d default outputs; want some, 1, 1", len(devs), defIn, defOut)
	}
}

func TestFind(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	headset := testpeer.StartPulse(t)
	p.AddALSADevice("usb-headset", headset)
	p.Setenv(t) // again: Env now carries the ALSA config
	h := openHost(t, nil)

	for _, output := range []bool{false, true} {
		for _, name := range []string{"", "default", "DEFAULT"} {
			d := find(t, h, name, output)
			if (output && !d.DefaultOutput) || (!output && !d.DefaultInput) {
				t.Errorf("Find(%q, %v) = %+v, not the default", name, output, d)
			}
		}
		if d := find(t, h, "HEADSET", output); d.Name != "usb-headset" {
			t.Errorf("substring HEADSET found %q", d.Name)
		}
		if d := find(t, h, "pulse", output); d.Name != "pulse" {
			t.Errorf("exact name pulse found %q", d.Name)
		}
		_, err := h.Find("no-such-card", output)
		if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), `"usb-headset"`) {
			t.Errorf("unknown device: error %v, want ErrNoDevice naming the candidates", err)
		}
		t.Logf("unknown device error: %v", err)
	}
}

// TestOpenWithoutSoundServer is the machine without a sound card: ALSA's
// default fails and no PulseAudio runs. Open must still work (the caller then
// falls back to no audio), quickly and without panicking.
func TestOpenWithoutSoundServer(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("PULSE_SERVER", "unix:"+filepath.Join(dir, "nothing-here"))
	t.Setenv("PULSE_CLIENTCONFIG", filepath.Join(dir, "client.conf"))
	if err := os.WriteFile(filepath.Join(dir, "client.conf"), []byte("autospawn = no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h := openHost(t, nil)
	devs, err := h.Devices()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("open took %v; devices: %+v", time.Since(start), devs)
	if len(devs) > 0 {
		t.Skip("this machine has a sound card after all")
	}
	if _, err := h.Find("default", true); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Find default: %v, want ErrNoDevice", err)
	}
	if _, err := h.OpenPlayback(Device{Name: "default"}, 8000, 0, newCountingTone(440, 8000), Options{}); err == nil {
		t.Error("OpenPlayback succeeded without devices")
	} else {
		t.Logf("OpenPlayback: %v", err)
	}
	if _, err := h.OpenCapture(Device{}, 8000, 0, Options{}); err == nil {
		t.Error("OpenCapture succeeded without devices")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestHostReferenceCounting(t *testing.T) {
	checkGoroutines(t)
	startPulse(t)
	a := openHost(t, nil)
	b := openHost(t, nil)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := a.Devices(); !errors.Is(err, ErrClosed) {
		t.Errorf("Devices after Close: %v, want ErrClosed", err)
	}
	// b still works, with PortAudio initialised underneath.
	pb, err := b.OpenPlayback(find(t, b, "default", true), 8000, 0, newCountingTone(440, 8000), Options{})
	if err != nil {
		t.Fatalf("OpenPlayback on the remaining host: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	// Closing the host closes its streams too.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Errorf("Playback.Close after Host.Close: %v", err)
	}
	if _, err := b.OpenCapture(Device{}, 8000, 0, Options{}); !errors.Is(err, ErrClosed) {
		t.Errorf("OpenCapture after Close: %v, want ErrClosed", err)
	}
}

// TestHungSoundServerDoesNotHang stops (SIGSTOP) the PulseAudio daemon: its
// socket accepts connections but nothing answers, and Pa_Initialize blocks
// inside libpulse. Open must give up with an error in bounded time and work
// again once the server is back.
func TestHungSoundServerDoesNotHang(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	old := callTimeout
	callTimeout = 2 * time.Second
	t.Cleanup(func() { callTimeout = old })
	if err := syscall.Kill(p.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(p.PID(), syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	start := time.Now()
	h, err := Open(slog.New(slog.DiscardHandler))
	took := time.Since(start)
	if err == nil {
		h.Close()
		t.Fatalf("Open succeeded against a stopped sound server (after %v)", took)
	}
	t.Logf("Open gave up after %v: %v", took, err)
	if !errors.Is(err, errHung) || took > 3*time.Second {
		t.Errorf("error %v after %v, want errHung within ~2s", err, took)
	}
	if _, err := Open(nil); !errors.Is(err, errHung) {
		t.Errorf("second Open while stuck: %v, want a fast errHung", err)
	}
	resume()
	deadline := time.Now().Add(10 * time.Second)
	for paStuck.Load() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	h = openHost(t, nil)
	if devs, _ := h.Devices(); len(devs) == 0 {
		t.Error("no devices after the server resumed")
	}
}
