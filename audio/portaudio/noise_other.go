//go:build !linux

package portaudio

// Elsewhere the native libraries are quiet enough (CoreAudio, WASAPI do not
// print), so nothing is captured.
type noise struct{}

func startNoise() (*noise, error) { return &noise{}, nil }

func (*noise) stop() {}

func (*noise) redirectFD2() (restore func()) { return func() {} }
