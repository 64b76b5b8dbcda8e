package history

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// RecordingStatus says whether a call's recording file is usable.
type RecordingStatus string

const (
	RecordingOK      RecordingStatus = "ok"
	RecordingMissing RecordingStatus = "missing" // no file at the path
	// RecordingDamaged: not a WAV file, or its header promises more audio
	// than the file holds (cut short by a full disk, a failed copy, ...).
	RecordingDamaged    RecordingStatus = "damaged"
	RecordingUnreadable RecordingStatus = "unreadable" // it exists but cannot be read (permissions, I/O error)
)

// Recording is one call's recording and the state of its file.
type Recording struct {
	Call    Call            `json:"call"`
	Status  RecordingStatus `json:"status"`
	Bytes   int64           `json:"bytes"`   // file size; 0 unless the file exists
	Problem string          `json:"problem"` // why it is not ok, in words
}

// Recordings lists the calls that have a recording (the filter's
// HasRecording is overridden), with each file checked. A missing or
// damaged file is reported in its row, never as an error: one bad file
// must not hide the others.
func (r *Repo) Recordings(ctx context.Context, filter Filter, page Page) ([]Recording, string, error) {
	with := true
	filter.HasRecording = &with
	calls, next, err := r.list(ctx, filter, page)
	if err != nil {
		return nil, "", fmt.Errorf("history: list recordings: %w", err)
	}
	recordings := make([]Recording, len(calls))
	for i, call := range calls {
		recordings[i] = CheckRecording(call)
	}
	return recordings, next, nil
}

// CheckRecording checks the call's recording file: that it exists and has
// a complete WAV header.
func CheckRecording(call Call) Recording {
	rec := Recording{Call: call, Status: RecordingOK}
	if call.Recording == "" {
		rec.Status, rec.Problem = RecordingMissing, "no recording path"
		return rec
	}
	file, err := os.Open(call.Recording)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rec.Status, rec.Problem = RecordingMissing, "file not found"
		return rec
	case err != nil:
		rec.Status, rec.Problem = RecordingUnreadable, err.Error()
		return rec
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		rec.Status, rec.Problem = RecordingUnreadable, err.Error()
		return rec
	}
	if !info.Mode().IsRegular() {
		rec.Status, rec.Problem = RecordingDamaged, "not a regular file"
		return rec
	}
	rec.Bytes = info.Size()
	if problem, err := checkWAV(file, info.Size()); err != nil {
		rec.Status, rec.Problem = RecordingUnreadable, err.Error()
	} else if problem != "" {
		rec.Status, rec.Problem = RecordingDamaged, problem
	}
	return rec
}

// WAV layout: "RIFF" size "WAVE", then chunks of id, size and body (padded
// to even length); "fmt " must precede "data".
const (
	riffHeaderBytes  = 12
	chunkHeaderBytes = 8
	minFmtChunkBytes = 16
	// unknownChunkSize is what the recorder writes while recording: "read
	// to the end". A killed recording keeps it (or the size at its last
	// header rewrite) and is still playable, so neither counts as damage.
	unknownChunkSize = 0xFFFFFFFF
	// maxHeaderChunks bounds the walk through a hostile or corrupt file.
	maxHeaderChunks = 64
)

// checkWAV returns a description of the damage, "" for a sound header, or
// an error if the file could not be read.
func checkWAV(file io.ReaderAt, size int64) (problem string, err error) {
	var riff [riffHeaderBytes]byte
	if n, err := file.ReadAt(riff[:], 0); n < len(riff) {
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return fmt.Sprintf("%d bytes, too short for a WAV header", size), nil
	}
	if !bytes.Equal(riff[0:4], []byte("RIFF")) || !bytes.Equal(riff[8:12], []byte("WAVE")) {
		return "not a WAV file (no RIFF/WAVE header)", nil
	}
	sawFormat := false
	offset := int64(riffHeaderBytes)
	for range maxHeaderChunks {
		var chunk [chunkHeaderBytes]byte
		if n, err := file.ReadAt(chunk[:], offset); n < len(chunk) {
			if err != nil && !errors.Is(err, io.EOF) {
				return "", err
			}
			return "header cut short before the audio data", nil
		}
		id, chunkSize := string(chunk[0:4]), binary.LittleEndian.Uint32(chunk[4:8])
		body := offset + chunkHeaderBytes
		switch id {
		case "fmt ":
			if chunkSize < minFmtChunkBytes {
				return fmt.Sprintf("format chunk of %d bytes, want at least %d", chunkSize, minFmtChunkBytes), nil
			}
			sawFormat = true
		case "data":
			if !sawFormat {
				return "audio data before the format chunk", nil
			}
			if chunkSize != unknownChunkSize && body+int64(chunkSize) > size {
				return fmt.Sprintf("truncated: header promises %d bytes of audio, file holds %d", chunkSize, size-body), nil
			}
			return "", nil
		}
		if chunkSize == unknownChunkSize {
			return fmt.Sprintf("chunk %q of unknown length before the audio data", id), nil
		}
		offset = body + int64(chunkSize) + int64(chunkSize%2)
		if offset > size {
			return fmt.Sprintf("chunk %q runs past the end of the file", id), nil
		}
	}
	return "no audio data chunk in the first chunks", nil
}

// purgeBatch is how many recordings one purge transaction clears.
const purgeBatch = 500

const purgeCandidatesSQL = `SELECT rowid, id, recording, started_at FROM calls INDEXED BY calls_recording
WHERE recording <> '' AND started_at < ? AND started_at >= ? AND (started_at > ? OR rowid > ?)
ORDER BY started_at, rowid LIMIT ?`

// The recording must still be the file we deleted: it may have been
// changed since it was read.
const clearRecordingSQL = `UPDATE calls SET recording = '' WHERE id = ? AND recording = ?`

// PurgeRecordings enforces retention: it deletes the recording files of
// calls that started before olderThan and clears their recording path. It
// returns how many files were deleted and how many bytes that freed. A file
// already gone is no error; its path is cleared too (and not counted).
// With dryRun nothing is changed and the figures say what would be freed.
//
// Files are deleted before their paths are cleared, batch by batch, so an
// interruption leaves at worst paths to files already gone, which the next
// purge clears. On an error it stops, reporting what was done so far.
func (r *Repo) PurgeRecordings(ctx context.Context, olderThan time.Time, dryRun bool) (files int, bytes int64, err error) {
	if olderThan.IsZero() {
		return 0, 0, fmt.Errorf("history: purge recordings: %w: zero time", ErrInvalidFilter)
	}
	afterStart, afterRowid := int64(-1<<63), int64(0)
	for {
		var batch []purgeCandidate
		rows, err := r.stmts.query(ctx, purgeCandidatesSQL, olderThan.UnixMilli(), afterStart, afterStart, afterRowid, purgeBatch)
		if err != nil {
			return files, bytes, fmt.Errorf("history: purge recordings: %w", err)
		}
		for rows.Next() {
			var c purgeCandidate
			if err := rows.Scan(&afterRowid, &c.id, &c.path, &afterStart); err != nil {
				rows.Close()
				return files, bytes, fmt.Errorf("history: purge recordings: %w", err)
			}
			batch = append(batch, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return files, bytes, fmt.Errorf("history: purge recordings: %w", err)
		}
		if len(batch) == 0 {
			return files, bytes, nil
		}

		var cleared []purgeCandidate
		for _, c := range batch {
			info, err := os.Lstat(c.path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				cleared = append(cleared, c)
				continue
			case err != nil:
				return files, bytes, fmt.Errorf("history: purge recording of call %s: %w", c.id, err)
			}
			if !dryRun {
				if err := os.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return files, bytes, fmt.Errorf("history: purge recording of call %s: %w", c.id, err)
				}
			}
			files++
			bytes += info.Size()
			cleared = append(cleared, c)
		}
		if !dryRun {
			if err := r.clearRecordings(ctx, cleared); err != nil {
				return files, bytes, fmt.Errorf("history: purge recordings: %w", err)
			}
		}
		if len(batch) < purgeBatch {
			return files, bytes, nil
		}
	}
}

// purgeCandidate is a call whose recording is due for deletion.
type purgeCandidate struct {
	id, path string
}

func (r *Repo) clearRecordings(ctx context.Context, calls []purgeCandidate) (err error) {
	r.stmts.warm(ctx, clearRecordingSQL) // before the transaction: see stmtCache.inTx
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	clear, release, _, err := r.stmts.inTx(ctx, tx, clearRecordingSQL)
	if err != nil {
		return err
	}
	defer release()
	for _, call := range calls {
		if _, err = clear.ExecContext(ctx, call.id, call.path); err != nil {
			return err
		}
	}
	return tx.Commit()
}
