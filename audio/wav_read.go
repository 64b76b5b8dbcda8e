package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// Clip is a mono PCM clip at Rate samples per second.
type Clip struct {
	Rate    int
	Samples []int16
}

// Duration is the playing time of the clip.
func (c *Clip) Duration() time.Duration {
	if c == nil || c.Rate <= 0 {
		return 0
	}
	return time.Duration(len(c.Samples)) * time.Second / time.Duration(c.Rate)
}

// ReadWAV decodes the WAV file at path into a mono clip (see DecodeWAV).
func ReadWAV(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read WAV: %w", err)
	}
	defer f.Close()
	clip, err := DecodeWAV(f)
	if err != nil {
		return nil, fmt.Errorf("read WAV %s: %w", path, err)
	}
	return clip, nil
}

// DecodeWAV decodes a WAV stream into a mono clip. Multichannel audio is
// mixed down by averaging the channels. Supported encodings: PCM 8-bit
// unsigned, 16/24/32-bit signed, IEEE float 32/64-bit, G.711 A-law and µ-law,
// each either plain or wrapped in WAVE_FORMAT_EXTENSIBLE.
func DecodeWAV(r io.Reader) (*Clip, error) {
	var clip Clip
	var channels int
	begin := func(f wavFormat, frameHint int) {
		clip.Rate = f.rate
		channels = f.channels
		clip.Samples = make([]int16, 0, frameHint)
	}
	emit := func(frame []int32) {
		// Sum in 64 bits: 65535 channels of full-scale 32-bit values fit.
		var sum int64
		for _, v := range frame {
			sum += int64(v)
		}
		clip.Samples = append(clip.Samples, int32ToInt16(sum/int64(channels)))
	}
	if err := decodeWAVFrames(r, begin, emit); err != nil {
		return nil, err
	}
	return &clip, nil
}

// ReadWAVChannels decodes the WAV file at path keeping the channels apart, so
// tests can check the left and right channel of a call recording separately.
func ReadWAVChannels(path string) (rate int, channels [][]int16, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("read WAV: %w", err)
	}
	defer f.Close()
	rate, channels, err = DecodeWAVChannels(f)
	if err != nil {
		return 0, nil, fmt.Errorf("read WAV %s: %w", path, err)
	}
	return rate, channels, nil
}

// DecodeWAVChannels is ReadWAVChannels for a stream.
func DecodeWAVChannels(r io.Reader) (rate int, channels [][]int16, err error) {
	begin := func(f wavFormat, frameHint int) {
		rate = f.rate
		channels = make([][]int16, f.channels)
		for ch := range channels {
			channels[ch] = make([]int16, 0, frameHint)
		}
	}
	emit := func(frame []int32) {
		for ch, v := range frame {
			channels[ch] = append(channels[ch], int32ToInt16(int64(v)))
		}
	}
	if err := decodeWAVFrames(r, begin, emit); err != nil {
		return 0, nil, err
	}
	return rate, channels, nil
}

// wavFormat is the decoded "fmt " chunk.
type wavFormat struct {
	tag            uint16 // effective tag: the sub-format for EXTENSIBLE files
	channels       int
	rate           int
	bytesPerSample int // container size, not the number of valid bits
}

func (f wavFormat) frameBytes() int { return f.channels * f.bytesPerSample }

const (
	wavTagPCM        = 0x0001
	wavTagFloat      = 0x0003
	wavTagALaw       = 0x0006
	wavTagMuLaw      = 0x0007
	wavTagExtensible = 0xFFFE

	// A data size of 0xFFFFFFFF is the streaming convention for "unknown
	// length, read to the end"; RF64 files use it too.
	wavUnknownDataSize = 0xFFFFFFFF

	// Caps that keep hostile headers from allocating much memory.
	maxFmtChunkBytes        = 4096
	maxPreallocSamples      = 1 << 20
	streamingPreallocFrames = 1 << 14
	readBlockBytes          = 64 << 10
)

// extensibleGUIDTail is bytes 2..15 of KSDATAFORMAT_SUBTYPE_*; bytes 0..1
// carry the plain format tag.
const extensibleGUIDTail = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

// decodeWAVFrames parses the RIFF structure and calls begin once with the
// format, then emit once per sample frame with every channel scaled to a
// left-aligned 32-bit value. Decoding stops at the end of the data chunk.
func decodeWAVFrames(r io.Reader, begin func(wavFormat, int), emit func([]int32)) error {
	br := bufio.NewReaderSize(r, readBlockBytes)
	var riff [12]byte
	if _, err := io.ReadFull(br, riff[:]); err != nil {
		return fmt.Errorf("%w: input shorter than a RIFF header: %w", ErrNotWAV, err)
	}
	readToEnd := false
	switch string(riff[0:4]) {
	case "RIFF":
	case "RF64":
		readToEnd = true // real sizes live in the ds64 chunk; the data runs to EOF
	case "RIFX":
		return fmt.Errorf("%w: big-endian RIFX files are not supported", ErrUnsupportedFormat)
	default:
		return fmt.Errorf("%w: missing RIFF header (starts with %q)", ErrNotWAV, riff[0:4])
	}
	if string(riff[8:12]) != "WAVE" {
		return fmt.Errorf("%w: RIFF form type is %q, not WAVE", ErrNotWAV, riff[8:12])
	}

	var format *wavFormat
	for {
		id, size, err := readChunkHeader(br)
		if err != nil {
			if format == nil {
				return fmt.Errorf("%w: no fmt chunk found: %w", ErrTruncated, err)
			}
			return fmt.Errorf("%w: no data chunk found: %w", ErrTruncated, err)
		}
		switch id {
		case "fmt ":
			f, err := readFmtChunk(br, size)
			if err != nil {
				return err
			}
			format = &f
		case "data":
			if format == nil {
				return fmt.Errorf("%w: data chunk comes before the fmt chunk", ErrMalformed)
			}
			return decodeDataChunk(br, *format, size, readToEnd || size == wavUnknownDataSize, begin, emit)
		default:
			if _, err := io.CopyN(io.Discard, br, int64(size)); err != nil {
				return fmt.Errorf("%w: chunk %q cut short: %w", ErrTruncated, id, err)
			}
		}
		skipPadByte(br, size)
	}
}

func readChunkHeader(br *bufio.Reader) (id string, size uint32, err error) {
	var hdr [8]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return "", 0, err
	}
	return string(hdr[0:4]), binary.LittleEndian.Uint32(hdr[4:8]), nil
}

// skipPadByte consumes the pad byte RIFF requires after an odd-sized chunk.
// Some writers omit it; chunk IDs are printable ASCII and never start with a
// zero byte, so a zero is taken as padding and anything else is left alone.
func skipPadByte(br *bufio.Reader, size uint32) {
	if size%2 == 0 {
		return
	}
	if next, err := br.Peek(1); err == nil && next[0] == 0 {
		_, _ = br.Discard(1)
	}
}

func readFmtChunk(br *bufio.Reader, size uint32) (wavFormat, error) {
	if size < 16 {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk is %d bytes, need at least 16", ErrMalformed, size)
	}
	keep := min(size, maxFmtChunkBytes)
	body := make([]byte, keep)
	if _, err := io.ReadFull(br, body); err != nil {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk cut short: %w", ErrTruncated, err)
	}
	if _, err := io.CopyN(io.Discard, br, int64(size-keep)); err != nil {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk cut short: %w", ErrTruncated, err)
	}

	le := binary.LittleEndian
	tag := le.Uint16(body[0:])
	f := wavFormat{
		tag:      tag,
		channels: int(le.Uint16(body[2:])),
		rate:     int(le.Uint32(body[4:])),
	}
	bits := int(le.Uint16(body[14:]))
	if tag == wavTagExtensible {
		if len(body) < 40 {
			return wavFormat{}, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes, need 40", ErrMalformed, len(body))
		}
		sub := le.Uint16(body[24:])
		if string(body[26:40]) != extensibleGUIDTail {
			return wavFormat{}, fmt.Errorf("%w tag 0xFFFE with a non-standard sub-format GUID; convert to PCM", ErrUnsupportedFormat)
		}
		f.tag = sub
	}
	if err := validateFormat(f.tag, tag, bits); err != nil {
		return wavFormat{}, err
	}
	if f.channels == 0 {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk declares zero channels", ErrMalformed)
	}
	if f.rate <= 0 {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk declares a sample rate of %d", ErrMalformed, f.rate)
	}
	f.bytesPerSample = bits / 8
	return f, nil
}

// validateFormat accepts only the encodings decodeDataChunk understands.
func validateFormat(tag, declaredTag uint16, bits int) error {
	unsupportedBits := func(kind string) error {
		return fmt.Errorf("%w: %d-bit %s samples", ErrUnsupportedFormat, bits, kind)
	}
	switch tag {
	case wavTagPCM:
		if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
			return unsupportedBits("PCM")
		}
	case wavTagFloat:
		if bits != 32 && bits != 64 {
			return unsupportedBits("float")
		}
	case wavTagALaw, wavTagMuLaw:
		if bits != 8 {
			return unsupportedBits("G.711")
		}
	default:
		if declaredTag == wavTagExtensible {
			return fmt.Errorf("%w tag 0xFFFE (extensible, sub-format 0x%04X %s); convert to PCM",
				ErrUnsupportedFormat, tag, formatTagName(tag))
		}
		return fmt.Errorf("%w tag 0x%04X (%s); convert to PCM", ErrUnsupportedFormat, tag, formatTagName(tag))
	}
	return nil
}

// formatTagName names the compressed formats people most often meet, so the
// error tells them what they have.
func formatTagName(tag uint16) string {
	switch tag {
	case 0x0002:
		return "Microsoft ADPCM"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0022:
		return "TrueSpeech"
	case 0x0031:
		return "GSM 6.10"
	case 0x0040, 0x0064:
		return "G.721 ADPCM"
	case 0x0050:
		return "MPEG"
	case 0x0055:
		return "MP3"
	case 0x0160, 0x0161, 0x0162, 0x0163:
		return "WMA"
	case 0x00FF, 0x1610:
		return "AAC"
	case 0x2000:
		return "AC-3"
	case 0xF1AC:
		return "FLAC"
	case 0x0000:
		return "unknown"
	default:
		return "unknown compressed format"
	}
}

// decodeDataChunk streams the data chunk in blocks of whole frames. A partial
// trailing frame is ignored; a chunk shorter than declared is an error unless
// the size is the "read to end" marker.
func decodeDataChunk(br *bufio.Reader, f wavFormat, size uint32, readToEnd bool,
	begin func(wavFormat, int), emit func([]int32)) error {
	frameBytes := f.frameBytes()
	// The declared size is only a hint: a hostile header must not make us
	// reserve more than maxPreallocSamples over all channels.
	frameHint := maxPreallocSamples / f.channels
	if readToEnd {
		frameHint = min(frameHint, streamingPreallocFrames)
	} else {
		frameHint = min(frameHint, int(size)/frameBytes)
	}
	begin(f, frameHint)

	decodeSample := sampleDecoder(f)
	block := make([]byte, max(1, readBlockBytes/frameBytes)*frameBytes)
	frame := make([]int32, f.channels)
	remaining := int64(size)
	for readToEnd || remaining > 0 {
		want := len(block)
		if !readToEnd && int64(want) > remaining {
			want = int(remaining)
		}
		n, err := io.ReadFull(br, block[:want])
		whole := n - n%frameBytes
		for off := 0; off < whole; off += frameBytes {
			for ch := range frame {
				frame[ch] = decodeSample(block[off+ch*f.bytesPerSample:])
			}
			emit(frame)
		}
		remaining -= int64(n)
		if err == nil {
			continue
		}
		if readToEnd && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return nil
		}
		if remaining < int64(frameBytes) && !readToEnd {
			return nil // only a partial frame is missing: nothing playable lost
		}
		return fmt.Errorf("%w: data chunk declares %d bytes, %d missing: %w", ErrTruncated, size, remaining, err)
	}
	return nil
}

// sampleDecoder returns a function turning one little-endian sample into a
// left-aligned 32-bit value, so that every encoding mixes on the same scale.
func sampleDecoder(f wavFormat) func(b []byte) int32 {
	switch {
	case f.tag == wavTagALaw || f.tag == wavTagMuLaw:
		table := g711DecodeTable(f.tag == wavTagALaw)
		return func(b []byte) int32 { return int32(table[b[0]]) << 16 }
	case f.tag == wavTagFloat && f.bytesPerSample == 4:
		return func(b []byte) int32 {
			return floatToInt32(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		}
	case f.tag == wavTagFloat:
		return func(b []byte) int32 {
			return floatToInt32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	case f.bytesPerSample == 1:
		return func(b []byte) int32 { return (int32(b[0]) - 128) << 24 }
	case f.bytesPerSample == 2:
		return func(b []byte) int32 { return int32(int16(binary.LittleEndian.Uint16(b))) << 16 }
	case f.bytesPerSample == 3:
		return func(b []byte) int32 { return int32(uint32(b[0])<<8 | uint32(b[1])<<16 | uint32(b[2])<<24) }
	default:
		return func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }
	}
}

// int32ToInt16 rounds a left-aligned 32-bit value to 16 bits, saturating.
func int32ToInt16(v int64) int16 {
	rounded := (v + 1<<15) >> 16
	return int16(max(-32768, min(32767, rounded)))
}

// floatToInt32 maps a [-1, 1] float sample to the left-aligned 32-bit scale,
// clipping out-of-range values and turning NaN into silence.
func floatToInt32(f float64) int32 {
	switch {
	case f != f: // NaN
		return 0
	case f >= 1:
		return math.MaxInt32
	case f <= -1:
		return math.MinInt32
	}
	return int32(max(math.MinInt32, min(math.MaxInt32, math.Round(f*(1<<31)))))
}
