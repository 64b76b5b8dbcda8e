package audio

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

const (
	testRate  = 8000
	testFrame = 160 // 20 ms at 8 kHz
	frameTime = 20 * time.Millisecond
)

// jitter is a deterministic pseudo-random offset within ±7 ms, under half a
// 20 ms frame, like scheduling noise on a loaded machine.
func jitter(i int) time.Duration {
	return time.Duration((i*7919)%15-7) * time.Millisecond
}

type timedFrame struct {
	sent  bool
	at    time.Time
	index int
}

// callScript is a 3 s call: we send 440 Hz from t0 in 150 frames; the far end
// answers 100 ms later with 1000 Hz, 140 frames, of which 50..74 (500 ms)
// never arrive.
func callScript(t0 time.Time) []timedFrame {
	var events []timedFrame
	for i := range 150 {
		j := jitter(i)
		if i == 0 {
			j = 0 // the first frame defines the start
		}
		events = append(events, timedFrame{sent: true, at: t0.Add(time.Duration(i)*frameTime + j), index: i})
	}
	for i := range 140 {
		if i >= 50 && i < 75 {
			continue
		}
		at := t0.Add(100*time.Millisecond + time.Duration(i)*frameTime + jitter(i+1000))
		events = append(events, timedFrame{at: at, index: i})
	}
	slices.SortStableFunc(events, func(a, b timedFrame) int { return a.at.Compare(b.at) })
	return events
}

func TestRecorderAlignsBothSides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	sentTone := Tone(440, testRate, 3*time.Second, 0.5)
	recvTone := Tone(1000, testRate, 3*time.Second, 0.3)
	for _, ev := range callScript(time.Unix(1_700_000_000, 0)) {
		lo, hi := ev.index*testFrame, (ev.index+1)*testFrame
		if ev.sent {
			rec.WriteSent(sentTone[lo:hi], ev.at)
		} else {
			rec.WriteReceived(recvTone[lo:hi], ev.at)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	rate, channels, err := ReadWAVChannels(path)
	if err != nil {
		t.Fatal(err)
	}
	if rate != testRate || len(channels) != 2 {
		t.Fatalf("rate %d, %d channels", rate, len(channels))
	}
	left, right := channels[0], channels[1]
	// The sent side ends last (150 frames vs 100 ms + 140 frames).
	if want := 150 * testFrame; len(left) != want {
		t.Fatalf("recording has %d samples, want %d", len(left), want)
	}

	// Jitter under half a frame must neither open gaps nor overlap frames:
	// the sent side is the unbroken tone, sample for sample.
	if !slices.Equal(left[:len(sentTone)], sentTone) {
		t.Error("left channel is not exactly the sent tone")
	}
	if RMS(left[len(sentTone):]) != 0 {
		t.Error("left channel must be silent after we stopped sending")
	}

	// Right: 100 ms of silence, 50 frames, 500 ms gap, the rest.
	recvStart := 800
	gapStart, gapEnd := recvStart+50*testFrame, recvStart+75*testFrame
	if RMS(right[:recvStart]) != 0 {
		t.Error("right channel must be silent before the far end answered")
	}
	if !slices.Equal(right[recvStart:gapStart], recvTone[:50*testFrame]) {
		t.Error("first received stretch is misplaced")
	}
	if RMS(right[gapStart:gapEnd]) != 0 {
		t.Error("missing frames must be recorded as silence")
	}
	recvEnd := recvStart + 140*testFrame
	if !slices.Equal(right[gapEnd:recvEnd], recvTone[75*testFrame:140*testFrame]) {
		t.Error("received stretch after the gap is misplaced")
	}
	if RMS(right[recvEnd:]) != 0 {
		t.Error("right channel must be padded with silence to the end")
	}

	// The same facts through the analysis helpers other packages will use.
	for _, window := range [][2]int{{0, 4000}, {10000, 14000}, {20000, 23000}} {
		l := left[window[0]:window[1]]
		if f := DominantFrequency(l, rate); math.Abs(f-440) > 440*0.02 {
			t.Errorf("left %v: %.1f Hz, want 440", window, f)
		}
	}
	for _, window := range [][2]int{{1000, 8000}, {gapEnd, gapEnd + 4000}} {
		r := right[window[0]:window[1]]
		if f := DominantFrequency(r, rate); math.Abs(f-1000) > 1000*0.02 {
			t.Errorf("right %v: %.1f Hz, want 1000", window, f)
		}
		if level := DB(RMS(r)); math.Abs(level-DB(0.3/math.Sqrt2)) > 0.5 {
			t.Errorf("right %v: level %.1f dBFS", window, level)
		}
	}
	clip, err := ReadWAV(path)
	if err != nil || clip.Rate != testRate || len(clip.Samples) != len(left) {
		t.Fatalf("mono mixdown of the recording: %v", err)
	}
}

func TestRecorderExplicitStartAndZeroTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "start.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	rec.Start(t0)
	frame := Tone(1000, testRate, frameTime, 0.5)
	rec.WriteReceived(frame, t0.Add(200*time.Millisecond+3*time.Millisecond)) // offset 10 frames
	rec.WriteReceived(frame, time.Time{})                                     // appended directly after
	rec.Start(t0.Add(time.Hour))                                              // too late: ignored
	rec.WriteSent(frame, t0.Add(-time.Second))                                // before the start: at offset 0
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	rec.WriteSent(frame, t0) // after Close: ignored, no panic

	_, channels, err := ReadWAVChannels(path)
	if err != nil {
		t.Fatal(err)
	}
	left, right := channels[0], channels[1]
	if len(right) != 12*testFrame {
		t.Fatalf("%d samples, want %d", len(right), 12*testFrame)
	}
	if !slices.Equal(left[:testFrame], frame) || RMS(left[testFrame:]) != 0 {
		t.Error("early sent frame must sit at offset 0")
	}
	if RMS(right[:10*testFrame]) != 0 || !slices.Equal(right[10*testFrame:11*testFrame], frame) ||
		!slices.Equal(right[11*testFrame:], frame) {
		t.Error("received frames misplaced")
	}
}

// A channel whose clock runs fast (a sound card 0.1 % ahead of the wall clock)
// must not drift away from the other over a 10-minute call.
func TestRecorderChannelsStayAlignedOverTenMinutes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	rec.Start(t0)
	frame := make([]int16, testFrame)
	for i := range frame {
		frame[i] = 1000
	}
	const callLength = 10 * time.Minute
	framePeriod := time.Second * time.Duration(testFrame) / time.Duration(testRate)
	fastPeriod := framePeriod * 999 / 1000 // 0.1 % fast: 30 frames too many in 10 minutes
	for at := time.Duration(0); at < callLength; at += framePeriod {
		rec.WriteSent(frame, t0.Add(at))
	}
	for at := time.Duration(0); at < callLength; at += fastPeriod {
		rec.WriteReceived(frame, t0.Add(at))
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	_, channels, err := ReadWAVChannels(path)
	if err != nil {
		t.Fatal(err)
	}
	ideal := int(callLength.Seconds() * testRate)
	if got := len(channels[1]); got > ideal+testFrame {
		t.Errorf("recording is %d samples long, want at most one frame over %d: the fast channel drifted by %v",
			got, ideal, time.Duration(got-ideal)*time.Second/testRate)
	}
}

func TestRecorderIsPlayableBeforeClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	t0 := time.Unix(1_700_000_000, 0)
	tone := NewToneSource(440, testRate, 0.5)
	frame := make([]int16, testFrame)

	if info, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if info.Mode().Perm() != 0o600 {
		t.Errorf("recording file mode %v, want 0600: a call is private", info.Mode().Perm())
	}
	clip, err := ReadWAV(path) // header only, length "unknown"
	if err != nil || len(clip.Samples) != 0 {
		t.Fatalf("fresh recording: %d samples, %v", len(clip.Samples), err)
	}
	for i := range 6 * 50 { // 6 s, never closed: as if the process were killed
		_ = tone.ReadFrame(frame)
		rec.WriteSent(frame, t0.Add(time.Duration(i)*frameTime))
	}
	clip, err = ReadWAV(path)
	if err != nil {
		t.Fatalf("unclosed recording must be readable: %v", err)
	}
	if got := clip.Duration(); got < 4*time.Second {
		t.Errorf("unclosed recording holds %v, want at least 4s", got)
	}
	if f := DominantFrequency(clip.Samples, testRate); math.Abs(f-440) > 2 {
		t.Errorf("unclosed recording: %.1f Hz", f)
	}
}

func TestRecorderLongCallBoundedAndAllocationFree(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 10-minute recording")
	}
	path := filepath.Join(t.TempDir(), "long.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	sent, recv := Tone(440, testRate, frameTime, 0.5), Tone(1000, testRate, frameTime, 0.5)
	ringBefore := cap(rec.ring)
	i := 0
	allocs := testing.AllocsPerRun(10*60*50-1, func() {
		at := t0.Add(time.Duration(i) * frameTime)
		rec.WriteSent(sent, at)
		rec.WriteReceived(recv, at.Add(jitter(i)+10*time.Millisecond))
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per frame pair", allocs)
	}
	if cap(rec.ring) != ringBefore || len(rec.ring) != 2*testRate {
		t.Errorf("ring grew to %d samples", len(rec.ring))
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	minutes := float64(info.Size()-wavHeaderBytes) / (4 * testRate * 60)
	if minutes < 9.99 || minutes > 10.01 {
		t.Errorf("recording is %.3f minutes long, want 10", minutes)
	}
}

func TestRecorderConcurrentSides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.wav")
	rec, err := NewRecorder(path, testRate)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, write := range []func([]int16, time.Time){rec.WriteSent, rec.WriteReceived} {
		wg.Go(func() {
			src := NewToneSource(700, testRate, 0.5)
			frame := make([]int16, testFrame)
			start := time.Now()
			for i := range 100 {
				_ = src.ReadFrame(frame)
				write(frame, start.Add(time.Duration(i)*frameTime))
			}
		})
	}
	wg.Wait()
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	_, channels, err := ReadWAVChannels(path)
	if err != nil {
		t.Fatal(err)
	}
	for ch, samples := range channels {
		if f := DominantFrequency(samples, testRate); math.Abs(f-700) > 14 {
			t.Errorf("channel %d: %.1f Hz", ch, f)
		}
	}
}

func TestNewRecorderErrors(t *testing.T) {
	if _, err := NewRecorder(filepath.Join(t.TempDir(), "x.wav"), 0); err == nil {
		t.Error("rate 0 accepted")
	}
	if _, err := NewRecorder(filepath.Join(t.TempDir(), "no", "such", "dir.wav"), 8000); err == nil {
		t.Error("unwritable path accepted")
	}
}
