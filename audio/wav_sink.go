package audio

import (
	"bufio"
	"fmt"
	"os"
	"sync"
)

// WAVSink writes the frames it receives to a mono 16-bit WAV file (the file
// backend's output). The header is completed on Close.
type WAVSink struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	rate  int
	bytes uint32
	err   error
}

// NewWAVSink creates (or truncates) path.
func NewWAVSink(path string, rate int) (*WAVSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	s := &WAVSink{f: f, w: bufio.NewWriter(f), rate: rate}
	h := wavHeader16(rate, 1, 0)
	if _, err := s.w.Write(h[:]); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}

// WriteFrame appends a frame; after the first error every write fails with it.
func (s *WAVSink) WriteFrame(frame []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if uint64(s.bytes)+2*uint64(len(frame)) > maxWAVDataBytes {
		s.err = fmt.Errorf("%s: WAV size limit reached", s.f.Name())
		return s.err
	}
	if err := writeInt16LE(s.w, frame); err != nil {
		s.err = fmt.Errorf("write %s: %w", s.f.Name(), err)
		return s.err
	}
	s.bytes += uint32(2 * len(frame))
	return nil
}

// Close flushes, writes the final header and closes the file.
func (s *WAVSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return s.err
	}
	err := s.w.Flush()
	h := wavHeader16(s.rate, 1, s.bytes)
	if _, werr := s.f.WriteAt(h[:], 0); err == nil {
		err = werr
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	if err != nil {
		return fmt.Errorf("close WAV sink: %w", err)
	}
	return s.err
}
