package audio

import (
	"encoding/binary"
	"math"
)

// wavFixture encodes test WAV files independently of the package's own
// writer, so reader tests do not just check the writer against itself.
type wavFixture struct {
	tag        uint16 // wavTagPCM, wavTagFloat, wavTagALaw, ...
	bits       int
	rate       int
	extensible bool       // wrap tag in WAVE_FORMAT_EXTENSIBLE
	channels   [][]int16  // per-channel samples, equal lengths
	before     []rawChunk // chunks placed before "fmt "
	between    []rawChunk // chunks placed between "fmt " and "data"
	omitPad    bool       // leave out RIFF pad bytes after odd chunks
	dataSize   *uint32    // override the declared data size
	declared   int        // override the declared channel count when > 0
}

type rawChunk struct {
	id   string
	body []byte
}

func (fx wavFixture) encode() []byte {
	channelCount := len(fx.channels)
	if fx.declared > 0 {
		channelCount = fx.declared
	}
	bytesPerSample := fx.bits / 8
	fmtBody := make([]byte, 16, 40)
	le := binary.LittleEndian
	tag := fx.tag
	if fx.extensible {
		tag = wavTagExtensible
	}
	le.PutUint16(fmtBody[0:], tag)
	le.PutUint16(fmtBody[2:], uint16(channelCount))
	le.PutUint32(fmtBody[4:], uint32(fx.rate))
	le.PutUint32(fmtBody[8:], uint32(fx.rate*channelCount*bytesPerSample))
	le.PutUint16(fmtBody[12:], uint16(channelCount*bytesPerSample))
	le.PutUint16(fmtBody[14:], uint16(fx.bits))
	if fx.extensible {
		ext := make([]byte, 24)
		le.PutUint16(ext[0:], 22)                  // cbSize
		le.PutUint16(ext[2:], uint16(fx.bits))     // valid bits
		le.PutUint32(ext[4:], 0)                   // channel mask
		le.PutUint16(ext[8:], fx.tag)              // sub-format GUID, first two bytes
		copy(ext[10:], []byte(extensibleGUIDTail)) // rest of the GUID
		fmtBody = append(fmtBody, ext...)
	}

	var data []byte
	frames := 0
	if len(fx.channels) > 0 {
		frames = len(fx.channels[0])
	}
	for i := range frames {
		for _, ch := range fx.channels {
			data = append(data, fx.encodeSample(ch[i])...)
		}
	}

	out := []byte("RIFF\x00\x00\x00\x00WAVE")
	chunk := func(id string, body []byte, declaredSize uint32) {
		out = append(out, id...)
		out = le.AppendUint32(out, declaredSize)
		out = append(out, body...)
		if len(body)%2 == 1 && !fx.omitPad {
			out = append(out, 0)
		}
	}
	for _, c := range fx.before {
		chunk(c.id, c.body, uint32(len(c.body)))
	}
	chunk("fmt ", fmtBody, uint32(len(fmtBody)))
	for _, c := range fx.between {
		chunk(c.id, c.body, uint32(len(c.body)))
	}
	dataSize := uint32(len(data))
	if fx.dataSize != nil {
		dataSize = *fx.dataSize
	}
	chunk("data", data, dataSize)
	le.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// encodeSample stores s in the fixture's encoding; the expected decoded value
// is s for 16 bits and more, and s with the low byte dropped for 8 bits.
func (fx wavFixture) encodeSample(s int16) []byte {
	le := binary.LittleEndian
	switch {
	case fx.tag == wavTagFloat && fx.bits == 32:
		return le.AppendUint32(nil, math.Float32bits(float32(s)/32768))
	case fx.tag == wavTagFloat:
		return le.AppendUint64(nil, math.Float64bits(float64(s)/32768))
	case fx.tag == wavTagALaw || fx.tag == wavTagMuLaw:
		codec := PCMU()
		if fx.tag == wavTagALaw {
			codec = PCMA()
		}
		out := make([]byte, 1)
		_, _ = codec.Encode(out, []int16{s})
		return out
	case fx.bits == 8:
		return []byte{byte(int(s>>8) + 128)}
	case fx.bits == 16:
		return le.AppendUint16(nil, uint16(s))
	case fx.bits == 24:
		v := uint32(int32(s) << 8)
		return []byte{byte(v), byte(v >> 8), byte(v >> 16)}
	default:
		return le.AppendUint32(nil, uint32(int32(s)<<16))
	}
}

// fixtureTone is a short deterministic signal with large and small values,
// positive and negative extremes.
func fixtureTone(freq float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(30000 * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	out[0], out[1] = 32767, -32768
	return out
}
