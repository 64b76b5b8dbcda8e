package sound

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// drainTime lets the device play what it still buffers after the last
// sample was handed over, so the end of a recording is not cut off.
const drainTime = 300 * time.Millisecond

// ErrNothingToPlayOn is returned (wrapped) by PlayFile when the backend has
// no output: the null backend, or the file backend without file_output.
var ErrNothingToPlayOn = errors.New("the audio backend has no output")

// PlayFile plays a WAV file (for a call recording, both sides mixed) on the
// output device, or writes it to file_output with the file backend. It
// returns how much audio was played, when all of it was or ctx ended.
func (b *Backend) PlayFile(ctx context.Context, path string) (time.Duration, error) {
	return b.PlayFileNotify(ctx, path, nil)
}

// PlayFileNotify is PlayFile that tells started, once the audio is on its
// way, how long the file is (a command says "playing", a test starts
// listening).
func (b *Backend) PlayFileNotify(ctx context.Context, path string, started func(length time.Duration)) (time.Duration, error) {
	clip, err := audio.ReadWAV(path)
	if err != nil {
		return 0, fmt.Errorf("play %s: %w", path, err)
	}
	if started == nil {
		started = func(time.Duration) {}
	}
	switch {
	case b.kind == "portaudio":
		return b.playOnCard(ctx, clip, started)
	case b.kind == "file" && b.cfg.FileOutput != "":
		started(clip.Duration())
		return clip.Duration(), writeClip(b.cfg.FileOutput, clip)
	}
	return 0, fmt.Errorf("play %s: %w (backend %q)", path, ErrNothingToPlayOn, b.kind)
}

func (b *Backend) playOnCard(ctx context.Context, clip *audio.Clip, notify func(time.Duration)) (time.Duration, error) {
	src := &endSignal{ClipSource: audio.NewClipSource(clip, clip.Rate).(*audio.ClipSource), done: make(chan struct{})}
	stop, err := b.cards.play(b.cards.output, b.cfg.OutputRate, audio.NewGainSource(src, float64(b.cfg.OutputGain)), clip.Rate)
	if err != nil {
		return 0, err
	}
	started := time.Now()
	notify(clip.Duration())
	select {
	case <-src.done:
		select {
		case <-time.After(drainTime):
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
	if err := stop(); err != nil {
		b.log.Debug("stop playback", "error", err)
	}
	return min(time.Since(started), clip.Duration()), nil
}

// endSignal closes done the first time the device asks for audio past the
// end of the clip.
type endSignal struct {
	*audio.ClipSource
	done   chan struct{}
	closed atomic.Bool
}

func (s *endSignal) ReadFrame(frame []int16) error {
	err := s.ClipSource.ReadFrame(frame)
	if s.ClipSource.Done() && s.closed.CompareAndSwap(false, true) {
		close(s.done)
	}
	return err
}

// writeClip writes the clip as a mono WAV: what the file backend "plays".
func writeClip(path string, clip *audio.Clip) error {
	if err := audio.WriteWAV(path, clip.Rate, 1, clip.Samples); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
