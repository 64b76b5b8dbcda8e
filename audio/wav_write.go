package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

const (
	// wavHeaderBytes is the size of the canonical 16-bit PCM header written
	// here: RIFF header (12) + fmt chunk (8+16) + data chunk header (8).
	wavHeaderBytes = 44
	// maxWAVDataBytes keeps the RIFF size (data + 36) within 32 bits.
	maxWAVDataBytes = 0xFFFFFFFF - (wavHeaderBytes - 8)
	// Offsets of the two size fields rewritten when a recording grows.
	wavRIFFSizeOffset = 4
	wavDataSizeOffset = 40
)

// WriteWAV writes interleaved 16-bit PCM (channels samples per frame) to a
// new WAV file at path, replacing any existing file.
func WriteWAV(path string, rate, channels int, interleaved []int16) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write WAV: %w", err)
	}
	defer func() {
		if closeErr := f.Close(); closeErr != nil && err == nil {
			err = fmt.Errorf("write WAV %s: %w", path, closeErr)
		}
	}()
	if err := EncodeWAV(f, rate, channels, interleaved); err != nil {
		return fmt.Errorf("write WAV %s: %w", path, err)
	}
	return nil
}

// EncodeWAV writes a complete 16-bit PCM WAV stream to w.
func EncodeWAV(w io.Writer, rate, channels int, interleaved []int16) error {
	if rate <= 0 || channels <= 0 || channels > 0xFFFF {
		return fmt.Errorf("encode WAV: invalid rate %d or channel count %d", rate, channels)
	}
	if len(interleaved)%channels != 0 {
		return fmt.Errorf("encode WAV: %d samples is not a whole number of %d-channel frames", len(interleaved), channels)
	}
	dataBytes := 2 * int64(len(interleaved))
	if dataBytes > maxWAVDataBytes {
		return fmt.Errorf("encode WAV: %d bytes of audio exceed the 4 GiB WAV limit", dataBytes)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	header := wavHeader16(rate, channels, uint32(dataBytes))
	if _, err := bw.Write(header[:]); err != nil {
		return fmt.Errorf("encode WAV header: %w", err)
	}
	if err := writeInt16LE(bw, interleaved); err != nil {
		return fmt.Errorf("encode WAV data: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("encode WAV: %w", err)
	}
	return nil
}

// wavHeader16 builds the canonical 44-byte header of a 16-bit PCM file.
func wavHeader16(rate, channels int, dataBytes uint32) [wavHeaderBytes]byte {
	var h [wavHeaderBytes]byte
	le := binary.LittleEndian
	blockAlign := 2 * channels
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], riffSizeFor(dataBytes))
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], wavTagPCM)
	le.PutUint16(h[22:], uint16(channels))
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*blockAlign))
	le.PutUint16(h[32:], uint16(blockAlign))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataBytes)
	return h
}

// riffSizeFor is the RIFF chunk size for a data chunk of dataBytes,
// preserving the 0xFFFFFFFF "unknown length" marker.
func riffSizeFor(dataBytes uint32) uint32 {
	if dataBytes > maxWAVDataBytes {
		return wavUnknownDataSize
	}
	return dataBytes + wavHeaderBytes - 8
}

// writeInt16LE writes samples as little-endian bytes through a fixed-size
// stack buffer, so large buffers are not duplicated in memory.
func writeInt16LE(w io.Writer, samples []int16) error {
	var buf [4096]byte
	for len(samples) > 0 {
		chunk := samples[:min(len(samples), len(buf)/2)]
		if _, err := w.Write(int16ToLEBytes(buf[:], chunk)); err != nil {
			return err
		}
		samples = samples[len(chunk):]
	}
	return nil
}
