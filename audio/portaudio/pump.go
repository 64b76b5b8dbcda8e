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
	// pumpMinWait keeps a pump that woke a little early (a sound server
	// hands audio over in fragments) from spinning.
	pumpMinWait = 2 * time.Millisecond
	// pumpMargin is added to the computed wait so that the period is
	// complete when the pump wakes: with 1 ms the capture pump woke 1.7
	// times per period (each wake-up costs a thread switch), with 3 ms 1.1.
	pumpMargin = 3 * time.Millisecond
	// pumpStopTimeout bounds the wait for a pump to leave PortAudio. Its
	// calls normally take microseconds; one still inside after this long is
	// blocked in the driver and the stream is abandoned.
	pumpStopTimeout = time.Second
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
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		var wait time.Duration
		var err error
		if ds.dead.Load() {
			return // abandoned: the stream is no longer ours to touch
		}
		if output {
			wait, err = ds.writePeriods()
		} else {
			wait, err = ds.readPeriods()
		}
		if err != nil {
			msg := err.Error()
			ds.pumpErr.Store(&msg)
			return // the watchdog sees pumpErr and replaces the stream
		}
		timer.Reset(max(wait, pumpMinWait))
	}
}

// readPeriods hands every complete period the device has captured to the
// endpoint and returns how long until the next one is complete.
func (ds *deviceStream) readPeriods() (time.Duration, error) {
	for !ds.dead.Load() {
		avail, err := ds.s.AvailableToRead()
		if err != nil && !errors.Is(err, portaudio.InputOverflowed) {
			return 0, fmt.Errorf("%w: frames available to read: %w", errPumpFailed, err)
		}
		if avail < ds.period {
			return ds.framesDuration(ds.period-avail) + pumpMargin, nil
		}
		err = ds.s.Read()
		if errors.Is(err, portaudio.InputOverflowed) {
			ds.xruns.Add(1) // audio was lost, but what was read is good
		} else if err != nil {
			return 0, fmt.Errorf("%w: read: %w", errPumpFailed, err)
		}
		ds.ticks.Add(1)
		ds.process(ds.buf)
	}
	return 0, nil
}

// writePeriods fills the device's buffer, a period at a time, up to
// ds.queueLimit frames (0: the whole buffer), and returns how long until there is room for the
// next period.
func (ds *deviceStream) writePeriods() (time.Duration, error) {
	for !ds.dead.Load() {
		avail, err := ds.s.AvailableToWrite()
		if err != nil && !errors.Is(err, portaudio.OutputUnderflowed) {
			return 0, fmt.Errorf("%w: frames available to write: %w", errPumpFailed, err)
		}
		if ds.bufferFrames == 0 {
			ds.bufferFrames = avail // the buffer is empty before the first write
		}
		room := avail
		if ds.queueLimit > 0 {
			room = min(avail, ds.queueLimit-(ds.bufferFrames-avail))
		}
		if room < ds.period {
			return ds.framesDuration(ds.period-room) + pumpMargin, nil
		}
		ds.process(ds.buf)
		err = ds.s.Write()
		if errors.Is(err, portaudio.OutputUnderflowed) {
			ds.xruns.Add(1) // the device ran dry before this write
		} else if err != nil {
			return 0, fmt.Errorf("%w: write: %w", errPumpFailed, err)
		}
		ds.ticks.Add(1)
	}
	return 0, nil
}

func (ds *deviceStream) framesDuration(frames int) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(ds.rate)
}
