package history

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// wavBytes builds a 16-bit stereo WAV whose header claims dataSize bytes of
// audio and which holds audio bytes of it.
func wavBytes(dataSize uint32, audio int) []byte {
	le := binary.LittleEndian
	b := make([]byte, 44+audio)
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], 36+dataSize)
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)
	le.PutUint16(b[22:], 2)
	le.PutUint32(b[24:], 8000)
	le.PutUint32(b[28:], 32000)
	le.PutUint16(b[32:], 4)
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], dataSize)
	return b
}

func writeFile(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRecording(t *testing.T) {
	dir := t.TempDir()
	listChunk := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), make([]byte, 16)...)
	listChunk = append(listChunk, []byte("LIST\x03\x00\x00\x00abc\x00data\x04\x00\x00\x00\x01\x02\x03\x04")...)
	files := map[string][]byte{
		"ok.wav":         wavBytes(400, 400),
		"streaming.wav":  wavBytes(0xFFFFFFFF, 1000), // recorder still writing, or killed
		"killed.wav":     wavBytes(400, 1200),        // header rewritten before more audio came
		"truncated.wav":  wavBytes(4000, 100),
		"text.wav":       []byte("hello, this is not audio at all"),
		"tiny.wav":       []byte("RIF"),
		"headless.wav":   wavBytes(400, 0)[:30],
		"no-format.wav":  append([]byte("RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00"), 1, 2, 3, 4),
		"extra-list.wav": listChunk,
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.wav"), 0o700); err != nil {
		t.Fatal(err)
	}
	want := map[string]RecordingStatus{
		"ok.wav": RecordingOK, "streaming.wav": RecordingOK, "killed.wav": RecordingOK, "extra-list.wav": RecordingOK,
		"truncated.wav": RecordingDamaged, "text.wav": RecordingDamaged, "tiny.wav": RecordingDamaged,
		"headless.wav": RecordingDamaged, "no-format.wav": RecordingDamaged, "dir.wav": RecordingDamaged,
		"gone.wav": RecordingMissing,
	}
	for name, status := range want {
		rec := CheckRecording(Call{ID: name, Recording: filepath.Join(dir, name)})
		if rec.Status != status {
			t.Errorf("%s: status %s (%s), want %s", name, rec.Status, rec.Problem, status)
		}
		if (status == RecordingOK) != (rec.Problem == "") {
			t.Errorf("%s: status %s with problem %q", name, rec.Status, rec.Problem)
		}
	}
	if rec := CheckRecording(Call{Recording: filepath.Join(dir, "ok.wav")}); rec.Bytes != 444 {
		t.Errorf("size %d, want 444", rec.Bytes)
	}
}

func recordedCall(id string, day int, path string) Call {
	call := incomingCall(id)
	call.StartedAt = baseTime().AddDate(0, 0, day)
	call.Result = ResultAnswered
	call.Recording = path
	return call
}

func TestRecordingsListing(t *testing.T) {
	repo, _ := openTestRepo(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.wav"), wavBytes(100, 100))
	writeFile(t, filepath.Join(dir, "b.wav"), []byte("garbage"))
	mustStart(t, repo, recordedCall("a", 1, filepath.Join(dir, "a.wav")))
	mustStart(t, repo, recordedCall("b", 2, filepath.Join(dir, "b.wav")))
	mustStart(t, repo, recordedCall("c", 3, filepath.Join(dir, "gone.wav")))
	mustStart(t, repo, recordedCall("no-recording", 4, ""))

	no := false
	recs, next, err := repo.Recordings(context.Background(), Filter{HasRecording: &no}, Page{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	more, last, err := repo.Recordings(context.Background(), Filter{}, Page{Size: 2, Cursor: next})
	if err != nil || last != "" {
		t.Fatalf("second page: %v, next %q", err, last)
	}
	recs = append(recs, more...)
	var got []string
	for _, rec := range recs {
		got = append(got, rec.Call.ID+":"+string(rec.Status))
	}
	if want := []string{"c:missing", "b:damaged", "a:ok"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("recordings = %v, want %v", got, want)
	}
}

func TestPurgeRecordings(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	dir := t.TempDir()
	sizes := map[string]int{"old1": 1000, "old2": 2500, "new": 700}
	for id, size := range sizes {
		writeFile(t, filepath.Join(dir, id+".wav"), wavBytes(uint32(size-44), size-44))
	}
	mustStart(t, repo, recordedCall("old1", 1, filepath.Join(dir, "old1.wav")))
	mustStart(t, repo, recordedCall("old2", 2, filepath.Join(dir, "old2.wav")))
	mustStart(t, repo, recordedCall("old-gone", 3, filepath.Join(dir, "already-deleted.wav")))
	mustStart(t, repo, recordedCall("new", 20, filepath.Join(dir, "new.wav")))
	cutoff := baseTime().AddDate(0, 0, 10)

	files, bytes, err := repo.PurgeRecordings(ctx, cutoff, true)
	if err != nil || files != 2 || bytes != 3500 {
		t.Fatalf("dry run = %d files, %d bytes, %v; want 2, 3500", files, bytes, err)
	}
	for id := range sizes {
		if _, err := os.Stat(filepath.Join(dir, id+".wav")); err != nil {
			t.Errorf("dry run touched %s: %v", id, err)
		}
	}
	if got := mustGet(t, repo, "old-gone").Recording; got == "" {
		t.Error("dry run cleared a path")
	}

	files, bytes, err = repo.PurgeRecordings(ctx, cutoff, false)
	if err != nil || files != 2 || bytes != 3500 {
		t.Fatalf("purge = %d files, %d bytes, %v; want 2, 3500", files, bytes, err)
	}
	for id, gone := range map[string]bool{"old1": true, "old2": true, "new": false} {
		_, err := os.Stat(filepath.Join(dir, id+".wav"))
		if gone != errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: stat after purge: %v", id, err)
		}
	}
	for id, want := range map[string]string{"old1": "", "old2": "", "old-gone": "", "new": filepath.Join(dir, "new.wav")} {
		if got := mustGet(t, repo, id).Recording; got != want {
			t.Errorf("%s: recording %q, want %q", id, got, want)
		}
	}
	if files, bytes, err := repo.PurgeRecordings(ctx, cutoff, false); err != nil || files != 0 || bytes != 0 {
		t.Errorf("second purge = %d, %d, %v; want nothing", files, bytes, err)
	}
	if _, _, err := repo.PurgeRecordings(ctx, time.Time{}, false); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("purge with zero time = %v", err)
	}
}

// TestPurgeRecordingsManyBatches crosses batch boundaries with files that
// exist, are gone, and share a start time.
func TestPurgeRecordingsManyBatches(t *testing.T) {
	repo, _ := openTestRepo(t)
	dir := t.TempDir()
	total := purgeBatch*2 + 37
	existing := 0
	for i := range total {
		path := filepath.Join(dir, fmt.Sprintf("r%04d.wav", i))
		if i%3 != 0 {
			writeFile(t, path, []byte("1234567890"))
			existing++
		}
		call := recordedCall(fmt.Sprintf("call-%04d", i), i/7, path) // seven calls per start time
		mustStart(t, repo, call)
	}
	files, bytes, err := repo.PurgeRecordings(context.Background(), baseTime().AddDate(1, 0, 0), false)
	if err != nil || files != existing || bytes != int64(10*existing) {
		t.Fatalf("purge = %d files, %d bytes, %v; want %d, %d", files, bytes, err, existing, 10*existing)
	}
	yes := true
	left, _, err := repo.List(context.Background(), Filter{HasRecording: &yes}, Page{})
	if err != nil || len(left) != 0 {
		t.Fatalf("%d calls still have a recording (%v)", len(left), err)
	}
}
