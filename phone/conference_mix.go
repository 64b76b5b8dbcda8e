package phone

import (
	"sync"

	"github.com/switchboard/switchboard/audio"
)

// The audio of a local conference. Every call keeps its own media pump:
// its microphone, its playback and its recording. The conference adds what
// the other far ends say to what each call sends:
//
//	far end A hears: our microphone (A's own source) + what B said
//	far end B hears: our microphone (B's own source) + what A said
//	we hear:         A and B, each on its call's own playback
//
// What a far end said is taken where its call plays it (playout.ReadFrame,
// after the jitter buffer), converted to the conference's one mixing rate
// and queued for every other member; each member's sending goroutine takes
// one frame from each queue, sums, converts to its own codec rate and adds
// it to its microphone frame. Producers (playback clocks) and consumers
// (RTP send clocks) tick every 20 ms but not in step: the queues absorb the
// phase difference and are cut to maxQueuedFrames when the clocks drift.

// maxQueuedFrames bounds the delay the conference may add between far ends.
const maxQueuedFrames = 5 // 100 ms

// conferenceLeg is one call's part in a conference's audio.
type conferenceLeg struct {
	call *Call
	conf *Conference
	rate int // the call's codec rate

	// Producer side (the call's playout goroutine only).
	toMix    *audio.StreamResampler // call rate → mixing rate
	toMixBuf []int16

	// Consumer side (the call's sending goroutine only).
	fromMix    *audio.StreamResampler // mixing rate → call rate
	mixBuf     []int16                // one frame at the mixing rate
	pendingOut []int16                // converted samples not yet sent (the resampler's output varies per frame)

	// inbox holds, per other member, what that member's far end said, at
	// the mixing rate; gone is set when the leg leaves. Both guarded by
	// conf.audioMu.
	inbox map[*conferenceLeg][]int16
	gone  bool
}

func newConferenceLeg(c *Call, conf *Conference, rate, mixRate int) (*conferenceLeg, error) {
	toMix, err := audio.NewStreamResampler(rate, mixRate)
	if err != nil {
		return nil, err
	}
	fromMix, err := audio.NewStreamResampler(mixRate, rate)
	if err != nil {
		return nil, err
	}
	return &conferenceLeg{call: c, conf: conf, rate: rate, toMix: toMix, fromMix: fromMix,
		mixBuf: make([]int16, mixRate/50), inbox: map[*conferenceLeg][]int16{}}, nil
}

// heard takes one frame of what this leg's far end said (playout side)
// and queues it for every other member.
func (l *conferenceLeg) heard(frame []int16) {
	l.toMixBuf = l.toMix.Process(l.toMixBuf[:0], frame)
	if len(l.toMixBuf) == 0 {
		return
	}
	limit := maxQueuedFrames * l.conf.mixRate / 50
	l.conf.audioMu.Lock()
	defer l.conf.audioMu.Unlock()
	if l.gone {
		return // left while this frame played: it must not reach the others
	}
	for _, other := range l.conf.audioLegs {
		if other == l {
			continue
		}
		q := append(other.inbox[l], l.toMixBuf...)
		if over := len(q) - limit; over > 0 {
			// The clocks drifted: drop the oldest audio. Shift rather than
			// reslice, so the queue keeps its array and append stops allocating.
			q = q[:copy(q, q[over:])]
		}
		other.inbox[l] = q
	}
}

// mixInto adds what the other members' far ends said to frame, one frame
// of this call's rate (sending side).
func (l *conferenceLeg) mixInto(frame []int16) {
	mix := l.mixBuf
	clear(mix)
	l.conf.audioMu.Lock()
	for src, q := range l.inbox {
		n := min(len(q), len(mix))
		for i := range n {
			mix[i] = saturate(int32(mix[i]) + int32(q[i]))
		}
		l.inbox[src] = q[:copy(q, q[n:])] // shifted: the array is reused by heard's append
	}
	l.conf.audioMu.Unlock()

	l.pendingOut = l.fromMix.Process(l.pendingOut, mix)
	n := min(len(l.pendingOut), len(frame))
	for i := range n {
		frame[i] = saturate(int32(frame[i]) + int32(l.pendingOut[i]))
	}
	rest := copy(l.pendingOut, l.pendingOut[n:])
	l.pendingOut = l.pendingOut[:rest]
	if len(l.pendingOut) > maxQueuedFrames*len(frame) {
		l.pendingOut = l.pendingOut[:0]
	}
}

func saturate(v int32) int16 { return int16(max(-32768, min(32767, v))) }

// conferenceAudio is the audio half of a Conference: its members' legs and
// the lock of their queues.
type conferenceAudio struct {
	audioMu   sync.Mutex
	audioLegs []*conferenceLeg
	mixRate   int // set before the first leg joins
}

// addLeg makes l a member: it starts receiving the others' audio and they
// its.
func (a *conferenceAudio) addLeg(l *conferenceLeg) {
	a.audioMu.Lock()
	defer a.audioMu.Unlock()
	a.audioLegs = append(a.audioLegs, l)
}

// removeLeg stops l's audio from reaching the others.
func (a *conferenceAudio) removeLeg(l *conferenceLeg) {
	a.audioMu.Lock()
	defer a.audioMu.Unlock()
	l.gone = true
	for i, x := range a.audioLegs {
		if x == l {
			a.audioLegs = append(a.audioLegs[:i], a.audioLegs[i+1:]...)
			break
		}
	}
	for _, x := range a.audioLegs {
		delete(x.inbox, l)
	}
}
