// Package audio holds the PCM plumbing of a call: WAV reading and writing,
// resampling, G.711 framing, frame sources and sinks, a time-aligned stereo
// call recorder and the analysis helpers tests use to check what crossed a
// call.
//
// All PCM in this package is 16-bit signed mono unless stated otherwise.
// Calls move 20 ms frames at the codec rate (160 samples at 8000 Hz).
package audio

// Error is the type of this package's sentinel errors. It is a string type so
// the sentinels can be constants rather than mutable package variables.
type Error string

func (e Error) Error() string { return string(e) }

// Sentinel errors; test with errors.Is.
const (
	// ErrNotWAV means the input does not start with a RIFF/WAVE header.
	ErrNotWAV = Error("not a WAV file")
	// ErrUnsupportedFormat means the WAV holds an encoding this package does
	// not decode (compressed audio, odd bit depths, big-endian RIFX).
	ErrUnsupportedFormat = Error("unsupported WAV format")
	// ErrTruncated means the input ended before a chunk it declares.
	ErrTruncated = Error("truncated WAV file")
	// ErrMalformed means a WAV header field is inconsistent or impossible.
	ErrMalformed = Error("malformed WAV file")
	// ErrUnsupportedCodec means a codec name or payload type is not G.711.
	ErrUnsupportedCodec = Error("unsupported codec")
)
