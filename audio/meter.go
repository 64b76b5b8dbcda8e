package audio

import (
	"math"
	"sync/atomic"
)

// silenceDB is the floor reported for digital silence instead of -Inf, which
// JSON cannot carry.
const silenceDB = -96.0

// vuDecay is how much of the previous reading a new frame keeps: with 20 ms
// frames the needle falls by about 20 dB per second, like a VU meter.
const vuDecay = 0.8

// Level is a VU reading in dBFS.
type Level struct {
	RMS  float64 `json:"rms_db"`  // smoothed RMS level
	Peak float64 `json:"peak_db"` // peak of the last frame
}

// Meter measures the level of an audio path. The audio side calls Observe
// for each frame; anyone may call Level at any time. Both are lock-free (the
// audio path must never wait on the UI). The zero value is ready to use.
type Meter struct {
	rms  atomic.Uint64 // float64 bits of the smoothed linear RMS
	peak atomic.Uint64 // float64 bits of the last linear peak
}

// Observe measures one frame. It is meant for one writer (the audio path).
func (m *Meter) Observe(frame []int16) {
	if len(frame) == 0 {
		return
	}
	var sum float64
	var peak int32
	for _, s := range frame {
		v := int32(s)
		sum += float64(v * v)
		if v < 0 {
			v = -v
		}
		peak = max(peak, v)
	}
	rms := math.Sqrt(sum/float64(len(frame))) / 32768
	prev := math.Float64frombits(m.rms.Load())
	// Rise at once, fall slowly.
	if rms < prev {
		rms = prev*vuDecay + rms*(1-vuDecay)
	}
	m.rms.Store(math.Float64bits(rms))
	m.peak.Store(math.Float64bits(float64(peak) / 32768))
}

// Level is the current reading.
func (m *Meter) Level() Level {
	return Level{
		RMS:  toDBFS(math.Float64frombits(m.rms.Load())),
		Peak: toDBFS(math.Float64frombits(m.peak.Load())),
	}
}

func toDBFS(linear float64) float64 {
	if linear <= 0 {
		return silenceDB
	}
	return max(silenceDB, math.Round(DB(linear)*10)/10)
}
