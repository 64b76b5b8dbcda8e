package audio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDecodeWAVFormats(t *testing.T) {
	left := fixtureTone(440, 400)
	right := fixtureTone(1000, 400)
	six := [][]int16{left, right, left, right, left, right}
	unknown := uint32(wavUnknownDataSize)

	tests := []struct {
		name    string
		fixture wavFixture
		// tolerance in LSB against the float average of the channels
		tolerance int
	}{
		{"pcm8 mono", wavFixture{tag: wavTagPCM, bits: 8, rate: 8000, channels: [][]int16{left}}, 256},
		{"pcm16 mono", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left}}, 0},
		{"pcm24 mono", wavFixture{tag: wavTagPCM, bits: 24, rate: 44100, channels: [][]int16{left}}, 0},
		{"pcm32 mono", wavFixture{tag: wavTagPCM, bits: 32, rate: 48000, channels: [][]int16{left}}, 0},
		{"float32 mono", wavFixture{tag: wavTagFloat, bits: 32, rate: 22050, channels: [][]int16{left}}, 0},
		{"float64 mono", wavFixture{tag: wavTagFloat, bits: 64, rate: 16000, channels: [][]int16{left}}, 0},
		{"pcm16 stereo", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left, right}}, 1},
		{"pcm8 stereo", wavFixture{tag: wavTagPCM, bits: 8, rate: 8000, channels: [][]int16{left, right}}, 256},
		{"float32 stereo", wavFixture{tag: wavTagFloat, bits: 32, rate: 44100, channels: [][]int16{left, right}}, 1},
		{"extensible pcm24 stereo", wavFixture{tag: wavTagPCM, bits: 24, rate: 96000, extensible: true, channels: [][]int16{left, right}}, 1},
		{"extensible pcm16 5.1", wavFixture{tag: wavTagPCM, bits: 16, rate: 48000, extensible: true, channels: six}, 1},
		{"extensible float32", wavFixture{tag: wavTagFloat, bits: 32, rate: 8000, extensible: true, channels: [][]int16{left}}, 0},
		{"extensible pcm32", wavFixture{tag: wavTagPCM, bits: 32, rate: 8000, extensible: true, channels: [][]int16{left}}, 0},
		{"LIST before fmt, fact between", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left},
			before:  []rawChunk{{"LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00\x00")}},
			between: []rawChunk{{"fact", []byte{1, 2, 3, 4}}}}, 0},
		{"odd chunk with pad byte", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left},
			between: []rawChunk{{"note", []byte("odd")}}}, 0},
		{"odd chunk without pad byte", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left},
			between: []rawChunk{{"note", []byte("odd")}}, omitPad: true}, 0},
		{"streaming data size", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{left}, dataSize: &unknown}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clip, err := DecodeWAV(bytes.NewReader(tc.fixture.encode()))
			if err != nil {
				t.Fatalf("DecodeWAV: %v", err)
			}
			if clip.Rate != tc.fixture.rate {
				t.Errorf("rate = %d, want %d", clip.Rate, tc.fixture.rate)
			}
			if len(clip.Samples) != len(left) {
				t.Fatalf("got %d samples, want %d", len(clip.Samples), len(left))
			}
			for i, got := range clip.Samples {
				var sum float64
				for _, ch := range tc.fixture.channels {
					sum += float64(ch[i])
				}
				want := sum / float64(len(tc.fixture.channels))
				if diff := float64(got) - want; diff > float64(tc.tolerance)+0.5 || diff < -float64(tc.tolerance)-0.5 {
					t.Fatalf("sample %d = %d, want %.1f ±%d", i, got, want, tc.tolerance)
				}
			}
		})
	}
}

func TestDecodeWAVG711(t *testing.T) {
	tone := fixtureTone(1000, 320)
	for _, tc := range []struct {
		tag   uint16
		codec Codec
	}{{wavTagMuLaw, PCMU()}, {wavTagALaw, PCMA()}} {
		t.Run(tc.codec.Name, func(t *testing.T) {
			fx := wavFixture{tag: tc.tag, bits: 8, rate: 8000, channels: [][]int16{tone}}
			clip, err := DecodeWAV(bytes.NewReader(fx.encode()))
			if err != nil {
				t.Fatalf("DecodeWAV: %v", err)
			}
			payload := make([]byte, len(tone))
			want := make([]int16, len(tone))
			if _, err := tc.codec.Encode(payload, tone); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.codec.Decode(want, payload); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(clip.Samples, want) {
				t.Fatal("G.711 WAV does not decode like the codec")
			}
		})
	}
}

func TestDecodeWAVChannelsKeepsChannelsApart(t *testing.T) {
	left, right := fixtureTone(440, 200), fixtureTone(1000, 200)
	fx := wavFixture{tag: wavTagPCM, bits: 24, rate: 8000, channels: [][]int16{left, right}}
	rate, channels, err := DecodeWAVChannels(bytes.NewReader(fx.encode()))
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || len(channels) != 2 {
		t.Fatalf("rate %d, %d channels", rate, len(channels))
	}
	if !slices.Equal(channels[0], left) || !slices.Equal(channels[1], right) {
		t.Fatal("channels differ from what was encoded")
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	tone := fixtureTone(440, 100)
	pcm16 := wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{tone}}
	valid := pcm16.encode()
	tooLong := uint32(4000)

	tests := []struct {
		name     string
		input    []byte
		sentinel error
		message  string
	}{
		{"empty", nil, ErrNotWAV, "not a WAV"},
		{"text", []byte("hello, this is not audio at all"), ErrNotWAV, "missing RIFF header"},
		{"AVI", []byte("RIFF\x04\x00\x00\x00AVI "), ErrNotWAV, "not WAVE"},
		{"RIFX", []byte("RIFX\x04\x00\x00\x00WAVE"), ErrUnsupportedFormat, "big-endian"},
		{"MP3", wavFixture{tag: 0x0055, bits: 16, rate: 8000, channels: [][]int16{tone}}.encode(),
			ErrUnsupportedFormat, "unsupported WAV format tag 0x0055 (MP3); convert to PCM"},
		{"extensible ADPCM", wavFixture{tag: 0x0011, bits: 16, rate: 8000, extensible: true, channels: [][]int16{tone}}.encode(),
			ErrUnsupportedFormat, "IMA ADPCM"},
		{"12-bit PCM", wavFixture{tag: wavTagPCM, bits: 12, rate: 8000, channels: [][]int16{tone}}.encode(),
			ErrUnsupportedFormat, "12-bit PCM"},
		{"16-bit float", wavFixture{tag: wavTagFloat, bits: 16, rate: 8000, channels: [][]int16{tone}}.encode(),
			ErrUnsupportedFormat, "16-bit float"},
		{"zero channels", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000}.encode(), ErrMalformed, "zero channels"},
		{"zero rate", wavFixture{tag: wavTagPCM, bits: 16, rate: 0, channels: [][]int16{tone}}.encode(), ErrMalformed, "sample rate"},
		{"header only", valid[:12], ErrTruncated, "no fmt chunk"},
		{"cut in fmt", valid[:30], ErrTruncated, "fmt chunk cut short"},
		{"no data chunk", valid[:36], ErrTruncated, "no data chunk"},
		{"cut in data", valid[:len(valid)-50], ErrTruncated, "data chunk declares"},
		{"data longer than file", wavFixture{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{tone}, dataSize: &tooLong}.encode(),
			ErrTruncated, "missing"},
		{"data before fmt", []byte("RIFF\x10\x00\x00\x00WAVEdata\x00\x00\x00\x00"), ErrMalformed, "before the fmt"},
		{"tiny fmt", []byte("RIFF\x10\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"), ErrMalformed, "at least 16"},
		{"cut in unknown chunk", []byte("RIFF\x10\x00\x00\x00WAVELIST\xff\x00\x00\x00abc"), ErrTruncated, "\"LIST\" cut short"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clip, err := DecodeWAV(bytes.NewReader(tc.input))
			if err == nil {
				t.Fatalf("DecodeWAV succeeded with %d samples, want error", len(clip.Samples))
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %q does not wrap %q", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not mention %q", err, tc.message)
			}
		})
	}
}

func TestReadWAVFileErrorsNamePath(t *testing.T) {
	_, err := ReadWAV(filepath.Join(t.TempDir(), "missing.wav"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want a wrapped not-exist error, got %v", err)
	}
	path := filepath.Join(t.TempDir(), "song.wav")
	if err := os.WriteFile(path, wavFixture{tag: 0x0055, bits: 16, rate: 8000, channels: [][]int16{{1}}}.encode(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ReadWAV(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrUnsupportedFormat) {
		t.Fatalf("want an unsupported-format error naming the file, got %v", err)
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stereo.wav")
	left, right := fixtureTone(440, 300), fixtureTone(1000, 300)
	interleaved := make([]int16, 0, 600)
	for i := range left {
		interleaved = append(interleaved, left[i], right[i])
	}
	if err := WriteWAV(path, 16000, 2, interleaved); err != nil {
		t.Fatal(err)
	}
	rate, channels, err := ReadWAVChannels(path)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 16000 || !slices.Equal(channels[0], left) || !slices.Equal(channels[1], right) {
		t.Fatal("stereo round trip changed the audio")
	}
	clip, err := ReadWAV(path)
	if err != nil || clip.Rate != 16000 || len(clip.Samples) != 300 {
		t.Fatalf("ReadWAV: %v", err)
	}
	if clip.Duration().Milliseconds() != 18 {
		t.Errorf("duration %v, want 18.75ms", clip.Duration())
	}

	for _, bad := range []struct {
		rate, channels int
		samples        []int16
	}{{0, 1, nil}, {8000, 0, nil}, {8000, 2, []int16{1, 2, 3}}} {
		if err := EncodeWAV(&bytes.Buffer{}, bad.rate, bad.channels, bad.samples); err == nil {
			t.Errorf("EncodeWAV(%d, %d, %d samples) succeeded", bad.rate, bad.channels, len(bad.samples))
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	tone := fixtureTone(440, 40)
	stereo := [][]int16{tone, tone}
	for _, fx := range []wavFixture{
		{tag: wavTagPCM, bits: 8, rate: 8000, channels: stereo},
		{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{tone}},
		{tag: wavTagPCM, bits: 24, rate: 44100, extensible: true, channels: stereo},
		{tag: wavTagPCM, bits: 32, rate: 48000, channels: [][]int16{tone}},
		{tag: wavTagFloat, bits: 32, rate: 8000, channels: stereo},
		{tag: wavTagMuLaw, bits: 8, rate: 8000, channels: [][]int16{tone}},
		{tag: wavTagPCM, bits: 16, rate: 8000, channels: [][]int16{tone},
			between: []rawChunk{{"LIST", []byte("odd")}}, omitPad: true},
	} {
		f.Add(fx.encode())
	}
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RF64\xff\xff\xff\xffWAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		clip, err := DecodeWAV(bytes.NewReader(data))
		if err == nil && (clip.Rate <= 0 || len(clip.Samples) > len(data)) {
			t.Fatalf("implausible clip: rate %d, %d samples from %d bytes", clip.Rate, len(clip.Samples), len(data))
		}
		rate, channels, err := DecodeWAVChannels(bytes.NewReader(data))
		if err == nil && (rate <= 0 || len(channels) == 0) {
			t.Fatalf("implausible channels: rate %d, %d channels", rate, len(channels))
		}
	})
}
