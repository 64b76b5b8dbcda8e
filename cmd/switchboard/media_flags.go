package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/phone"
)

// callFlags are the flags that dial and answer share.
type callFlags struct {
	account, listen, play, record string
	hangupAfter                   time.Duration
	asJSON                        bool
}

func (f *callFlags) register(fl *pflag.FlagSet, recordNote string) {
	fl.StringVar(&f.account, "account", "", "account name (default: the first account)")
	fl.StringVar(&f.listen, "listen", "", "local host:port to use instead of the account's listen address")
	fl.StringVar(&f.play, "play", "", "WAV file to send into the call (any PCM rate, mono or stereo)")
	fl.StringVar(&f.record, "record", "", "write a stereo WAV of the call: left = sent, right = received"+recordNote)
	fl.DurationVar(&f.hangupAfter, "hangup-after", 0, "hang up this long after the answer (0 = wait for the other side)")
	fl.BoolVar(&f.asJSON, "json", false, "print events as JSON lines")
}

// mediaFactory gives each call its own audio: the sound backend's, with --play
// and --record on top. Sources keep a play position, so calls never share one.
type mediaFactory struct {
	base   func(c callInfo) phone.Media // the configured backend, with automatic recording
	clip   *audio.Clip
	record string
	count  int
}

// newMediaFactory checks --play and --record before anything starts; the
// session's sound backend is attached (base) once it is open.
func newMediaFactory(play, record string) (*mediaFactory, error) {
	f := &mediaFactory{base: func(callInfo) phone.Media { return phone.Media{} }, record: record}
	if play != "" {
		clip, err := audio.ReadWAV(play)
		if err != nil {
			return nil, usageErrorf("--play: %w", err)
		}
		f.clip = clip
	}
	if record != "" {
		dir := filepath.Dir(record)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, usageErrorf("--record: directory %s does not exist", dir)
		}
	}
	return f, nil
}

// next returns the media of the next call; the second and later recordings get a
// -2, -3 … suffix so that no call overwrites another.
func (f *mediaFactory) next(c callInfo) phone.Media {
	f.count++
	m := f.base(c)
	if clip := f.clip; clip != nil {
		m.Source = func(rate int) (audio.Source, error) { return audio.NewClipSource(clip, rate), nil }
	}
	if f.record != "" { // --record wins over recording.auto
		m.RecordPath = f.record
		if f.count > 1 {
			ext := filepath.Ext(f.record)
			m.RecordPath = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(f.record, ext), f.count, ext)
		}
	}
	return m
}
