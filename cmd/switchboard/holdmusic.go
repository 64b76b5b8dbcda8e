package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

// holdMusic turns calls.hold_music into the phone's Options.HoldMusic: the
// generated chime, silence (nil: the phone sends silence without music), or
// a WAV file played in a loop. The file is decoded here, at start-up, so
// that a broken one stops the start with a clear message instead of
// failing the first hold in the middle of a call.
func holdMusic(setting string) (func(rate int) (audio.Source, error), error) {
	switch setting {
	case config.HoldMusicTone, "":
		return phone.HoldToneMusic, nil
	case config.HoldMusicSilence:
		return nil, nil
	}
	clip, err := audio.ReadWAV(setting)
	if err != nil {
		return nil, fmt.Errorf("calls.hold_music: %w", err)
	}
	if len(clip.Samples) == 0 {
		return nil, errors.New("calls.hold_music: " + setting + " holds no audio")
	}
	music := &loopingMusic{clip: clip, atRate: map[int]*audio.Clip{}}
	return music.source, nil
}

// loopingMusic is a music-on-hold clip, resampled once per codec rate: a
// long file takes a moment to resample, and every hold would pay it again.
type loopingMusic struct {
	clip   *audio.Clip
	mu     sync.Mutex
	atRate map[int]*audio.Clip
}

func (m *loopingMusic) source(rate int) (audio.Source, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("music on hold at rate %d", rate)
	}
	m.mu.Lock()
	clip, ok := m.atRate[rate]
	if !ok {
		clip = &audio.Clip{Rate: rate, Samples: audio.Resample(m.clip.Samples, m.clip.Rate, rate)}
		m.atRate[rate] = clip
	}
	m.mu.Unlock()
	// Same rate: NewLoopingClipSource copies the samples, so each hold
	// reads its own position from the start.
	return audio.NewLoopingClipSource(clip, rate), nil
}
