package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

func TestRecordingPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	r := config.Recording{Dir: dir, Pattern: "{date}_{time}_{direction}_{number}_{contact}_{id}.wav"}
	at := time.Date(2026, 3, 5, 16, 30, 7, 0, time.UTC)
	got, err := RecordingPath(r, "in", "+7 (495) 123/45", "Иван ../Петров", "0123456789abcdef", at)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "2026-03-05_163007_in_+7__495__123_45_Иван____Петров_01234567.wav")
	if got != want {
		t.Errorf("path\n%s\nwant\n%s", got, want)
	}
	if err := os.WriteFile(got, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := RecordingPath(r, "in", "+7 (495) 123/45", "Иван ../Петров", "0123456789abcdef", at)
	if err != nil {
		t.Fatal(err)
	}
	if second == got || filepath.Dir(second) != dir {
		t.Errorf("an existing recording would be overwritten: %s", second)
	}
}
