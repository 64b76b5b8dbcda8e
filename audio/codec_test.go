package audio

import (
	"errors"
	"io"
	"testing"
	"time"

	diagoaudio "github.com/emiago/diago/audio"
)

func TestCodecByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		pt   uint8
	}{{"PCMU", 0}, {"pcmu", 0}, {" PCMA ", 8}, {"pcma", 8}} {
		c, err := CodecByName(tc.name)
		if err != nil {
			t.Fatalf("%q: %v", tc.name, err)
		}
		if c.PayloadType != tc.pt || c.Rate != 8000 || c.FrameSamples() != 160 {
			t.Errorf("%q: got %+v", tc.name, c)
		}
		byPT, err := CodecByPayloadType(tc.pt)
		if err != nil || byPT != c {
			t.Errorf("payload type %d: %+v, %v", tc.pt, byPT, err)
		}
	}
	unsupported := []string{"G722", ""}
	if !OpusAvailable() {
		unsupported = append(unsupported, "opus")
	}
	for _, name := range unsupported {
		if _, err := CodecByName(name); !errors.Is(err, ErrUnsupportedCodec) {
			t.Errorf("%q: want ErrUnsupportedCodec, got %v", name, err)
		}
	}
	if _, err := CodecByPayloadType(9); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("payload type 9: %v", err)
	}
}

func TestCodecMatchesDiago(t *testing.T) {
	pcm := Tone(1000, 8000, 100*time.Millisecond, 0.7) // 800 samples: several chunks
	lpcm := int16ToLEBytes(make([]byte, 2*len(pcm)), pcm)
	for _, tc := range []struct {
		codec  Codec
		encode func(dst, lpcm []byte) (int, error)
	}{{PCMU(), diagoaudio.EncodeUlawTo}, {PCMA(), diagoaudio.EncodeAlawTo}} {
		want := make([]byte, len(pcm))
		if _, err := tc.encode(want, lpcm); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(pcm))
		n, err := tc.codec.Encode(got, pcm)
		if err != nil || n != len(pcm) || string(got) != string(want) {
			t.Fatalf("%s: Encode differs from diago (n=%d, err=%v)", tc.codec.Name, n, err)
		}
		decoded := make([]int16, len(pcm))
		n, err = tc.codec.Decode(decoded, got)
		if err != nil || n != len(pcm) {
			t.Fatalf("%s: Decode n=%d err=%v", tc.codec.Name, n, err)
		}
		// G.711 keeps roughly 38 dB SNR for a loud tone.
		noise := make([]int16, len(pcm))
		for i := range pcm {
			noise[i] = pcm[i] - decoded[i]
		}
		if snr := DB(RMS(pcm) / RMS(noise)); snr < 30 {
			t.Errorf("%s: SNR %.1f dB", tc.codec.Name, snr)
		}
	}
}

func TestCodecErrors(t *testing.T) {
	c := PCMU()
	if _, err := c.Encode(make([]byte, 10), make([]int16, 160)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Encode short: %v", err)
	}
	if _, err := c.Decode(make([]int16, 10), make([]byte, 160)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Decode short: %v", err)
	}
	bogus := Codec{Name: "G729", PayloadType: 18, Rate: 8000}
	if _, err := bogus.Encode(make([]byte, 160), make([]int16, 160)); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("Encode bogus: %v", err)
	}
	if _, err := bogus.Decode(make([]int16, 160), make([]byte, 160)); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("Decode bogus: %v", err)
	}
	if n, err := c.Encode(nil, nil); n != 0 || err != nil {
		t.Errorf("empty Encode: %d %v", n, err)
	}
}

func TestCodecDoesNotAllocate(t *testing.T) {
	pcm := Tone(440, 8000, 20*time.Millisecond, 0.5)
	payload := make([]byte, 160)
	decoded := make([]int16, 160)
	for _, c := range []Codec{PCMU(), PCMA()} {
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = c.Encode(payload, pcm)
			_, _ = c.Decode(decoded, payload)
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per frame", c.Name, allocs)
		}
	}
}

func BenchmarkCodecEncodePCMU(b *testing.B) {
	pcm := Tone(440, 8000, 20*time.Millisecond, 0.5)
	payload := make([]byte, len(pcm))
	c := PCMU()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(payload, pcm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecDecodePCMU(b *testing.B) {
	payload := make([]byte, 160)
	pcm := make([]int16, 160)
	c := PCMU()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(pcm, payload); err != nil {
			b.Fatal(err)
		}
	}
}
