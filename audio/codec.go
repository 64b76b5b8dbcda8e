package audio

import (
	"fmt"
	"io"
	"strings"

	diagoaudio "github.com/emiago/diago/audio"
)

// Codec describes an RTP audio payload format: G.711 (PCMU, PCMA) or Opus.
type Codec struct {
	Name        string
	PayloadType uint8
	Rate        int
}

// FrameCodec encodes and decodes the frames of one call. G.711 is stateless;
// Opus keeps encoder and decoder state, so every call gets its own (Codec.New).
type FrameCodec interface {
	Encode(dst []byte, pcm []int16) (int, error)
	Decode(dst []int16, payload []byte) (int, error)
}

// Static RTP payload types of G.711 (RFC 3551), and the dynamic one diago
// offers Opus on.
const (
	PayloadTypePCMU uint8 = 0
	PayloadTypePCMA uint8 = 8
	PayloadTypeOpus uint8 = 96
)

// Opus is Opus at 48 kHz (RFC 7587), sent mono.
func Opus() Codec { return Codec{Name: "opus", PayloadType: PayloadTypeOpus, Rate: 48000} }

// New returns the encoder/decoder pair for one call.
func (c Codec) New() (FrameCodec, error) {
	if c.Name == Opus().Name {
		return newOpusCodec(c.Rate)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// PCMU is G.711 µ-law at 8000 Hz, RTP payload type 0.
func PCMU() Codec { return Codec{Name: "PCMU", PayloadType: PayloadTypePCMU, Rate: 8000} }

// PCMA is G.711 A-law at 8000 Hz, RTP payload type 8.
func PCMA() Codec { return Codec{Name: "PCMA", PayloadType: PayloadTypePCMA, Rate: 8000} }

// CodecByName returns the codec for an SDP encoding name ("PCMU", "PCMA",
// "opus"), case-insensitively. Opus needs a build with the with_opus_c tag.
func CodecByName(name string) (Codec, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "PCMU":
		return PCMU(), nil
	case "PCMA":
		return PCMA(), nil
	case "OPUS":
		if !OpusAvailable() {
			return Codec{}, fmt.Errorf("%w %q: this build has no Opus (build with -tags with_opus_c)", ErrUnsupportedCodec, name)
		}
		return Opus(), nil
	}
	return Codec{}, fmt.Errorf("%w %q: supported are PCMU, PCMA and opus", ErrUnsupportedCodec, name)
}

// CodecByPayloadType returns the codec for a static RTP payload type.
func CodecByPayloadType(pt uint8) (Codec, error) {
	switch pt {
	case PayloadTypePCMU:
		return PCMU(), nil
	case PayloadTypePCMA:
		return PCMA(), nil
	}
	return Codec{}, fmt.Errorf("%w: payload type %d: only 0 (PCMU) and 8 (PCMA) are supported", ErrUnsupportedCodec, pt)
}

// FrameSamples is the number of samples in a 20 ms frame.
func (c Codec) FrameSamples() int { return c.Rate / 50 }

// g711ChunkSamples bounds the stack scratch buffer used to hand
// little-endian bytes to diago's byte-oriented G.711 functions; it is one
// 40 ms frame at 8 kHz so a normal 20 ms frame converts in one pass.
const g711ChunkSamples = 320

// Encode G.711-encodes pcm into dst (one byte per sample) and returns the
// number of bytes written. It does not allocate.
func (c Codec) Encode(dst []byte, pcm []int16) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	if len(dst) < len(pcm) {
		return 0, fmt.Errorf("encode %s: %d samples into %d bytes: %w", c.Name, len(pcm), len(dst), io.ErrShortBuffer)
	}
	var scratch [2 * g711ChunkSamples]byte
	written := 0
	for len(pcm) > 0 {
		chunk := pcm[:min(len(pcm), g711ChunkSamples)]
		lpcm := int16ToLEBytes(scratch[:], chunk)
		n, err := c.encodeChunk(dst[written:written+len(chunk)], lpcm)
		if err != nil {
			return written, fmt.Errorf("encode %s: %w", c.Name, err)
		}
		written += n
		pcm = pcm[len(chunk):]
	}
	return written, nil
}

// Decode expands a G.711 payload into dst (one sample per byte) and returns
// the number of samples written. It does not allocate.
func (c Codec) Decode(dst []int16, payload []byte) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	if len(dst) < len(payload) {
		return 0, fmt.Errorf("decode %s: %d bytes into %d samples: %w", c.Name, len(payload), len(dst), io.ErrShortBuffer)
	}
	var scratch [2 * g711ChunkSamples]byte
	written := 0
	for len(payload) > 0 {
		chunk := payload[:min(len(payload), g711ChunkSamples)]
		n, err := c.decodeChunk(scratch[:2*len(chunk)], chunk)
		if err != nil {
			return written, fmt.Errorf("decode %s: %w", c.Name, err)
		}
		written += leBytesToInt16(dst[written:], scratch[:n])
		payload = payload[len(chunk):]
	}
	return written, nil
}

func (c Codec) check() error {
	if c.PayloadType != PayloadTypePCMU && c.PayloadType != PayloadTypePCMA {
		return fmt.Errorf("%w: payload type %d (%s)", ErrUnsupportedCodec, c.PayloadType, c.Name)
	}
	return nil
}

// encodeChunk and decodeChunk call diago directly rather than through a
// function value: an indirect call would make the stack scratch buffers
// escape to the heap, costing an allocation per frame.
func (c Codec) encodeChunk(dst, lpcm []byte) (int, error) {
	if c.PayloadType == PayloadTypePCMA {
		return diagoaudio.EncodeAlawTo(dst, lpcm)
	}
	return diagoaudio.EncodeUlawTo(dst, lpcm)
}

func (c Codec) decodeChunk(lpcm, payload []byte) (int, error) {
	if c.PayloadType == PayloadTypePCMA {
		return diagoaudio.DecodeAlawTo(lpcm, payload)
	}
	return diagoaudio.DecodeUlawTo(lpcm, payload)
}

// int16ToLEBytes writes samples as little-endian bytes into dst (which must
// hold 2*len(samples)) and returns the written part.
func int16ToLEBytes(dst []byte, samples []int16) []byte {
	dst = dst[:2*len(samples)]
	for i, s := range samples {
		dst[2*i] = byte(s)
		dst[2*i+1] = byte(uint16(s) >> 8)
	}
	return dst
}

// leBytesToInt16 reads little-endian 16-bit samples from src into dst and
// returns the number of samples written.
func leBytesToInt16(dst []int16, src []byte) int {
	n := min(len(dst), len(src)/2)
	for i := range n {
		dst[i] = int16(uint16(src[2*i]) | uint16(src[2*i+1])<<8)
	}
	return n
}

// g711DecodeTable expands all 256 code words once, for decoding G.711 WAV
// files sample by sample.
func g711DecodeTable(alaw bool) [256]int16 {
	var codes [256]byte
	for i := range codes {
		codes[i] = byte(i)
	}
	var lpcm [512]byte
	if alaw {
		_, _ = diagoaudio.DecodeAlawTo(lpcm[:], codes[:])
	} else {
		_, _ = diagoaudio.DecodeUlawTo(lpcm[:], codes[:])
	}
	var table [256]int16
	leBytesToInt16(table[:], lpcm[:])
	return table
}
