package jitter

import (
	"strings"
	"testing"
	"time"
)

var g711 = Config{ClockRate: 8000, FrameSamples: 160}

func newBuffer(t testing.TB, cfg Config) *Buffer {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stream pushes packets of a 440 Hz sine by hand. Packet k holds samples
// [k*n, (k+1)*n), sequence seq0+k, timestamp ts0+k*n.
type stream struct {
	b        *Buffer
	n        int
	seq0     uint16
	ts0      uint32
	sig      func(int64) int16
	now      time.Time
	pcm, out []int16
}

func newStream(b *Buffer, n int) *stream {
	return &stream{b: b, n: n, sig: sine(440, b.p.rate), now: time.Unix(1_700_000_000, 0), pcm: make([]int16, n)}
}

func (s *stream) push(k int64) {
	for j := range s.pcm {
		s.pcm[j] = s.sig(k*int64(s.n) + int64(j))
	}
	s.b.Push(s.seq0+uint16(k), s.ts0+uint32(k*int64(s.n)), s.pcm, s.now)
}

// read pulls n samples and advances the arrival clock by their duration.
func (s *stream) read(n int) []int16 {
	f := make([]int16, n)
	if err := s.b.ReadFrame(f); err != nil {
		panic(err)
	}
	s.out = append(s.out, f...)
	s.now = s.now.Add(time.Duration(n) * time.Second / time.Duration(s.b.p.rate))
	return f
}

// checkSine verifies that out[from:] is the sine starting at sample idx.
func checkSine(t *testing.T, out []int16, from int, idx int64, sig func(int64) int16) {
	t.Helper()
	for i := from; i < len(out); i++ {
		want := sig(idx + int64(i-from))
		if d := int(out[i]) - int(want); d < -1 || d > 1 {
			t.Fatalf("sample %d = %d, want %d (signal sample %d)", i, out[i], want, idx+int64(i-from))
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{ClockRate: 0, FrameSamples: 160}, "ClockRate must be positive"},
		{Config{ClockRate: -8000, FrameSamples: 160}, "ClockRate must be positive"},
		{Config{ClockRate: 8000, FrameSamples: 0}, "FrameSamples must be positive"},
		{Config{ClockRate: 8000, FrameSamples: -1}, "FrameSamples must be positive"},
		{Config{ClockRate: 8000, FrameSamples: 9000}, "longer than one second"},
		{Config{ClockRate: 1 << 30, FrameSamples: 160}, "above the supported"},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: -time.Millisecond}, "MinDelay must not be negative"},
		{Config{ClockRate: 8000, FrameSamples: 160, MaxDelay: -time.Millisecond}, "MaxDelay must not be negative"},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 200 * time.Millisecond, MaxDelay: 100 * time.Millisecond}, "MinDelay 200ms is greater than MaxDelay 100ms"},
		{Config{ClockRate: 8000, FrameSamples: 160, MaxDelay: time.Hour}, "not supported"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want error containing %q", c.cfg, err, c.want)
		}
	}
}

func TestNewDelayBounds(t *testing.T) {
	for _, c := range []struct {
		cfg    Config
		lo, hi time.Duration
	}{
		{g711, 20 * time.Millisecond, DefaultMaxDelay},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 5 * time.Millisecond}, 20 * time.Millisecond, DefaultMaxDelay},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond}, 20 * time.Millisecond, 20 * time.Millisecond},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 60 * time.Millisecond, MaxDelay: 2 * time.Second}, 60 * time.Millisecond, 2 * time.Second},
		{Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 500 * time.Millisecond}, 500 * time.Millisecond, 500 * time.Millisecond},
		{Config{ClockRate: 48000, FrameSamples: 960}, 20 * time.Millisecond, DefaultMaxDelay},
	} {
		b := newBuffer(t, c.cfg)
		if lo, hi := b.p.dur(float64(b.p.lo)), b.p.dur(float64(b.p.hi)); lo != c.lo || hi != c.hi {
			t.Errorf("%+v: bounds [%v, %v], want [%v, %v]", c.cfg, lo, hi, c.lo, c.hi)
		}
		if got := b.Stats().Target; got != c.lo {
			t.Errorf("%+v: initial target %v, want %v", c.cfg, got, c.lo)
		}
	}
}

func TestSilenceUntilPrefilled(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	for range 3 {
		for _, v := range s.read(160) {
			if v != 0 {
				t.Fatal("audio before the first packet")
			}
		}
	}
	// The first packet waits the target delay (one frame) behind silence,
	// then fades in over 5 ms and continues exactly.
	for k := range int64(10) {
		s.push(k)
		s.read(160)
	}
	out := s.out[3*160:]
	for i, v := range out[:160] {
		if v != 0 {
			t.Fatalf("sample %d of the pre-fill is %d, want silence", i, v)
		}
	}
	checkSine(t, out, 160+40, 40, s.sig)
	if st := b.Stats(); st.Received != 10 || st.Lost != 0 || st.Late != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestReorderedPacketsPlayInOrder(t *testing.T) {
	b := newBuffer(t, Config{ClockRate: 8000, FrameSamples: 160, MinDelay: 60 * time.Millisecond})
	s := newStream(b, 160)
	// Each group of three arrives backwards; with 60 ms of headroom all are
	// in time.
	order := []int64{0, 1, 2, 5, 4, 3, 8, 7, 6, 11, 10, 9, 12, 13, 14, 15, 16, 17, 18, 19}
	for _, k := range order {
		s.push(k)
		s.read(160)
	}
	// The early arrivals may nudge the playout speed, so judge continuity.
	if step, at := maxStep(s.out, 3*160+40); step > 1.05*maxSineStep(440, 8000) {
		t.Errorf("click: step %.0f at %d", step, at)
	}
	if n, at := longestSilence(s.out, 3*160+40, len(s.out)); n > 2 {
		t.Errorf("%d samples of silence at %d", n, at)
	}
	st := b.Stats()
	if st.Reordered != 6 || st.Late != 0 || st.Lost != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v, want 6 reordered and nothing lost, late or concealed", st)
	}
}

func TestDuplicatesDropped(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	for k := range int64(20) {
		s.push(k)
		s.push(k) // straight away
		if k >= 3 {
			s.push(k - 3) // long after
		}
		s.read(160)
	}
	checkSine(t, s.out, 160+40, 40, s.sig)
	if st := b.Stats(); st.Duplicates != 37 || st.Received != 57 || st.Late != 0 || st.Reordered != 0 {
		t.Errorf("stats %+v, want 37 duplicates of 57 received", st)
	}
}

func TestLatePacketsCountedAndDropped(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	for k := range int64(30) {
		if k != 10 {
			s.push(k)
		}
		if k == 13 {
			s.push(10) // three frames after its turn
		}
		s.read(160)
	}
	st := b.Stats()
	if st.Late != 1 || st.Lost != 0 || st.Reordered != 1 || st.Received != 30 {
		t.Errorf("stats %+v, want 1 late, 0 lost (RFC 3550 counts late as received)", st)
	}
	if st.Concealed != 1 {
		t.Errorf("concealed %d frames, want 1", st.Concealed)
	}
	// Lateness is evidence the headroom was short: the target grew.
	if st.Target <= 20*time.Millisecond {
		t.Errorf("target %v did not grow after a late packet", st.Target)
	}
}

func TestWrapAround(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	s.seq0 = 65530
	s.ts0 = 1<<32 - 5*160
	for k := range int64(40) {
		s.push(k)
		s.read(160)
	}
	checkSine(t, s.out, 160+40, 40, s.sig)
	if st := b.Stats(); st.Lost != 0 || st.Late != 0 || st.Reordered != 0 || st.Duplicates != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v after wrapping seq and ts", st)
	}
}

func TestPacketAndReadSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		pkt, read int
	}{
		{"10ms packets", 80, 160},
		{"30ms packets", 240, 160},
		{"60ms packets", 480, 160},
		{"441 sample reads", 160, 441},
		{"1 sample reads", 160, 1},
		{"odd everything", 240, 97},
		{"big reads", 160, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBuffer(t, g711)
			s := newStream(b, c.pkt)
			pushed, read := int64(0), int64(0)
			// Arrivals and reads interleave in time order.
			for read < 8000*3 {
				if pushed*int64(c.pkt) <= read {
					s.push(pushed)
					pushed++
					continue
				}
				s.read(c.read)
				read += int64(c.read)
			}
			first := -1
			for i, v := range s.out {
				if v != 0 {
					first = i
					break
				}
			}
			if first < 0 {
				t.Fatal("no audio")
			}
			from := first + 40
			// Big reads need more buffering and may slip while adapting,
			// so judge continuity (no clicks) rather than exact samples.
			if step, at := maxStep(s.out, from); step > 1.25*maxSineStep(440, 8000) {
				t.Errorf("click: step %.0f at %d", step, at)
			}
			// Reads bigger than the target force it up; allow half a second.
			if n, at := longestSilence(s.out, from+4000, len(s.out)); n > 2 {
				t.Errorf("%d samples of silence at %d", n, at)
			}
			if st := b.Stats(); st.Late != 0 || st.Lost != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestOddInputsDoNotPanic(t *testing.T) {
	b := newBuffer(t, g711)
	now := time.Unix(0, 0)
	if err := b.ReadFrame(nil); err != nil {
		t.Fatal(err)
	}
	b.Push(1, 0, nil, now)
	b.Push(2, 160, []int16{}, now)
	huge := make([]int16, 1<<20)
	for i := range huge {
		huge[i] = int16(i)
	}
	b.Push(3, 320, huge, now)
	b.Push(4, 320+1<<20, huge[:1], time.Time{})
	b.Push(4, 0xFFFFFFFF, huge[:7], now.Add(-time.Hour))
	for _, n := range []int{0, 1, 3, 160, 441, 1 << 16} {
		f := make([]int16, n)
		if err := b.ReadFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if st := b.Stats(); st.Depth > 2*DefaultMaxDelay+200*time.Millisecond {
		t.Errorf("depth %v after a huge packet", st.Depth)
	}
}

// A new source: sequence numbers and timestamps both jump. The first packet
// of the new numbering is held back (it could be a stray), the second
// confirms it, and audio carries on after at most a short concealment.
func TestNewSourceResets(t *testing.T) {
	b := newBuffer(t, g711)
	s := newStream(b, 160)
	for k := range int64(50) {
		s.push(k)
		s.read(160)
	}
	s.seq0 += 20000
	s.ts0 += 0x9000_0000
	for k := int64(50); k < 100; k++ {
		s.push(k)
		s.read(160)
	}
	if step, at := maxStep(s.out, 200); step > 1.25*maxSineStep(440, 8000) {
		t.Errorf("click: step %.0f at %d", step, at)
	}
	if n, at := longestSilence(s.out, 200, len(s.out)); n > 2 {
		t.Errorf("%d samples of silence at %d", n, at)
	}
	st := b.Stats()
	if st.Late != 1 || st.Lost != 0 {
		t.Errorf("stats %+v: want only the probation packet dropped", st)
	}
	if st.Depth > 60*time.Millisecond {
		t.Errorf("depth %v after the reset", st.Depth)
	}
}
