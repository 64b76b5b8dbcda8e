// Package portaudio plays and captures call audio on sound cards through
// PortAudio (github.com/gordonklaus/portaudio, cgo).
//
// It hides three things the rest of switchboard should not care about: the
// device rate (everything is resampled to and from the codec rate with
// audio.StreamResampler), the noise ALSA and JACK print on stderr (forwarded
// to the log at Debug, never to the terminal), and devices that fail mid-call
// (streams fall back to the default device or keep running on silence, and
// come back when the device does; see Options.OnDeviceChange).
//
// PortAudio is process-global: all Hosts share one initialisation, counted
// by reference, and every PortAudio call is serialised and bounded in time,
// so a hung sound server yields an error instead of a hang.
package portaudio

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/gordonklaus/portaudio"
)

// ErrNoDevice is wrapped by the errors of Find when nothing matches.
var ErrNoDevice = errors.New("no such device")

// ErrClosed is returned by a Host (or stream) used after Close.
var ErrClosed = errors.New("PortAudio: closed")

// Device describes one PortAudio device as enumerated when the Host opened.
type Device struct {
	Index             int     `json:"index"`
	Name              string  `json:"name"`
	HostAPI           string  `json:"host_api"`
	MaxInputChannels  int     `json:"max_input_channels"`
	MaxOutputChannels int     `json:"max_output_channels"`
	DefaultSampleRate float64 `json:"default_sample_rate"`
	DefaultInput      bool    `json:"default_input"`
	DefaultOutput     bool    `json:"default_output"`
}

// DeviceEvent reports a device change of a running stream. Device is the
// device the stream was opened on; Reason says what happened and, for a
// fallback, which device took over.
type DeviceEvent struct {
	Kind   string // EventLost, EventFallback or EventRestored
	Device string
	Reason string
}

// DeviceEvent kinds.
const (
	// EventLost: the device failed and no other works; the stream runs on
	// silence (capture yields silence, playback drains its source).
	EventLost = "lost"
	// EventFallback: the device failed; the default device took over.
	EventFallback = "fallback"
	// EventRestored: the stream is back on the device it was opened on.
	EventRestored = "restored"
)

// Options configure a stream.
type Options struct {
	// OnDeviceChange is called from the stream's watchdog goroutine; it must
	// not block for long. Nil ignores events.
	OnDeviceChange func(DeviceEvent)
}

// Host is an open PortAudio session with the devices found when it opened.
// PortAudio sees hot-plugged devices only after every Host is closed and a
// new one opened; a stream's restore re-opens its device by name, which
// works as long as the device was present when the Host opened.
type Host struct {
	log *slog.Logger

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // streams being opened; Close waits for them
	devices  []Device
	infos    map[int]*portaudio.DeviceInfo
	streams  map[*supervisor]struct{}
}

// Open initialises PortAudio (or joins the running initialisation) and
// enumerates the devices. A machine without any usable device is not an
// error here: Devices then returns an empty list. log receives what the
// native libraries print, at Debug.
func Open(log *slog.Logger) (*Host, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	setLogger(log)
	h := &Host{log: log, streams: make(map[*supervisor]struct{})}
	err := callPA("initialise", func() error {
		if err := acquire(); err != nil {
			return err
		}
		devices, infos, err := enumerate()
		if err != nil {
			release()
			return err
		}
		h.devices, h.infos = devices, infos
		return nil
	}, func() { release() }) // the caller gave up waiting: undo a late success
	if err != nil {
		return nil, err
	}
	log.Debug("PortAudio opened", "version", portaudio.VersionText(), "devices", len(h.devices))
	return h, nil
}

// enumerate lists the devices; called with the PortAudio lock held.
func enumerate() ([]Device, map[int]*portaudio.DeviceInfo, error) {
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, nil, fmt.Errorf("list devices: %w", err)
	}
	defIn, defOut := -1, -1
	if d, err := portaudio.DefaultInputDevice(); err == nil && d != nil {
		defIn = d.Index
	}
	if d, err := portaudio.DefaultOutputDevice(); err == nil && d != nil {
		defOut = d.Index
	}
	devices := make([]Device, 0, len(infos))
	byIndex := make(map[int]*portaudio.DeviceInfo, len(infos))
	for _, info := range infos {
		hostAPI := ""
		if info.HostApi != nil {
			hostAPI = info.HostApi.Name
		}
		devices = append(devices, Device{
			Index:             info.Index,
			Name:              info.Name,
			HostAPI:           hostAPI,
			MaxInputChannels:  info.MaxInputChannels,
			MaxOutputChannels: info.MaxOutputChannels,
			DefaultSampleRate: info.DefaultSampleRate,
			DefaultInput:      info.Index == defIn && info.MaxInputChannels > 0,
			DefaultOutput:     info.Index == defOut && info.MaxOutputChannels > 0,
		})
		byIndex[info.Index] = info
	}
	return devices, byIndex, nil
}

// Devices returns the devices found when the Host opened; empty when the
// machine has no usable sound device.
func (h *Host) Devices() ([]Device, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	return slices.Clone(h.devices), nil
}

// Find picks a device with input (or output) channels: "" or "default" is
// PortAudio's default device, anything else a case-insensitive match of the
// name, exact matches first, then the first device containing it.
func (h *Host) Find(name string, output bool) (Device, error) {
	devices, err := h.Devices()
	if err != nil {
		return Device{}, err
	}
	direction := "input"
	if output {
		direction = "output"
	}
	var candidates []Device
	for _, d := range devices {
		if (output && d.MaxOutputChannels > 0) || (!output && d.MaxInputChannels > 0) {
			candidates = append(candidates, d)
		}
	}
	if len(candidates) == 0 {
		return Device{}, fmt.Errorf("PortAudio: %w: the machine has no %s devices", ErrNoDevice, direction)
	}
	want := strings.ToLower(strings.TrimSpace(name))
	if want == "" || want == "default" {
		for _, d := range candidates {
			if (output && d.DefaultOutput) || (!output && d.DefaultInput) {
				return d, nil
			}
		}
		return Device{}, fmt.Errorf("PortAudio: %w: no default %s device (available: %s)", ErrNoDevice, direction, names(candidates))
	}
	for _, d := range candidates {
		if strings.ToLower(d.Name) == want {
			return d, nil
		}
	}
	for _, d := range candidates {
		if strings.Contains(strings.ToLower(d.Name), want) {
			return d, nil
		}
	}
	return Device{}, fmt.Errorf("PortAudio: %w: %s %q (available: %s)", ErrNoDevice, direction, name, names(candidates))
}

func names(devices []Device) string {
	quoted := make([]string, len(devices))
	for i, d := range devices {
		quoted[i] = fmt.Sprintf("%q", d.Name)
	}
	return strings.Join(quoted, ", ")
}

// lookup finds the device called name with channels in the given direction,
// preferring index (the device list does not change while a Host is open,
// but two devices may share a name).
func (h *Host) lookup(name string, index int, output bool) (Device, *portaudio.DeviceInfo, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var found *Device
	for i := range h.devices {
		d := &h.devices[i]
		usable := (output && d.MaxOutputChannels > 0) || (!output && d.MaxInputChannels > 0)
		if !usable || d.Name != name {
			continue
		}
		if found == nil || d.Index == index {
			found = d
		}
	}
	if found == nil {
		return Device{}, nil, false
	}
	return *found, h.infos[found.Index], true
}

// defaultDevice is the default input or output device, if any.
func (h *Host) defaultDevice(output bool) (Device, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, d := range h.devices {
		if (output && d.DefaultOutput) || (!output && d.DefaultInput) {
			return d, true
		}
	}
	return Device{}, false
}

// begin marks a stream open in progress; false once the Host is closed.
func (h *Host) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.inflight.Add(1)
	return true
}

// register adds a stream that Close must stop (called before the matching
// inflight.Done, so Close sees it).
func (h *Host) register(s *supervisor) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.streams[s] = struct{}{}
}

func (h *Host) unregister(s *supervisor) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.streams, s)
}

// Close stops the Host's streams and leaves PortAudio (terminating it when
// this was the last Host). It is safe to call more than once.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.inflight.Wait()
	h.mu.Lock()
	streams := make([]*supervisor, 0, len(h.streams))
	for s := range h.streams {
		streams = append(streams, s)
	}
	h.mu.Unlock()
	for _, s := range streams {
		s.close()
	}
	return callPA("terminate", func() error {
		release()
		return nil
	}, nil)
}
