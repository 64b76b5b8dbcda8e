package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidTag is returned (wrapped) for an empty tag or one containing
// white space (Call.Tags separates tags with spaces).
var ErrInvalidTag = errors.New("invalid tag")

// What the operator adds to a call after (or during) it. Each setter is one
// autocommit statement that writes only when the value changes, so a UI may
// call it freely; the history never locks for longer than one row update.
const (
	// notes <> ? makes an unchanged note (a keystroke that was undone, a
	// repeated save) cost a lookup and no write: no WAL frame, no trigger,
	// no notes-index churn.
	setNotesSQL       = `UPDATE calls SET notes = ? WHERE id = ? AND notes <> ?`
	setDispositionSQL = `UPDATE calls SET disposition = ? WHERE id = ? AND disposition <> ?`
	setTransferSQL    = `UPDATE calls SET transfer_target = ? WHERE id = ? AND transfer_target <> ?`
	setQualitySQL     = `UPDATE calls SET loss_pct = ?, jitter_ms = ?, delay_ms = ?, mos = ?
WHERE id = ? AND (loss_pct, jitter_ms, delay_ms, mos) IS NOT (?, ?, ?, ?)`

	// remote_e164 <> '' repeats the partial index's condition so the index
	// is used (see 0003_history.sql).
	linkContactSQL = `UPDATE calls SET contact_id = ?
WHERE remote_e164 = ? AND remote_e164 <> '' AND contact_id <> ?`

	// Selecting from calls both checks that the call exists and, with ON
	// CONFLICT, makes adding a tag twice a no-op.
	addTagSQL = `INSERT INTO call_tags (call_id, tag, started_at) SELECT id, ?, started_at FROM calls WHERE id = ?
ON CONFLICT DO NOTHING`
	removeTagSQL = `DELETE FROM call_tags WHERE call_id = ? AND tag = ?`
	tagCountsSQL = `SELECT tag, count(*) FROM call_tags GROUP BY tag ORDER BY tag`

	rebuildNotesIndexSQL = `INSERT INTO call_notes (call_notes) VALUES ('rebuild')`
)

// SetNotes replaces the call's notes. It is cheap enough to call on every
// (debounced) keystroke: one indexed row update plus the notes index, and
// nothing at all when the text did not change.
func (r *Repo) SetNotes(ctx context.Context, id, text string) error {
	return r.setField(ctx, "set notes", id, setNotesSQL, text, id, text)
}

// SetDisposition sets the call's wrap-up code ("" clears it). Surrounding
// space is trimmed so that "sale " and "sale" do not count apart.
func (r *Repo) SetDisposition(ctx context.Context, id, code string) error {
	code = strings.TrimSpace(code)
	return r.setField(ctx, "set disposition", id, setDispositionSQL, code, id, code)
}

// SetTransfer records where the call was transferred to ("" clears it).
func (r *Repo) SetTransfer(ctx context.Context, id, target string) error {
	return r.setField(ctx, "set transfer target", id, setTransferSQL, target, id, target)
}

// SetQuality records the call's audio quality. Calling it means the call was
// measured, so a zero MOS is replaced by EstimateMOS of the other figures.
func (r *Repo) SetQuality(ctx context.Context, id string, quality Quality) error {
	if quality.MOS == 0 {
		quality.MOS = EstimateMOS(quality.LossPercent, quality.JitterMillis, quality.DelayMillis)
	}
	if err := quality.validate(); err != nil {
		return fmt.Errorf("history: set quality of call %s: %w: %w", id, ErrInvalidCall, err)
	}
	figures := []any{quality.LossPercent, quality.JitterMillis, quality.DelayMillis, quality.MOS}
	args := append(append(append([]any{}, figures...), id), figures...)
	return r.setField(ctx, "set quality", id, setQualitySQL, args...)
}

// setField runs a conditional single-row update. No row changed means the
// value was already set or the call does not exist; only the second is an
// error.
func (r *Repo) setField(ctx context.Context, what, id, query string, args ...any) error {
	result, err := r.stmts.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("history: %s of call %s: %w", what, id, err)
	}
	if err := r.changedOrExists(ctx, result, id); err != nil {
		return fmt.Errorf("history: %s of call %s: %w", what, id, err)
	}
	return nil
}

func (r *Repo) changedOrExists(ctx context.Context, result sql.Result, id string) error {
	changed, err := result.RowsAffected()
	if err != nil {
		return err
	}
	if changed > 0 {
		return nil
	}
	var exists bool
	if err := r.stmts.queryRow(ctx, callExistsSQL, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return ErrNotFound
	}
	return nil
}

// LinkContact links every call with the normalised number e164 to the
// contact, including calls linked to another contact before: it is meant
// for when a number is added to (or moved between) contacts, and the
// history should follow. contactID 0 unlinks. It returns the number of calls
// changed. Calls whose number was never normalised (RemoteE164 "") cannot be
// found this way; see BackfillE164.
func (r *Repo) LinkContact(ctx context.Context, e164 string, contactID int64) (int, error) {
	if e164 == "" {
		return 0, fmt.Errorf("history: link contact %d: %w: empty number", contactID, ErrInvalidCall)
	}
	if contactID < 0 {
		return 0, fmt.Errorf("history: link contact %d: %w: negative contact id", contactID, ErrInvalidCall)
	}
	result, err := r.stmts.exec(ctx, linkContactSQL, contactID, e164, contactID)
	if err != nil {
		return 0, fmt.Errorf("history: link %s to contact %d: %w", e164, contactID, err)
	}
	changed, err := result.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("history: link %s to contact %d: %w", e164, contactID, err)
	}
	return int(changed), nil
}

// NormaliseTag returns the stored form of a tag: trimmed and lower-case, so
// "VIP" and "vip " are one tag. It fails for an empty tag or one with white
// space or control characters inside.
func NormaliseTag(tag string) (string, error) {
	normal := strings.ToLower(strings.TrimSpace(tag))
	if normal == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidTag)
	}
	if strings.IndexFunc(normal, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", fmt.Errorf("%w: %q contains white space", ErrInvalidTag, tag)
	}
	return normal, nil
}

// AddTag tags the call (see NormaliseTag). Adding a tag twice is a no-op.
func (r *Repo) AddTag(ctx context.Context, id, tag string) error {
	normal, err := NormaliseTag(tag)
	if err != nil {
		return fmt.Errorf("history: tag call %s: %w", id, err)
	}
	return r.setField(ctx, "add tag "+normal, id, addTagSQL, normal, id)
}

// RemoveTag removes a tag from the call; removing one it does not have is a
// no-op.
func (r *Repo) RemoveTag(ctx context.Context, id, tag string) error {
	normal, err := NormaliseTag(tag)
	if err != nil {
		return fmt.Errorf("history: untag call %s: %w", id, err)
	}
	return r.setField(ctx, "remove tag "+normal, id, removeTagSQL, id, normal)
}

// TagCount is one tag and how many calls carry it.
type TagCount struct {
	Tag   string `json:"tag"`
	Calls int    `json:"calls"`
}

// TagCounts lists every tag in use, alphabetically, for completion and
// filter menus.
func (r *Repo) TagCounts(ctx context.Context) ([]TagCount, error) {
	rows, err := r.stmts.query(ctx, tagCountsSQL)
	if err != nil {
		return nil, fmt.Errorf("history: tag counts: %w", err)
	}
	defer rows.Close()
	var counts []TagCount
	for rows.Next() {
		var count TagCount
		if err := rows.Scan(&count.Tag, &count.Calls); err != nil {
			return nil, fmt.Errorf("history: tag counts: %w", err)
		}
		counts = append(counts, count)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: tag counts: %w", err)
	}
	return counts, nil
}

// RebuildNotesIndex rebuilds the notes search index from the notes
// themselves. Needed only after a VACUUM, which may renumber rows (see
// 0003_history.sql); harmless otherwise.
func (r *Repo) RebuildNotesIndex(ctx context.Context) error {
	if _, err := r.db.ExecContext(ctx, rebuildNotesIndexSQL); err != nil {
		return fmt.Errorf("history: rebuild notes index: %w", err)
	}
	return nil
}
