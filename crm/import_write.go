package crm

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"
)

// importWriter is the writing stage.
type importWriter struct {
	crm      *CRM
	options  ImportOptions
	report   *ImportReport
	rejected *ImportError
	rejects  *csv.Writer
	// rejectHeader is the rejects file's header (line, reason, columns).
	rejectHeader []string
	contacts     *contactWriter
	bulk         *bulkInserter
	merge        *sql.Stmt
	now          time.Time
	// knownKeys holds a hash of every number key this import has written,
	// when the database had no numbers before it. Then a key whose hash is
	// absent cannot have an owner and the per-number owner query (half the
	// writer's time on a first import) is skipped; a present hash is
	// confirmed by the query, so a hash collision costs a query, never a
	// wrong merge. nil when the database already had numbers.
	knownKeys map[uint64]struct{}
}

// importCacheKiB is SQLite's page cache for the import's connection while it
// runs (restored afterwards): a large import inserts into indexes in random
// order, and the default 2 MiB cache would re-read pages constantly.
const importCacheKiB = 256 << 10

func (w *importWriter) prepare(ctx context.Context, tx *sql.Tx) error {
	contacts, err := prepareContactWriter(ctx, tx)
	if err != nil {
		return err
	}
	// History is linked once at the end, not per number.
	contacts.linkHistory = false
	w.contacts = contacts
	// A merge only fills what the contact lacks: the CRM's data wins over
	// the file's.
	w.merge, err = tx.PrepareContext(ctx, `UPDATE contacts SET
    company_id = COALESCE(company_id, ?),
    email = CASE WHEN email = '' THEN ? ELSE email END,
    notes = CASE WHEN notes = '' THEN ? ELSE notes END,
    time_zone = CASE WHEN time_zone = '' THEN ? ELSE time_zone END,
    source_line = CASE WHEN source_line = '' THEN ? ELSE source_line END,
    updated_at = ?
WHERE id = ?`)
	if err != nil {
		contacts.close()
		return fmt.Errorf("prepare: %w", err)
	}
	w.now = w.crm.now()
	if w.bulk, err = newBulkInserter(ctx, tx); err != nil {
		return err
	}
	var hasNumbers bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contact_numbers)`).Scan(&hasNumbers); err != nil {
		return err
	}
	if !hasNumbers {
		w.knownKeys = map[uint64]struct{}{}
	}
	return nil
}

func (w *importWriter) close() {
	w.contacts.close()
	if w.bulk != nil {
		w.bulk.close()
	}
	_ = w.merge.Close() // as above
}

func keyHash(key string) uint64 {
	hash := fnv.New64a()
	_, _ = hash.Write([]byte(key)) // a hash.Hash never fails to write
	return hash.Sum64()
}

// owner is contactWriter.owner that also sees rows not flushed yet, with
// the knownKeys short cut.
func (w *importWriter) owner(ctx context.Context, key string) (int64, error) {
	if id, ok := w.bulk.pendingOwner(key); ok {
		return id, nil
	}
	if w.knownKeys != nil {
		if _, seen := w.knownKeys[keyHash(key)]; !seen {
			return 0, nil
		}
	}
	return w.contacts.owner(ctx, key)
}

func (w *importWriter) remember(phone validPhone) {
	if w.knownKeys != nil {
		w.knownKeys[keyHash(phone.number.Key)] = struct{}{}
	}
}

func (w *importWriter) writeBatch(ctx context.Context, batch *importBatch) error {
	for i, record := range batch.records {
		w.report.Rows++
		if err := batch.errs[i]; err != nil {
			if err := w.reject(record, err); err != nil {
				return err
			}
			continue
		}
		if w.rejected.Total > 0 && !w.options.SkipInvalid {
			continue // already doomed: keep reading only to report every bad row
		}
		if err := w.write(ctx, record.line, batch.valid[i]); err != nil {
			return fmt.Errorf("line %d: %w", record.line, err)
		}
	}
	return nil
}

func (w *importWriter) reject(record importRecord, err error) error {
	row := RowError{Line: record.line, Reason: reason(err)}
	w.report.Rejected++
	w.rejected.Total++
	if len(w.rejected.Rows) < maxReportedRowErrors {
		w.rejected.Rows = append(w.rejected.Rows, row)
		if w.options.SkipInvalid {
			w.report.Rejects = append(w.report.Rejects, row)
		}
	}
	if w.rejects == nil {
		return nil
	}
	line := append([]string{strconv.Itoa(row.Line), row.Reason}, record.raw...)
	// Pad short rows so the rejects file lines up with its header and can
	// be fixed in a spreadsheet and imported again.
	for len(line) < len(w.rejectHeader) {
		line = append(line, "")
	}
	if err := w.rejects.Write(line); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}

// write stores one valid contact, merging it into the contact that already
// has one of its numbers (from the database or an earlier row).
func (w *importWriter) write(ctx context.Context, line int, contact validContact) error {
	owners := make([]int64, len(contact.numbers))
	mergeInto := int64(0)
	for i, phone := range contact.numbers {
		owner, err := w.owner(ctx, phone.number.Key)
		if err != nil {
			return err
		}
		owners[i] = owner
		if mergeInto == 0 {
			mergeInto = owner
		}
	}
	if mergeInto == 0 {
		companyID, err := w.contacts.ensureCompany(ctx, contact.input.Company, w.now)
		if err != nil {
			return err
		}
		if _, err := w.bulk.add(ctx, contact, companyID, w.now); err != nil {
			return err
		}
		for _, phone := range contact.numbers {
			w.remember(phone)
		}
		w.report.Created++
		return nil
	}
	// The contact merged into may still be buffered.
	if err := w.bulk.flush(ctx); err != nil {
		return err
	}
	w.report.Merged++
	for i, phone := range contact.numbers {
		if owners[i] != 0 {
			// Known already (here or elsewhere): never doubled.
			if len(w.report.Duplicates) < maxReportedDuplicates {
				w.report.Duplicates = append(w.report.Duplicates, ImportDuplicate{Line: line, Number: phone.number.Raw, ContactID: owners[i]})
			}
			continue
		}
		if _, err := w.contacts.addNumber(ctx, mergeInto, phone, w.now); err != nil {
			return err
		}
		w.remember(phone)
	}
	input := contact.input
	companyID, err := w.contacts.ensureCompany(ctx, input.Company, w.now)
	if err != nil {
		return err
	}
	if _, err := w.merge.ExecContext(ctx, nullID(companyID), input.Email, input.Notes, input.TimeZone, input.SourceLine,
		w.now.UnixMilli(), mergeInto); err != nil {
		return fmt.Errorf("merge into contact %d: %w", mergeInto, err)
	}
	return w.contacts.addTags(ctx, mergeInto, contact.tags)
}

// finish indexes calls recorded meanwhile and links every call, task and
// case whose number now belongs to a contact, in a few set-based
// statements rather than one per imported number.
func (w *importWriter) finish(ctx context.Context, tx *sql.Tx) error {
	if err := w.bulk.flush(ctx); err != nil {
		return err
	}
	if _, err := w.crm.indexNewCalls(ctx, tx); err != nil {
		return err
	}
	// A number's owner is its first contact, as on the caller card.
	owner := func(numberColumn string) string {
		return `(SELECT n.contact_id FROM contact_numbers n WHERE n.number_key = ` + numberColumn + `
            ORDER BY n.contact_id LIMIT 1)`
	}
	now := w.now.UnixMilli()
	for _, link := range []struct {
		table, statement string
		args             []any
	}{
		{"calls", `UPDATE calls SET contact_id = ` + owner("calls.remote_e164") +
			` WHERE contact_id = 0 AND remote_e164 <> '' AND ` + owner("calls.remote_e164") + ` IS NOT NULL`, nil},
		{"tasks", `UPDATE tasks SET contact_id = ` + owner("tasks.number_key") + `, updated_at = ?` +
			` WHERE contact_id IS NULL AND number_key <> '' AND ` + owner("tasks.number_key") + ` IS NOT NULL`, []any{now}},
		{"cases", `UPDATE cases SET contact_id = ` + owner("cases.number_key") + `, updated_at = ?` +
			` WHERE contact_id IS NULL AND number_key <> '' AND ` + owner("cases.number_key") + ` IS NOT NULL`, []any{now}},
	} {
		if _, err := tx.ExecContext(ctx, link.statement, link.args...); err != nil {
			return fmt.Errorf("link history in %s: %w", link.table, err)
		}
	}
	return nil
}
