//go:build linux

package portaudio

/*
#cgo pkg-config: alsa
#include <stdlib.h>
#include <alsa/asoundlib.h>

static int sbProbePCM(const char *name, int capture) {
	snd_pcm_t *pcm;
	int err = snd_pcm_open(&pcm, name, capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (err < 0) {
		return err;
	}
	snd_pcm_close(pcm);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// probeDevice checks with ALSA itself that an ALSA device can be opened
// before PortAudio tries. PortAudio 19.6 keeps the error of its internal
// checks in a global variable that every stream thread writes; when an
// open fails while another stream runs, the failure can be read back as
// success and the process dies on an assertion ("PaAlsaStream_Initialize:
// Assertion `self->capture.nfds || self->playback.nfds' failed"). Probing
// first means PortAudio is only asked to open devices that are there, so
// the retry loop of a lost device never feeds that race. Lock held.
func probeDevice(dev Device, output bool) error {
	if dev.HostAPI != "ALSA" {
		return nil
	}
	name := alsaPCMName(dev.Name)
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	capture := C.int(1)
	if output {
		capture = 0
	}
	if rc := C.sbProbePCM(cname, capture); rc < 0 {
		return fmt.Errorf("ALSA cannot open %q: %s", name, C.GoString(C.snd_strerror(rc)))
	}
	return nil
}

// alsaPCMName maps a PortAudio ALSA device name to the PCM to open: cards
// are listed as "HDA Intel PCH: ALC892 Analog (hw:0,0)", plugins (default,
// pulse, dmix, names from asoundrc) by their own name.
func alsaPCMName(name string) string {
	if i := strings.LastIndex(name, "(hw:"); i >= 0 && strings.HasSuffix(name, ")") {
		return name[i+1 : len(name)-1]
	}
	return name
}
