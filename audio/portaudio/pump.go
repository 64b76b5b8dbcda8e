package portaudio

import (
	"errors"
	"fmt"
	"time"

	"github.com/gordonklaus/portaudio"
)

// Why a pump and not PortAudio's callback API: every callback enters Go
// from a C thread, and when it returns the runtime leaves that thread's P
// parked "in a system call" until the next callback 20 ms later. The
// runtime's monitor thread takes such a P back after 10 ms and then, taking
// that as a sign of more to come, polls every 20 µs for the next few
// milliseconds. With a capture and a playback stream that happens 100 times
// a second and cost 8% of a core, twice all the rest of a call's audio
// work. The pump instead opens PortAudio's blocking streams (no PortAudio
// thread at all) and moves whole periods from a goroutine that sleeps on a
// Go timer between them; its calls into PortAudio return in microseconds
// because it only asks for what is already there.

const (
	// pumpMinWait keeps a pump that woke a little early from spinning: it
	// is also how soon it looks again when the period was not there yet.
	pumpMinWait = 2 * time.Millisecond
	// pumpPhaseStep: each wake-up that found its period is planned this
	// much sooner than one period after the last, so the pump's phase
	// creeps up on the moment the device completes a period (a sound
	// server hands audio over in whole periods) until it wakes too early
	// once, and retries pumpMinWait later. It then wakes 0-2 ms after
	// the period is there, with one extra wake-up every ~9 periods.
	// Planning "a period after now plus a margin" instead made the phase
	// slide later by the margin every period: up to a whole period of
	// extra delay on capture, and a playback queue found empty every few
	// periods (see schedule).
	pumpPhaseStep = 250 * time.Microsecond
	// pumpStopTimeout bounds the wait for a pump to leave PortAudio. Its
	// calls normally take microseconds; one still inside after this long is
	// blocked in the driver and the stream is abandoned.
	pumpStopTimeout = time.Second
	// growAfterPeriods: the sound server drains a new stream's first
	// writes at once (and flags an underflow), which says nothing about
	// how late the pump wakes; the device's fill level only counts after
	// this many periods have been written.
	growAfterPeriods = 10
	// playbackLateGrow: a playback wake-up this late grows the queue (see
	// growQueue); with two periods queued the margin is about one period.
	playbackLateGrow = 8 * time.Millisecond
	// playbackShrinkAfter: the playback queue loses a period after this long
	// without a late wake-up or a nearly dry device.
	playbackShrinkAfter = 10 * time.Second
)

// errPumpFailed is wrapped by the reason a pump gives up on its stream.
var errPumpFailed = errors.New("audio stream failed")

// startPump runs the stream's pump until stopPump.
func (ds *deviceStream) startPump(output bool) {
	ds.pumpStop, ds.pumpDone = make(chan struct{}), make(chan struct{})
	go ds.pump(output, ds.pumpStop, ds.pumpDone)
}

// stopPump asks the pump to end and reports whether it did in time; false
// means it is stuck inside PortAudio and the stream must not be touched.
func (ds *deviceStream) stopPump() bool {
	if ds.pumpStop == nil {
		return true
	}
	close(ds.pumpStop)
	ds.pumpStop = nil
	select {
	case <-ds.pumpDone:
		return true
	case <-time.After(pumpStopTimeout):
		return false
	}
}

// pump moves periods between the device and the endpoint until stopped,
// sleeping until the next period is due in between.
func (ds *deviceStream) pump(output bool, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var sched schedule
	due := time.Now()
	ds.strainedAt = due // a new stream keeps its first queue for a while
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		if ds.dead.Load() {
			return // abandoned: the stream is no longer ours to touch
		}
		var moved, missing int
		var err error
		if output && time.Since(due) > playbackLateGrow {
			// Woke late enough to have eaten most of the queue's margin:
			// the next such delay would be heard as a gap. The device's
			// own fill level says so only once it is empty (a sound
			// server frees room in whole periods), so the clock warns first.
			ds.growQueue()
		} else if output && ds.queueLimit > ds.queueMin && time.Since(ds.strainedAt) > playbackShrinkAfter {
			// A quiet spell: the call need not pay 20 ms for a one-off
			// delay (another program starting). The jitter buffer sheds
			// the audio this leaves waiting, with a cross-faded skip.
			ds.queueLimit -= ds.period
			ds.strainedAt = time.Now()
		}
		if output {
			moved, missing, err = ds.writePeriods()
		} else {
			moved, missing, err = ds.readPeriods()
		}
		if err != nil {
			msg := err.Error()
			ds.pumpErr.Store(&msg)
			return // the watchdog sees pumpErr and replaces the stream
		}
		now := time.Now()
		due = sched.next(due, now, moved > 0, ds.framesDuration(ds.period), ds.framesDuration(missing))
		timer.Reset(max(due.Sub(now), pumpMinWait))
	}
}

// schedule plans a pump's wake-ups a period apart, locked to the phase at
// which the device completes periods.
type schedule struct{ anchored bool }

// next is when to wake after the wake-up planned for due, which happened at
// now and found a period (found) or not; period is a period's duration,
// missing how long the device said the next period still needs.
func (sc *schedule) next(due, now time.Time, found bool, period, missing time.Duration) time.Time {
	if !found {
		// Early: look again soon. A device that counts frames one by one
		// says exactly how soon; a sound server that hands over whole
		// periods always says "a period", which is no estimate at all.
		return now.Add(min(missing, pumpMinWait))
	}
	// The period was there by the time planned; a late wake-up (a loaded
	// machine) does not move the phase, or the delay it caused would stay.
	base := now
	if sc.anchored && due.Before(now) {
		base = due
	}
	sc.anchored = true
	return base.Add(period - pumpPhaseStep)
}

// readPeriods hands every complete period the device has captured to the
// endpoint; it returns how many it moved and how many frames the next one
// still misses.
func (ds *deviceStream) readPeriods() (moved, missing int, err error) {
	for !ds.dead.Load() {
		avail, err := ds.s.AvailableToRead()
		if err != nil && !errors.Is(err, portaudio.InputOverflowed) {
			return moved, 0, fmt.Errorf("%w: frames available to read: %w", errPumpFailed, err)
		}
		if avail < ds.period {
			return moved, ds.period - avail, nil
		}
		err = ds.s.Read()
		if errors.Is(err, portaudio.InputOverflowed) {
			ds.xruns.Add(1) // audio was lost, but what was read is good
		} else if err != nil {
			return moved, 0, fmt.Errorf("%w: read: %w", errPumpFailed, err)
		}
		ds.ticks.Add(1)
		moved++
		ds.process(ds.buf)
	}
	return moved, 0, nil
}

// writePeriods fills the device's buffer, a period at a time, up to
// ds.queueLimit frames (0: the whole buffer); it returns how many periods
// it wrote and how many frames of room the next one still misses.
func (ds *deviceStream) writePeriods() (moved, missing int, err error) {
	first := true // the wake-up's first look at the buffer tells how late it came
	for !ds.dead.Load() {
		avail, err := ds.s.AvailableToWrite()
		if err != nil && !errors.Is(err, portaudio.OutputUnderflowed) {
			return moved, 0, fmt.Errorf("%w: frames available to write: %w", errPumpFailed, err)
		}
		if ds.bufferFrames == 0 {
			ds.bufferFrames = avail // the buffer is empty before the first write
		} else if first && ds.ticks.Load() >= growAfterPeriods &&
			(errors.Is(err, portaudio.OutputUnderflowed) || ds.bufferFrames-avail < ds.period/playbackLowWaterDiv) {
			ds.growQueue() // found the device (nearly) dry
		}
		first = false
		room := avail
		if ds.queueLimit > 0 {
			room = min(avail, ds.queueLimit-(ds.bufferFrames-avail))
		}
		if room < ds.period {
			return moved, ds.period - room, nil
		}
		ds.process(ds.buf)
		err = ds.s.Write()
		if errors.Is(err, portaudio.OutputUnderflowed) {
			ds.xruns.Add(1) // the device ran dry before this write
			if ds.ticks.Load() >= growAfterPeriods {
				ds.growQueue()
			}
		} else if err != nil {
			return moved, 0, fmt.Errorf("%w: write: %w", errPumpFailed, err)
		}
		ds.ticks.Add(1)
		moved++
	}
	return moved, 0, nil
}

// growQueue lengthens the playback queue by a period, up to queueMax, after
// the pump woke late or found the device nearly dry. It shrinks back only
// after playbackShrinkAfter without such a sign: a machine under load stays
// loaded for a while, and a gap costs more than 20 ms of delay.
func (ds *deviceStream) growQueue() {
	ds.strainedAt = time.Now()
	if ds.queueLimit > 0 && ds.queueLimit < ds.queueMax {
		ds.queueLimit = min(ds.queueLimit+ds.period, ds.queueMax)
	}
}

func (ds *deviceStream) framesDuration(frames int) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(ds.rate)
}
