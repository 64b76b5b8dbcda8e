package audio

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMeterReadsLevels(t *testing.T) {
	var m Meter
	if l := m.Level(); l.RMS != silenceDB || l.Peak != silenceDB {
		t.Fatalf("fresh meter = %+v, want silence", l)
	}
	frame := Tone(1000, 8000, 20*time.Millisecond, 0.5)
	m.Observe(frame)
	l := m.Level()
	// A sine at half scale: peak -6 dBFS, RMS -9 dBFS.
	if math.Abs(l.Peak+6) > 0.3 || math.Abs(l.RMS+9) > 0.3 {
		t.Errorf("level = %+v, want peak -6, rms -9", l)
	}
	// The needle falls gradually after the sound stops.
	m.Observe(make([]int16, 160))
	fall := m.Level()
	if fall.RMS >= l.RMS || fall.RMS < l.RMS-3 || fall.Peak != silenceDB {
		t.Errorf("after one silent frame = %+v, want a slow fall from %+v", fall, l)
	}
	out, _ := json.Marshal(fall)
	if !strings.Contains(string(out), `"rms_db"`) {
		t.Errorf("json = %s", out)
	}
}

func TestMeterIsSafeAcrossGoroutines(t *testing.T) {
	var m Meter
	var wg sync.WaitGroup
	wg.Add(2)
	frame := Tone(440, 8000, 20*time.Millisecond, 0.3)
	go func() {
		defer wg.Done()
		for range 1000 {
			m.Observe(frame)
		}
	}()
	go func() {
		defer wg.Done()
		for range 1000 {
			_ = m.Level()
		}
	}()
	wg.Wait()
}
