package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard/switchboard/config"
)

// RecordingPath names the recording of a call from recording.pattern in
// recording.dir, creating the folder. Placeholders: {date} {time} {direction}
// {number} {contact} {id}. An existing file is never overwritten: -2, -3 …
// are added before the extension.
func RecordingPath(r config.Recording, direction, number, contact, callID string, at time.Time) (string, error) {
	if contact == "" {
		contact = "unknown"
	}
	if len(callID) > 8 {
		callID = callID[:8]
	}
	name := strings.NewReplacer(
		"{date}", at.Format("2006-01-02"),
		"{time}", at.Format("150405"),
		"{direction}", safeName(direction),
		"{number}", safeName(number),
		"{contact}", safeName(contact),
		"{id}", safeName(callID),
	).Replace(r.Pattern)
	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return "", fmt.Errorf("recording folder: %w", err)
	}
	path := filepath.Join(r.Dir, name)
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for n := 2; ; n++ {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return path, nil
		}
		path = fmt.Sprintf("%s-%d%s", base, n, ext)
	}
}

// safeName keeps what is harmless in a file name on every system.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '+', r == '-', r == '_':
			b.WriteRune(r)
		case r > 127 && r != 0xFFFD: // letters of other scripts (Cyrillic names) are fine
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := b.String()
	if out == "" {
		return "_"
	}
	return out
}
