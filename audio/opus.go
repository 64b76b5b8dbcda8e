//go:build with_opus_c

package audio

import (
	"fmt"

	"gopkg.in/hraban/opus.v2"
)

// OpusAvailable reports whether this build can encode and decode Opus.
func OpusAvailable() bool { return true }

// opusCodec is one call's Opus state: mono, 20 ms frames, tuned for speech.
type opusCodec struct {
	enc *opus.Encoder
	dec *opus.Decoder
}

func newOpusCodec(rate int) (FrameCodec, error) {
	enc, err := opus.NewEncoder(rate, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("opus encoder: %w", err)
	}
	dec, err := opus.NewDecoder(rate, 1)
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	return &opusCodec{enc: enc, dec: dec}, nil
}

func (o *opusCodec) Encode(dst []byte, pcm []int16) (int, error) {
	n, err := o.enc.Encode(pcm, dst)
	if err != nil {
		return 0, fmt.Errorf("encode opus: %w", err)
	}
	return n, nil
}

// Decode accepts mono or stereo streams (peers signal opus/48000/2 and may send
// either); the decoder mixes down to mono.
func (o *opusCodec) Decode(dst []int16, payload []byte) (int, error) {
	n, err := o.dec.Decode(payload, dst)
	if err != nil {
		return 0, fmt.Errorf("decode opus: %w", err)
	}
	return n, nil
}
