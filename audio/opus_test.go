//go:build with_opus_c

package audio

import (
	"testing"
	"time"
)

// A 1 kHz tone survives an Opus encode/decode round trip at 48 kHz.
func TestOpusRoundTrip(t *testing.T) {
	c, err := CodecByName("opus")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := c.New()
	if err != nil {
		t.Fatal(err)
	}
	tone := Tone(1000, c.Rate, time.Second, 0.5)
	frame := c.FrameSamples()
	payload := make([]byte, 1500)
	var out []int16
	pcm := make([]int16, frame)
	for i := 0; i+frame <= len(tone); i += frame {
		n, err := fc.Encode(payload, tone[i:i+frame])
		if err != nil {
			t.Fatal(err)
		}
		k, err := fc.Decode(pcm, payload[:n])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pcm[:k]...)
	}
	got := out[c.Rate/5:]
	if f := DominantFrequency(got, c.Rate); f < 990 || f > 1010 {
		t.Errorf("frequency after Opus %.1f Hz, want 1000", f)
	}
	if level := DB(RMS(got)) - DB(RMS(tone)); level < -2 || level > 2 {
		t.Errorf("level changed by %.1f dB through Opus", level)
	}
}
