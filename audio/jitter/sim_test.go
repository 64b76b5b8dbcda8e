package jitter

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// sim drives a Buffer from a simulated call: a sender emitting packets of a
// test signal on its own clock, a network adding delay, jitter, loss,
// duplication and reordering, and a reader pulling on the playout clock.
// Everything is seeded; nothing sleeps.
type sim struct {
	rate, pkt, read int // clock rate, samples per packet, samples per read
	dur             time.Duration
	netDelay        time.Duration
	jitter          time.Duration // extra delay, uniform in [0, jitter)
	jitterFrom      time.Duration // jitter applies to packets sent in [jitterFrom, jitterTo)
	jitterTo        time.Duration // 0: to the end
	loss            float64
	dup             float64
	swap            float64 // chance a packet is held back behind the next one
	senderPPM       float64 // sender clock error
	playoutPPM      float64 // sound card clock error
	readPhase       time.Duration
	seed            uint64
	seq0            uint16
	ts0             uint32
	cfg             Config
	signal          func(i int64) int16 // sender sample i
	// tsJump and seqJump, if non-zero, are added to every timestamp and
	// sequence number from packet jumpAt on (a new source).
	tsJump  uint32
	seqJump uint16
	jumpAt  int64
	// Packets sent during [stallFrom, stallFrom+stallFor) are held by the
	// network and delivered together at its end.
	stallFrom, stallFor time.Duration
	// gaps are [from, to) packet indices the sender does not send (silence suppression).
	gaps [][2]int64
}

type simResult struct {
	out         []int16
	stats       Stats
	lossBurst   int       // longest run of consecutive lost packets
	lost, dups  int       // packets the network dropped and duplicated
	delays      []float64 // added delay at each read (NaN before the start and while dry), ms
	depths      []float64 // Stats.Depth after each read, ms
	targets     []float64 // Stats.Target after each read, ms
	readTimes   []time.Duration
	firstSample int // index of the first non-silent output sample
	buf         *Buffer
}

const simAmp = 10000

func sine(freq float64, rate int) func(int64) int16 {
	return func(i int64) int16 {
		return int16(math.Round(simAmp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
}

// maxSineStep is the largest sample-to-sample change a sine of this
// frequency can make.
func maxSineStep(freq float64, rate int) float64 {
	return 2 * simAmp * math.Sin(math.Pi*freq/float64(rate))
}

type arrival struct {
	at  time.Duration
	k   int64
	seq uint16
	ts  uint32
}

func (s sim) defaults() sim {
	if s.rate == 0 {
		s.rate = 8000
	}
	if s.pkt == 0 {
		s.pkt = s.rate / 50
	}
	if s.read == 0 {
		s.read = s.rate / 50
	}
	if s.cfg.ClockRate == 0 {
		s.cfg.ClockRate = s.rate
	}
	if s.cfg.FrameSamples == 0 {
		s.cfg.FrameSamples = s.rate / 50
	}
	if s.signal == nil {
		s.signal = sine(440, s.rate)
	}
	if s.netDelay == 0 {
		s.netDelay = 30 * time.Millisecond
	}
	if s.readPhase == 0 {
		s.readPhase = 7 * time.Millisecond
	}
	return s
}

func (s sim) sendTime(i int64) time.Duration {
	return time.Duration(float64(i) / (float64(s.rate) * (1 + s.senderPPM*1e-6)) * float64(time.Second))
}

func (s sim) inGap(k int64) bool {
	for _, g := range s.gaps {
		if k >= g[0] && k < g[1] {
			return true
		}
	}
	return false
}

type schedInfo struct{ lossBurst, lost, dups int }

// schedule returns every packet arrival in time order.
func (s sim) schedule() ([]arrival, schedInfo) {
	rng := rand.New(rand.NewPCG(s.seed, 0x5eed))
	n := int64(s.dur / (time.Second / time.Duration(s.rate)) / time.Duration(s.pkt))
	var arr []arrival
	var info schedInfo
	burst := 0
	var held *arrival
	seq := s.seq0 - 1
	for k := range n {
		if s.inGap(k) {
			continue // silence suppression: no packet, no sequence number
		}
		seq++
		send := s.sendTime(k * int64(s.pkt))
		ts := s.ts0 + uint32(k*int64(s.pkt))
		a := arrival{at: send + s.netDelay, k: k, seq: seq, ts: ts}
		if k >= s.jumpAt && (s.tsJump != 0 || s.seqJump != 0) {
			a.ts += s.tsJump
			a.seq += s.seqJump
		}
		if s.jitter > 0 && send >= s.jitterFrom && (s.jitterTo == 0 || send < s.jitterTo) {
			a.at += time.Duration(rng.Int64N(int64(s.jitter)))
		}
		if s.stallFor > 0 && send >= s.stallFrom && send < s.stallFrom+s.stallFor {
			// Released in order within a few hundred microseconds, just
			// before the first packet sent after the stall.
			first := int64(s.stallFrom / s.sendTime(int64(s.pkt)))
			a.at = s.stallFrom + s.stallFor + s.netDelay - time.Millisecond + time.Duration(k-first)*time.Microsecond
		}
		if s.loss > 0 && rng.Float64() < s.loss {
			burst++
			info.lossBurst = max(info.lossBurst, burst)
			info.lost++
			continue
		}
		burst = 0
		if held != nil {
			// The held-back packet arrives just after this one.
			h := *held
			h.at = a.at + time.Microsecond
			arr = append(arr, a, h)
			held = nil
		} else if s.swap > 0 && rng.Float64() < s.swap {
			held = &a
			continue
		} else {
			arr = append(arr, a)
		}
		if s.dup > 0 && rng.Float64() < s.dup {
			d := a
			d.at += time.Duration(rng.Int64N(int64(40 * time.Millisecond)))
			arr = append(arr, d)
			info.dups++
		}
	}
	sort.SliceStable(arr, func(i, j int) bool { return arr[i].at < arr[j].at })
	return arr, info
}

func (s sim) run(t testing.TB) simResult {
	t.Helper()
	s = s.defaults()
	b, err := New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	arr, info := s.schedule()
	epoch := time.Unix(1_700_000_000, 0)
	res := simResult{lossBurst: info.lossBurst, lost: info.lost, dups: info.dups, firstSample: -1, buf: b}
	readDur := func(r int64) time.Duration {
		return s.readPhase + time.Duration(float64(r*int64(s.read))/(float64(s.rate)*(1+s.playoutPPM*1e-6))*float64(time.Second))
	}
	frame := make([]int16, s.read)
	pcm := make([]int16, s.pkt)
	next := 0
	for r := int64(0); ; r++ {
		now := readDur(r)
		if now > s.dur+time.Second {
			break
		}
		for ; next < len(arr) && arr[next].at <= now; next++ {
			a := arr[next]
			for j := range pcm {
				pcm[j] = s.signal(a.k*int64(s.pkt) + int64(j))
			}
			b.Push(a.seq, a.ts, pcm, epoch.Add(a.at))
		}
		d := math.NaN() // no delay to speak of before the start or while dry
		if b.started && !b.holding {
			d = s.addedDelay(b, now)
		}
		res.delays = append(res.delays, d)
		if err := b.ReadFrame(frame); err != nil {
			t.Fatal(err)
		}
		if res.firstSample < 0 {
			for j, v := range frame {
				if v != 0 {
					res.firstSample = len(res.out) + j
					break
				}
			}
		}
		res.out = append(res.out, frame...)
		st := b.Stats()
		res.depths = append(res.depths, ms(st.Depth))
		res.targets = append(res.targets, ms(st.Target))
		res.readTimes = append(res.readTimes, now)
	}
	res.stats = b.Stats()
	return res
}

// addedDelay is how long the sample about to be played has been delayed
// beyond the network's fixed delay: now minus when it was sent minus netDelay.
// It looks inside the buffer for the playout position.
func (s sim) addedDelay(b *Buffer, now time.Duration) float64 {
	b.mu.Lock()
	raw := b.refRaw + uint32(int64(math.Floor(b.playPosF()))-b.refPos)
	b.mu.Unlock()
	idx := int64(int32(raw - s.ts0))
	return ms(now - s.sendTime(idx) - s.netDelay)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// maxStep is the largest sample-to-sample change in out[from:].
func maxStep(out []int16, from int) (step float64, at int) {
	for i := max(from, 1); i < len(out); i++ {
		if d := math.Abs(float64(out[i]) - float64(out[i-1])); d > step {
			step, at = d, i
		}
	}
	return step, at
}

// longestSilence is the longest run (in samples) of near-zero output in
// out[from:to]. A sine crosses zero in one sample, so anything longer than a
// few samples is silence.
func longestSilence(out []int16, from, to int) (n, at int) {
	run := 0
	for i := from; i < to; i++ {
		if out[i] > -150 && out[i] < 150 {
			run++
			if run > n {
				n, at = run, i-run+1
			}
		} else {
			run = 0
		}
	}
	return n, at
}

// summarize returns the mean and maximum of v, ignoring NaNs.
func summarize(v []float64) (mean, maxv float64) {
	maxv = math.Inf(-1)
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			mean += x
			maxv = max(maxv, x)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return mean / float64(n), maxv
}

// window returns the part of per-read series v between two times.
func (r simResult) window(v []float64, from, to time.Duration) []float64 {
	i := sort.Search(len(r.readTimes), func(i int) bool { return r.readTimes[i] >= from })
	j := sort.Search(len(r.readTimes), func(i int) bool { return r.readTimes[i] >= to })
	return v[i:j]
}

// sampleAt is the index in out of the first sample read at or after t.
func (r simResult) sampleAt(t time.Duration) int {
	i := sort.Search(len(r.readTimes), func(i int) bool { return r.readTimes[i] >= t })
	if i == len(r.readTimes) {
		return len(r.out)
	}
	return i * (len(r.out) / len(r.readTimes))
}
