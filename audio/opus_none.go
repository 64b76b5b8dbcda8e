//go:build !with_opus_c

package audio

import "fmt"

// OpusAvailable reports whether this build can encode and decode Opus.
func OpusAvailable() bool { return false }

func newOpusCodec(int) (FrameCodec, error) {
	return nil, fmt.Errorf("%w: opus (this build has no Opus; build with -tags with_opus_c)", ErrUnsupportedCodec)
}
