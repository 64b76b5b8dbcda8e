package portaudio

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// errHung is wrapped when a PortAudio call did not return in time.
var errHung = errors.New("sound system not responding")

// callTimeout bounds every PortAudio call. A sound server that is alive but
// stuck (a stopped PulseAudio daemon, say) makes Pa_Initialize and stream
// opens wait forever inside libpulse; the caller gets an error instead.
// Tests shorten it.
var callTimeout = 10 * time.Second

// PortAudio's API is not thread-safe, so one call runs at a time. The state
// below is owned by whoever holds the semaphore.
var (
	paSem    = make(chan struct{}, 1)
	paStuck  atomic.Bool // a call outlived callTimeout and still runs
	paRefs   int         // open Hosts, i.e. Pa_Initialize calls to undo
	paNoise  *noise      // stderr capture while paRefs > 0 (or pinned)
	paPinned bool        // an abandoned stream keeps PortAudio initialised
	paLogger atomic.Pointer[slog.Logger]
	// paAbandoned counts streams given up without closing (see
	// supervisor.abandon); atomic because abandoning must not wait for the
	// lock, which a call stuck on the same driver may hold.
	paAbandoned atomic.Int64
)

func setLogger(l *slog.Logger) { paLogger.Store(l) }

func logger() *slog.Logger {
	if l := paLogger.Load(); l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// callPA runs fn holding the PortAudio lock, with fd 2 redirected, and waits
// at most callTimeout. If fn is still running then, the error says so and
// later calls fail fast until it returns; if it then succeeds, undo (when
// not nil) reverts it, since nobody is left to use the result.
func callPA(what string, fn func() error, undo func()) error {
	if paStuck.Load() {
		return fmt.Errorf("PortAudio: %s: %w (an earlier call is still blocked)", what, errHung)
	}
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case paSem <- struct{}{}:
	case <-timer.C:
		return fmt.Errorf("PortAudio: %s: %w (busy for %v)", what, errHung, callTimeout)
	}
	var (
		mu       sync.Mutex
		result   error
		finished = make(chan struct{})
		gaveUp   bool
	)
	go func() {
		defer func() { <-paSem }()
		err := quiet(fn)
		mu.Lock()
		if gaveUp {
			mu.Unlock()
			if err == nil && undo != nil {
				_ = quiet(func() error { undo(); return nil })
			}
			paStuck.Store(false)
			logger().Debug("PortAudio call returned after its caller gave up", "call", what, "error", err)
			return
		}
		result = err
		mu.Unlock()
		close(finished)
	}()
	select {
	case <-finished:
		return result
	case <-timer.C:
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case <-finished:
		return result
	default:
	}
	gaveUp = true
	paStuck.Store(true)
	return fmt.Errorf("PortAudio: %s: %w (no answer within %v; is the sound server hung?)", what, errHung, callTimeout)
}

// quiet runs fn with fd 2 pointing at the noise pipe (when capturing) and
// turns a panic in the binding into an error.
func quiet(fn func() error) (err error) {
	if paNoise != nil {
		defer paNoise.redirectFD2()()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PortAudio: panic: %v", p)
		}
	}()
	return fn()
}

// pin keeps PortAudio initialised for the rest of the process: a stream
// whose thread is stuck inside a driver can be neither aborted nor closed
// (both join the thread) and Pa_Terminate would close it. Lock held.
func pin() error {
	if paPinned {
		return nil
	}
	if err := portaudio.Initialize(); err != nil {
		return fmt.Errorf("PortAudio: pin: %w", err)
	}
	paPinned = true
	return nil
}

// acquire initialises PortAudio for one more Host; lock held.
func acquire() error {
	if paNoise == nil {
		n, err := startNoise()
		if err != nil {
			logger().Debug("cannot capture native stderr", "error", err)
		}
		paNoise = n
	}
	// quiet again: the noise capture may have started just now.
	err := quiet(portaudio.Initialize)
	if err == nil {
		skipSmallStreamIDs.Do(burnStreamIDs)
	}
	if err != nil {
		if paRefs == 0 {
			stopNoise()
		}
		return fmt.Errorf("PortAudio: initialise: %w", err)
	}
	paRefs++
	return nil
}

// release undoes one acquire; lock held. The last one terminates PortAudio,
// which also re-reads the device list (and ALSA's configuration) next time.
func release() error {
	if paRefs == 0 {
		return nil
	}
	if paAbandoned.Load() > 0 {
		if err := pin(); err != nil {
			return err // better leak the session than close a stuck stream
		}
	}
	err := quiet(portaudio.Terminate)
	paRefs--
	if paRefs == 0 && !paPinned {
		stopNoise()
	}
	if err != nil {
		return fmt.Errorf("PortAudio: terminate: %w", err)
	}
	return nil
}

// The binding hands its stream ids (0, 1, 2, …) to C as pointers. Under the
// race detector, checkptr aborts the process for any id from 1 to 4095
// ("pointer arithmetic computed bad pointer value"). OpenStream without a
// callback or buffers fails its argument check after taking an id and
// before touching PortAudio, so doing that 4096 times moves real streams
// to ids checkptr accepts. It costs about a millisecond, once per process.
var skipSmallStreamIDs sync.Once

func burnStreamIDs() {
	for range 4096 {
		_, _ = portaudio.OpenStream(portaudio.StreamParameters{})
	}
}

func stopNoise() {
	if paNoise != nil {
		paNoise.stop()
		paNoise = nil
	}
}
