package portaudio

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// Watchdog timing; variables so tests can shorten them.
var (
	// watchInterval is how often a stream's health is checked.
	watchInterval = 100 * time.Millisecond
	// stallTimeout declares a stream dead when no period moved for this
	// long although PortAudio still calls it active. Generous: a fresh
	// PulseAudio null sink legitimately pauses over a second at start, and
	// a stalled stream is abandoned (see abandon), not closed.
	stallTimeout = 5 * time.Second
	// restoreInterval paces attempts to get the wanted device back.
	restoreInterval = 2 * time.Second
)

// endpoint is what differs between capture and playback.
type endpoint interface {
	// processor builds what the pump calls with each period of a stream on
	// ds (its rate, channel count and period are set): capture consumes
	// the samples, playback fills them in.
	processor(ds *deviceStream) (func(period []int16), error)
	// live tells whether a device stream is running; false means the
	// endpoint must keep the call going on its own (silence).
	live(on bool)
	// halt stops whatever live(false) started, for good.
	halt()
}

// deviceStream is one PortAudio blocking stream on one device, moved by
// its pump (see pump.go).
type deviceStream struct {
	dev      Device
	rate     int
	channels int
	period   int     // frames moved per read or write
	buf      []int16 // one period, interleaved; PortAudio reads and writes it
	process  func(period []int16)
	s        *portaudio.Stream
	ticks    atomic.Uint64  // periods moved so far, the watchdog's heartbeat
	xruns    *atomic.Uint64 // the supervisor's count of under- and overflows
	// dead is set when the stream is abandoned: should its pump ever come
	// back from PortAudio, it must not touch the endpoint, which has moved on.
	dead atomic.Bool

	// Owned by the pump.
	bufferFrames int       // the device buffer's size, learnt before the first write
	queueLimit   int       // playback: frames kept queued at most; 0 = the whole buffer
	queueMin     int       // playback: the least queueLimit shrinks to
	queueMax     int       // playback: how far queueLimit may grow after near-underruns
	strainedAt   time.Time // playback: the last late wake-up or nearly dry device

	// Owned by whoever starts and stops the pump (the supervisor).
	pumpStop chan struct{}
	pumpDone chan struct{}
	pumpErr  atomic.Pointer[string] // why the pump gave up, set once

	seen     uint64 // watchdog only
	progress time.Time
}

// failure says why ds must be given up, or "". stuck means PortAudio still
// runs the stream but its pump makes no progress: it is blocked inside the
// driver, and aborting would block us too.
func (ds *deviceStream) failure(now time.Time) (reason string, stuck bool) {
	if t := ds.ticks.Load(); t != ds.seen {
		ds.seen, ds.progress = t, now
	}
	if msg := ds.pumpErr.Load(); msg != nil {
		return *msg, false // the pump has returned, so closing is safe
	}
	active, known := streamActive(ds.s)
	if known && !active {
		return "PortAudio stopped the stream (device error)", false
	}
	if now.Sub(ds.progress) > stallTimeout {
		return fmt.Sprintf("no audio moved for %v", stallTimeout), known
	}
	return "", false
}

// supervisor keeps one logical stream (a call's microphone or speaker)
// running across device failures.
type supervisor struct {
	host     *Host
	ep       endpoint
	output   bool
	want     Device // the device asked for; restored when it works again
	override float64
	rate     int // the codec rate, tried first
	onEvent  func(DeviceEvent)
	log      *slog.Logger

	// Owned by run (and by start before run begins).
	cur    *deviceStream // nil while lost
	onWant bool

	reopens   atomic.Uint64
	xruns     atomic.Uint64 // reads and writes PortAudio flagged with an under- or overflow
	curName   atomic.Pointer[string]
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// startStream opens dev for ep and starts its watchdog.
func (h *Host) startStream(dev Device, output bool, rate int, override float64, opts Options, ep endpoint) (*supervisor, error) {
	if !h.begin() {
		return nil, ErrClosed
	}
	defer h.inflight.Done()
	sv := &supervisor{
		host: h, ep: ep, output: output, want: dev, override: override, rate: rate,
		onEvent: opts.OnDeviceChange,
		log:     h.log.With("direction", direction(output), "device", dev.Name),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	ds, err := sv.open(dev)
	if err != nil {
		return nil, err
	}
	if err := sv.install(ds); err != nil {
		ep.halt()
		return nil, err
	}
	sv.onWant = true
	h.register(sv)
	go sv.run()
	return sv, nil
}

// stalled reports, when a stream is to be closed, that PortAudio calls it
// active although no period has moved for a second (fifty periods) and the
// pump saw no error: the sound server has stopped answering, and aborting
// the stream would wait for it forever.
func (ds *deviceStream) stalled(now time.Time) bool {
	if t := ds.ticks.Load(); t != ds.seen || ds.pumpErr.Load() != nil {
		return false
	}
	active, known := streamActive(ds.s)
	return known && active && now.Sub(ds.progress) > time.Second
}

// install stops the current stream (or the endpoint's silence) and starts
// ds in its place; a nil ds switches to silence.
func (sv *supervisor) install(ds *deviceStream) error {
	wasLive := sv.cur != nil
	if sv.cur != nil {
		sv.closeStream(sv.cur)
		sv.cur = nil
		sv.curName.Store(nil)
	}
	if ds == nil {
		sv.ep.live(false)
		return nil
	}
	if !wasLive {
		sv.ep.live(true) // stops the silence pacing before the device takes over
	}
	ds.progress = time.Now()
	if err := callPA("start "+ds.dev.Name, ds.s.Start, nil); err != nil {
		sv.closeStream(ds)
		sv.ep.live(false)
		return fmt.Errorf("PortAudio: start %s %q: %w", direction(sv.output), ds.dev.Name, err)
	}
	ds.startPump(sv.output)
	sv.cur = ds
	sv.curName.Store(&ds.dev.Name)
	sv.log.Debug("audio stream running", "on", ds.dev.Name, "rate", ds.rate, "channels", ds.channels)
	return nil
}

// closeStream stops ds's pump, then aborts and closes ds; errors only
// matter for the log, the device is usually gone when this is called after
// a failure. A pump that does not come back is stuck in the driver: the
// stream is abandoned instead, as closing it would get stuck too.
func (sv *supervisor) closeStream(ds *deviceStream) {
	if !ds.stopPump() || ds.stalled(time.Now()) {
		sv.abandon(ds)
		return
	}
	err := callPA("close "+ds.dev.Name, func() error {
		_ = ds.s.Abort() // immediate; Stop would wait for a dead device to drain
		return ds.s.Close()
	}, nil)
	if err != nil {
		sv.log.Debug("close audio stream", "on", ds.dev.Name, "error", err)
	}
}

// abandon gives up a stream whose pump is stuck in the driver without
// calling into PortAudio for it ever again; it leaks a thread and keeps
// PortAudio initialised, which beats hanging the call.
func (sv *supervisor) abandon(ds *deviceStream) {
	ds.dead.Store(true)
	paAbandoned.Add(1) // release pins PortAudio instead of terminating it
	sv.log.Warn("abandoning a stuck audio stream; PortAudio stays initialised until exit", "on", ds.dev.Name)
}

// run is the watchdog: it replaces a failed stream and brings the wanted
// device back.
func (sv *supervisor) run() {
	defer close(sv.done)
	ticker := time.NewTicker(watchInterval)
	defer ticker.Stop()
	var nextRestore time.Time
	for {
		select {
		case <-sv.stop:
			if ds := sv.cur; ds != nil {
				sv.cur = nil
				sv.closeStream(ds) // abandons it if its pump is stuck
			}
			sv.ep.halt()
			return
		case <-ticker.C:
		}
		now := time.Now()
		if sv.cur != nil {
			if reason, stuck := sv.cur.failure(now); reason != "" {
				sv.recover(reason, stuck)
				nextRestore = time.Now().Add(restoreInterval)
			}
		}
		if !sv.onWant && now.After(nextRestore) {
			sv.restore()
			nextRestore = time.Now().Add(restoreInterval)
		}
	}
}

// recover replaces the failed current stream: the same device again (a
// stall can be transient), the wanted device, the default device, or
// silence.
func (sv *supervisor) recover(reason string, stuck bool) {
	failed, wasWant := sv.cur.dev, sv.onWant
	sv.reopens.Add(1)
	sv.log.Warn("audio device failed", "on", failed.Name, "reason", reason)
	if stuck {
		sv.abandon(sv.cur)
	} else {
		sv.closeStream(sv.cur)
	}
	sv.cur = nil
	sv.curName.Store(nil)
	// Silence first: opening a device can take until callTimeout when the
	// sound server hangs, and the call must not wait for that.
	sv.ep.live(false)
	for _, dev := range sv.candidates() {
		if sv.stopping() {
			return // Close is waiting; run's stop branch cleans up
		}
		ds, err := sv.open(dev)
		if err != nil {
			sv.log.Debug("reopen failed", "on", dev.Name, "error", err)
			continue
		}
		if err := sv.install(ds); err != nil {
			sv.log.Debug("restart failed", "on", dev.Name, "error", err)
			continue
		}
		isWant := dev.Index == sv.want.Index
		sv.onWant = isWant
		switch {
		case isWant && !wasWant:
			sv.emit(EventRestored, fmt.Sprintf("%s after %s failed: %s", sv.want.Name, failed.Name, reason))
		case !isWant && wasWant:
			sv.emit(EventFallback, fmt.Sprintf("%s; using %s", reason, dev.Name))
		default:
			sv.log.Info("audio stream reopened", "on", dev.Name, "after", reason)
		}
		return
	}
	sv.onWant = false
	_ = sv.install(nil)
	sv.emit(EventLost, fmt.Sprintf("%s; no working %s device, continuing with silence", reason, direction(sv.output)))
}

// restore tries the wanted device and, while on silence, the default one.
func (sv *supervisor) restore() {
	wasLive := sv.cur != nil
	ds, err := sv.open(sv.want)
	if err == nil {
		if err = sv.install(ds); err == nil {
			sv.onWant = true
			sv.emit(EventRestored, sv.want.Name+" works again")
			return
		}
	}
	if sv.cur != nil || sv.stopping() {
		return // keep the fallback
	}
	if def, ok := sv.host.defaultDevice(sv.output); ok && def.Index != sv.want.Index {
		if ds, derr := sv.open(def); derr == nil && sv.install(ds) == nil {
			sv.emit(EventFallback, fmt.Sprintf("%s still unavailable (%v); using %s", sv.want.Name, err, def.Name))
			return
		}
	}
	if wasLive { // a failed switch cost us the fallback
		sv.emit(EventLost, fmt.Sprintf("%v; continuing with silence", err))
	}
}

// candidates lists the devices to try after a failure, wanted first.
func (sv *supervisor) candidates() []Device {
	list := []Device{sv.want}
	if def, ok := sv.host.defaultDevice(sv.output); ok && def.Index != sv.want.Index {
		list = append(list, def)
	}
	return list
}

func (sv *supervisor) emit(kind, reason string) {
	sv.log.Warn("audio device change", "kind", kind, "reason", reason)
	if sv.onEvent != nil {
		sv.onEvent(DeviceEvent{Kind: kind, Device: sv.want.Name, Reason: reason})
	}
}

func (sv *supervisor) stopping() bool {
	select {
	case <-sv.stop:
		return true
	default:
		return false
	}
}

// close stops the watchdog and the stream; safe to call more than once.
func (sv *supervisor) close() {
	sv.closeOnce.Do(func() { close(sv.stop) })
	<-sv.done
	sv.host.unregister(sv)
}

// Stats describe a stream's health.
type Stats struct {
	Device    string // device in use; "" while running on silence
	Reopens   uint64 // failures handled
	Underruns uint64 // capture: frames padded with silence; playback: device underflows
	Overruns  uint64 // capture: samples dropped to bound latency
	Xruns     uint64 // reads and writes PortAudio flagged with an under- or overflow
}

func (sv *supervisor) stats() Stats {
	var st Stats
	if name := sv.curName.Load(); name != nil {
		st.Device = *name
	}
	st.Reopens = sv.reopens.Load()
	st.Xruns = sv.xruns.Load()
	return st
}
