package jitter

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

func TestStatsJSONInMilliseconds(t *testing.T) {
	st := Stats{
		Depth: 12500 * time.Microsecond, Target: 40 * time.Millisecond, Jitter: 3250 * time.Microsecond,
		Received: 100, Late: 1, Lost: 2, Concealed: 3, Duplicates: 4, Reordered: 5, DriftPPM: -123.45,
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{
		"depth_ms": 12.5, "target_ms": 40, "jitter_ms": 3.25, "received": 100, "late": 1,
		"lost": 2, "concealed": 3, "duplicates": 4, "reordered": 5, "drift_ppm": -123.5,
	} {
		if got, ok := m[k].(float64); !ok || got != want {
			t.Errorf("%s = %v, want the number %v (JSON %s)", k, m[k], want, raw)
		}
	}
	if len(m) != 10 {
		t.Errorf("JSON has %d keys: %s", len(m), raw)
	}
	var back Stats
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	st.DriftPPM = -123.5
	if back != st {
		t.Errorf("round trip: %+v, want %+v", back, st)
	}
	// Inside a larger document (the --json output) the same holds.
	raw, _ = json.Marshal(struct{ Jitter Stats }{st})
	if err := json.Unmarshal(raw, &struct{ Jitter *Stats }{&back}); err != nil || back != st {
		t.Errorf("nested: %s", raw)
	}
}

func TestStatsFromLiveBuffer(t *testing.T) {
	r := sim{dur: 5 * time.Second, jitter: 20 * time.Millisecond, seed: 1}.run(t)
	st := r.buf.Stats()
	if st.Received != 250 || st.Target < 20*time.Millisecond || st.Jitter <= 0 {
		t.Errorf("stats %+v", st)
	}
	raw, _ := json.Marshal(st)
	var m map[string]float64
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m["target_ms"], ms(st.Target); got < want-0.001 || got > want+0.001 {
		t.Errorf("target_ms %v, want %v", got, want)
	}
}

// One goroutine pushes, one reads, one polls Stats: run with -race.
func TestConcurrentPushReadStats(t *testing.T) {
	b := newBuffer(t, g711)
	const n = 2000
	var audio, poll sync.WaitGroup
	done := make(chan struct{})
	audio.Add(2)
	go func() {
		defer audio.Done()
		pcm := make([]int16, 160)
		t0 := time.Now()
		for k := range n {
			b.Push(uint16(k), uint32(k*160), pcm, t0.Add(time.Duration(k)*20*time.Millisecond))
		}
	}()
	go func() {
		defer audio.Done()
		f := make([]int16, 160)
		for range n {
			_ = b.ReadFrame(f)
		}
	}()
	poll.Add(1)
	go func() {
		defer poll.Done()
		for {
			select {
			case <-done:
				return
			default:
				_ = b.Stats()
			}
		}
	}()
	audio.Wait()
	close(done)
	poll.Wait()
	if st := b.Stats(); st.Received != n || st.Duplicates != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestReadFrameDoesNotAllocate(t *testing.T) {
	for _, c := range []struct {
		name string
		skip int // every skip-th packet is lost, so concealment runs too
	}{{"steady", 0}, {"concealing", 3}} {
		t.Run(c.name, func(t *testing.T) {
			b := newBuffer(t, Config{ClockRate: 48000, FrameSamples: 960})
			s := newStream(b, 960)
			f := make([]int16, 960)
			k := int64(0)
			step := func() {
				if c.skip == 0 || k%int64(c.skip) != 0 {
					s.push(k)
				}
				k++
				_ = b.ReadFrame(f)
				s.now = s.now.Add(20 * time.Millisecond)
			}
			for range 100 {
				step()
			}
			if a := testing.AllocsPerRun(200, step); a != 0 {
				t.Errorf("%.1f allocations per packet and frame", a)
			}
		})
	}
}
