package testpeer

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// toneSampleRate is what PCMU carries; baresip's aufile source needs the file
// at the codec rate (8 kHz mono S16) or it refuses/garbles it.
const (
	toneSampleRate = 8000
	toneAmplitude  = 0.5 // of full scale: loud, but no clipping after G.711
)

// WriteToneWAV writes an 8 kHz mono S16 little-endian WAV with a sine of hz.
func WriteToneWAV(path string, hz float64, duration time.Duration) error {
	samples := int(duration.Seconds() * toneSampleRate)
	dataBytes := samples * 2
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create tone wav: %w", err)
	}
	writer := bufio.NewWriter(file)
	header := []any{
		[4]byte{'R', 'I', 'F', 'F'}, uint32(36 + dataBytes), [4]byte{'W', 'A', 'V', 'E'},
		[4]byte{'f', 'm', 't', ' '}, uint32(16), uint16(1) /* PCM */, uint16(1), /* mono */
		uint32(toneSampleRate), uint32(toneSampleRate * 2), uint16(2), uint16(16),
		[4]byte{'d', 'a', 't', 'a'}, uint32(dataBytes),
	}
	for _, field := range header {
		if err := binary.Write(writer, binary.LittleEndian, field); err != nil {
			file.Close()
			return fmt.Errorf("write tone header: %w", err)
		}
	}
	// One buffer instead of a binary.Write per sample: 240k reflective
	// writes cost seconds under -race.
	pcm := make([]byte, dataBytes)
	for i := 0; i < samples; i++ {
		value := toneAmplitude * math.Sin(2*math.Pi*hz*float64(i)/toneSampleRate)
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(value*math.MaxInt16)))
	}
	if _, err := writer.Write(pcm); err != nil {
		file.Close()
		return fmt.Errorf("write tone samples: %w", err)
	}
	if err := writer.Flush(); err != nil {
		file.Close()
		return fmt.Errorf("flush tone wav: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("close tone wav: %w", err)
	}
	return nil
}

// AnalyzeWAV measures a WAV file with `sox FILE -n stat` and returns its
// rough frequency (Hz) and RMS amplitude (0..1). It is an independent check
// next to the project's own Go analysis.
func AnalyzeWAV(t testing.TB, path string) (freqHz, rms float64) {
	t.Helper()
	Require(t, "sox")
	freqHz, rms, err := soxStat(path)
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	return freqHz, rms
}

func soxStat(path string) (freqHz, rms float64, err error) {
	cmd := exec.Command("sox", path, "-n", "stat")
	// stat writes its report to stderr.
	output, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("sox %s -n stat: %w\n%s", path, err, output)
	}
	values := parseSoxStat(string(output))
	freqText, okFreq := values["Rough frequency"]
	rmsText, okRMS := values["RMS amplitude"]
	if !okFreq || !okRMS {
		return 0, 0, fmt.Errorf("sox stat output of %s lacks frequency or RMS:\n%s", path, output)
	}
	if freqHz, err = strconv.ParseFloat(freqText, 64); err != nil {
		return 0, 0, fmt.Errorf("parse sox frequency %q: %w", freqText, err)
	}
	if rms, err = strconv.ParseFloat(rmsText, 64); err != nil {
		return 0, 0, fmt.Errorf("parse sox RMS %q: %w", rmsText, err)
	}
	return freqHz, rms, nil
}

// parseSoxStat maps "RMS     amplitude:     0.35" to {"RMS amplitude": "0.35"};
// sox pads the labels with a varying number of spaces.
func parseSoxStat(output string) map[string]string {
	values := make(map[string]string)
	for _, line := range strings.Split(output, "\n") {
		label, value, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		values[strings.Join(strings.Fields(label), " ")] = strings.TrimSpace(value)
	}
	return values
}

// wavFinalized reports whether the RIFF chunk size in the header matches the
// file length, i.e. the writer closed the file and patched the header.
func wavFinalized(path string) bool {
	file, err := os.Open(path)
	if err != nil {
		return false
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil || info.Size() <= 44 {
		return false
	}
	header := make([]byte, 8)
	if _, err := file.ReadAt(header, 0); err != nil || string(header[:4]) != "RIFF" {
		return false
	}
	return int64(binary.LittleEndian.Uint32(header[4:]))+8 == info.Size()
}
