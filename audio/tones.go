package audio

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// toneAmplitude is the peak of generated tones as a fraction of full scale
// (about -13 dBFS): clearly audible in a headset without startling anyone.
const toneAmplitude = 0.22

// rampDuration softens every on/off edge of a tone; a hard edge is a click.
const rampDuration = 5 * time.Millisecond

// ToneStep is one stretch of a cadence: the frequencies summed during it
// (none means silence) and how long it lasts.
type ToneStep struct {
	Freqs []float64
	Dur   time.Duration
}

// Cadence is a tone pattern. When Repeat is false it plays once, then silence.
type Cadence struct {
	Steps  []ToneStep
	Repeat bool
}

// TonePlan holds a region's call-progress tones.
type TonePlan struct {
	Name        string
	Ringback    Cadence // the far end rings
	Busy        Cadence
	Error       Cadence // congestion / reorder: the call failed
	CallWaiting Cadence // a second call arrives during a call
}

func on(d time.Duration, f ...float64) ToneStep { return ToneStep{Freqs: f, Dur: d} }
func off(d time.Duration) ToneStep              { return ToneStep{Dur: d} }

const ms = time.Millisecond

// TonePlanByName returns the plan for "eu" (ETSI, 425 Hz), "us" (North
// American precise tones) or "uk" (BT).
func TonePlanByName(name string) (TonePlan, error) {
	switch strings.ToLower(name) {
	case "", "eu":
		return TonePlan{
			Name:        "eu",
			Ringback:    Cadence{Steps: []ToneStep{on(1000*ms, 425), off(4000 * ms)}, Repeat: true},
			Busy:        Cadence{Steps: []ToneStep{on(500*ms, 425), off(500 * ms)}, Repeat: true},
			Error:       Cadence{Steps: []ToneStep{on(200*ms, 425), off(200 * ms)}, Repeat: true},
			CallWaiting: Cadence{Steps: []ToneStep{on(200*ms, 425), off(200 * ms), on(200*ms, 425), off(3000 * ms)}, Repeat: true},
		}, nil
	case "us":
		return TonePlan{
			Name:        "us",
			Ringback:    Cadence{Steps: []ToneStep{on(2000*ms, 440, 480), off(4000 * ms)}, Repeat: true},
			Busy:        Cadence{Steps: []ToneStep{on(500*ms, 480, 620), off(500 * ms)}, Repeat: true},
			Error:       Cadence{Steps: []ToneStep{on(250*ms, 480, 620), off(250 * ms)}, Repeat: true},
			CallWaiting: Cadence{Steps: []ToneStep{on(300*ms, 440), off(9700 * ms)}, Repeat: true},
		}, nil
	case "uk":
		return TonePlan{
			Name:        "uk",
			Ringback:    Cadence{Steps: []ToneStep{on(400*ms, 400, 450), off(200 * ms), on(400*ms, 400, 450), off(2000 * ms)}, Repeat: true},
			Busy:        Cadence{Steps: []ToneStep{on(375*ms, 400), off(375 * ms)}, Repeat: true},
			Error:       Cadence{Steps: []ToneStep{on(400*ms, 400), off(350 * ms), on(225*ms, 400), off(525 * ms)}, Repeat: true},
			CallWaiting: Cadence{Steps: []ToneStep{on(100*ms, 400), off(2000 * ms)}, Repeat: true},
		}, nil
	}
	return TonePlan{}, fmt.Errorf("unknown tone plan %q (use eu, us or uk)", name)
}

// RingtoneCadence is the local ring of an incoming call: a warble of two
// alternating tones for a second, then two seconds of silence.
func RingtoneCadence() Cadence {
	var steps []ToneStep
	for range 10 {
		steps = append(steps, on(50*ms, 1000, 1300), on(50*ms, 800, 1100))
	}
	return Cadence{Steps: append(steps, off(2000*ms)), Repeat: true}
}

// dtmfFreqs are the row and column frequencies of each key.
var dtmfRows, dtmfCols = [4]float64{697, 770, 852, 941}, [4]float64{1209, 1336, 1477, 1633}

const dtmfKeys = "123A456B789C*0#D"

// DTMFCadence is the local feedback for a pressed key: its two tones for
// 100 ms, played once.
func DTMFCadence(key rune) (Cadence, error) {
	i := strings.IndexRune(dtmfKeys, key)
	if i < 0 {
		return Cadence{}, fmt.Errorf("not a DTMF key: %q", key)
	}
	return Cadence{Steps: []ToneStep{on(100*ms, dtmfRows[i/4], dtmfCols[i%4])}}, nil
}

// CadenceSource generates a cadence as a Source. Edges are ramped, phases run
// on across frames, so the tone is free of clicks.
type CadenceSource struct {
	steps  []ToneStep
	repeat bool
	rate   int
	ramp   int // samples of each ramp

	step    int // current step
	pos     int // sample within the step
	stepLen int
	phases  [4]float64
	done    bool
}

// NewCadenceSource plays c at rate.
func NewCadenceSource(c Cadence, rate int) *CadenceSource {
	s := &CadenceSource{steps: c.Steps, repeat: c.Repeat, rate: max(rate, 1)}
	s.ramp = max(1, int(rampDuration.Seconds()*float64(s.rate)))
	s.done = len(s.steps) == 0
	if !s.done {
		s.stepLen = s.samplesOf(0)
	}
	return s
}

func (s *CadenceSource) samplesOf(i int) int {
	return max(1, int(s.steps[i].Dur.Seconds()*float64(s.rate)))
}

// Done reports whether a non-repeating cadence has finished.
func (s *CadenceSource) Done() bool { return s.done }

// ReadFrame fills frame with the next stretch of the cadence.
func (s *CadenceSource) ReadFrame(frame []int16) error {
	for i := range frame {
		frame[i] = s.next()
	}
	return nil
}

func (s *CadenceSource) next() int16 {
	if s.done {
		return 0
	}
	st := s.steps[s.step]
	var v float64
	if n := len(st.Freqs); n > 0 {
		env := min(1, float64(s.pos)/float64(s.ramp), float64(s.stepLen-s.pos)/float64(s.ramp))
		amp := toneAmplitude / float64(n) * env
		for k, f := range st.Freqs {
			if k >= len(s.phases) {
				break
			}
			v += amp * math.Sin(s.phases[k])
			s.phases[k] = math.Mod(s.phases[k]+2*math.Pi*f/float64(s.rate), 2*math.Pi)
		}
	}
	s.pos++
	if s.pos >= s.stepLen {
		s.advance()
	}
	return floatToInt16(v * 32767)
}

func (s *CadenceSource) advance() {
	s.pos = 0
	s.step++
	if s.step >= len(s.steps) {
		if !s.repeat {
			s.done = true
			return
		}
		s.step = 0
	}
	s.stepLen = s.samplesOf(s.step)
	// Each tone starts from phase zero: the ramp makes that seamless.
	s.phases = [4]float64{}
}
