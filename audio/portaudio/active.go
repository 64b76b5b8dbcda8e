package portaudio

/*
#cgo pkg-config: portaudio-2.0
#include <portaudio.h>
*/
import "C"

import (
	"reflect"
	"unsafe"

	"github.com/gordonklaus/portaudio"
)

// The binding does not expose Pa_IsStreamActive, yet that is the one clear
// sign that PortAudio's ALSA thread gave up on a device (it exits and clears
// the flag within a period when, say, the sound server dies). The PaStream
// pointer sits in the unexported field paStream; its offset is looked up by
// reflection, so a binding that renames or retypes the field disables this
// check (the stall watchdog still works) instead of reading garbage.
var paStreamOffset = func() uintptr {
	f, ok := reflect.TypeOf(portaudio.Stream{}).FieldByName("paStream")
	if !ok || f.Type != reflect.TypeOf(unsafe.Pointer(nil)) {
		return ^uintptr(0)
	}
	return f.Offset
}()

// streamActive reports whether PortAudio still runs s; known is false when
// the binding's layout is not the expected one. Only call it while s is
// open, from the goroutine that will close it.
func streamActive(s *portaudio.Stream) (active, known bool) {
	if paStreamOffset == ^uintptr(0) {
		return false, false
	}
	p := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(s), paStreamOffset))
	if p == nil {
		return false, false
	}
	switch C.Pa_IsStreamActive(p) {
	case 1:
		return true, true
	case 0:
		return false, true
	default: // an error code: the stream is not usable either
		return false, true
	}
}
