package portaudio

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// toneOK measures s and says whether it is freq Hz at about wantDB.
func toneOK(s []int16, rate int, freq, wantDB float64) (ok bool, got, level float64) {
	got = audio.DominantFrequency(s, rate)
	level = audio.DB(audio.RMS(s))
	return math.Abs(got-freq) <= 0.02*freq && math.Abs(level-wantDB) <= 1.5, got, level
}

// toneDB is the RMS level of the half-scale tones used here.
var toneDB = audio.DB(0.5 / math.Sqrt2)

// speakerTone records source (a monitor) until it carries freq Hz at the
// tone level. A few attempts, because on a loaded two-core machine under
// the race detector a device can underrun for a moment.
func speakerTone(t *testing.T, p *testpeer.Pulse, source, what string, freq float64) {
	t.Helper()
	var got, level float64
	for attempt := 1; attempt <= 3; attempt++ {
		rec := p.Record(t, source, 800*time.Millisecond)
		var ok bool
		if ok, got, level = toneOK(rec[len(rec)/4:], testpeer.PulseRate, freq, toneDB); ok {
			t.Logf("%s: %.1f Hz at %.2f dBFS (attempt %d)", what, got, level, attempt)
			return
		}
		t.Logf("%s: attempt %d heard %.1f Hz at %.2f dBFS", what, attempt, got, level)
	}
	t.Errorf("%s: %.1f Hz at %.2f dBFS, want %g Hz ±2%% at %.1f ±1.5 dB", what, got, level, freq, toneDB)
}

// captureTone reads src at real-time pace until the last 600 ms carry freq
// Hz at the tone level, for up to 4 s.
func captureTone(t *testing.T, src audio.Source, rate int, what string, freq float64) {
	t.Helper()
	frame := make([]int16, rate/50)
	window := rate * 6 / 10
	var got []int16
	var f, level float64
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for start := time.Now(); time.Since(start) < 4*time.Second; <-ticker.C {
		if err := src.ReadFrame(frame); err != nil {
			t.Fatalf("%s: ReadFrame: %v", what, err)
		}
		got = append(got, frame...)
		if len(got) < window || len(got)%(rate/10) != 0 {
			continue
		}
		var ok bool
		if ok, f, level = toneOK(got[len(got)-window:], rate, freq, toneDB); ok {
			t.Logf("%s: %.1f Hz at %.2f dBFS after %v", what, f, level, time.Since(start).Round(10*time.Millisecond))
			return
		}
	}
	t.Errorf("%s: %.1f Hz at %.2f dBFS, want %g Hz ±2%% at %.1f ±1.5 dB", what, f, level, freq, toneDB)
}

func TestPlaybackToneReachesSpeaker(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			checkGoroutines(t)
			p := startPulse(t)
			h := openHost(t, nil)
			src := newCountingTone(1000, rate)
			pb, err := h.OpenPlayback(find(t, h, "default", true), rate, 0, src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer pb.Close()
			speakerTone(t, p, "spk.monitor", "PortAudio → spk.monitor", 1000)
			st := pb.Stats()
			t.Logf("stats %+v, source reads %d", st, src.reads.Load())
			if st.Device == "" {
				t.Error("Stats.Device empty while playing")
			}
		})
	}
}

func TestCaptureToneFromMic(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	h := openHost(t, nil)
	p.StartTone(t, "mic", 700)
	c, err := h.OpenCapture(find(t, h, "default", false), 8000, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	captureTone(t, c, 8000, "mic → OpenCapture at 8 kHz", 700)
	t.Logf("stats %+v", c.Stats())
}

// TestCaptureForcedRate opens the microphone at a forced device rate that
// differs from the device default.
func TestCaptureForcedRate(t *testing.T) {
	checkGoroutines(t)
	p := startPulse(t)
	h := openHost(t, nil)
	p.StartTone(t, "mic", 1000)
	c, err := h.OpenCapture(find(t, h, "default", false), 16000, 96000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	captureTone(t, c, 16000, "mic at 96 kHz → 16 kHz", 1000)
}

// TestCaptureDoesNotBlock checks the ReadFrame contract with nobody
// playing into the microphone: frames of silence, each within about a
// frame's time, and a bounded backlog after a pause in reading.
func TestCaptureDoesNotBlock(t *testing.T) {
	checkGoroutines(t)
	startPulse(t)
	h := openHost(t, nil)
	c, err := h.OpenCapture(find(t, h, "default", false), 8000, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(500 * time.Millisecond) // the ring fills up meanwhile
	frame := make([]int16, 160)
	for i := range 50 {
		start := time.Now()
		if err := c.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
		// ReadFrame waits one frame at most; a read that blocked on the
		// device would take for ever. The bound only has to tell the two
		// apart on a loaded CI machine under -race.
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("ReadFrame %d took %v", i, took)
		}
	}
	st := c.Stats()
	t.Logf("stats %+v", st)
	if st.Overruns == 0 {
		t.Error("the 500 ms backlog was not trimmed")
	}
	if backlog := c.ring.available(); backlog > 8000*captureTrimAbove/1000 {
		t.Errorf("backlog %d samples after trimming", backlog)
	}
}
