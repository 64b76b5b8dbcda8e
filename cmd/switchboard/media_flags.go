package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/phone"
)

// codecRate is the sample rate of every codec offered today (G.711).
const codecRate = 8000

// mediaFactory gives each call its own audio from --play and --record: sources
// keep a play position, so calls must not share one.
type mediaFactory struct {
	clip   *audio.Clip
	record string
	count  int
}

func newMediaFactory(play, record string) (*mediaFactory, error) {
	f := &mediaFactory{record: record}
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
func (f *mediaFactory) next() phone.Media {
	f.count++
	m := phone.Media{}
	if f.clip != nil {
		m.Source = audio.NewClipSource(f.clip, codecRate)
	}
	if f.record != "" {
		m.RecordPath = f.record
		if f.count > 1 {
			ext := filepath.Ext(f.record)
			m.RecordPath = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(f.record, ext), f.count, ext)
		}
	}
	return m
}
