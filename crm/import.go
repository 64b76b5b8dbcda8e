package crm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard/switchboard/crm/numbers"
)

// ImportOptions controls ImportCSV and ImportVCard.
type ImportOptions struct {
	// SkipInvalid imports the good rows and rejects the bad ones (written
	// to Rejects when set). Without it (the default) any bad row aborts the
	// import and nothing is written.
	SkipInvalid bool
	// Rejects receives the rejected rows as CSV: line, reason, then the
	// row's own fields. Only used with SkipInvalid.
	Rejects io.Writer
	// KeepUnverifiedNumbers accepts numbers that are not valid for any
	// country (they are matched by their last digits); by default such a
	// number makes its row invalid, as it is usually a typo.
	KeepUnverifiedNumbers bool
	// Responsible and CreatedBy default to the current operator.
	Responsible string
	CreatedBy   string
	// Tags are added to every imported contact ("import 2024-03").
	Tags []string
	// Delimiter of a CSV file; 0 = detect ',', ';' or tab from the header.
	Delimiter rune
	// MaxRecordBytes bounds one CSV record or vCard line (about; reading is
	// buffered); 0 = 1 MiB. A longer one aborts the import: the file is
	// not a contact list.
	MaxRecordBytes int
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows     int `json:"rows"`     // data rows (or cards) read
	Created  int `json:"created"`  // new contacts
	Merged   int `json:"merged"`   // rows merged into an existing contact by a shared number
	Rejected int `json:"rejected"` // bad rows (skipped with SkipInvalid)
	// Duplicates lists the numbers that were already known, and whose
	// contact they led to (the first maxReportedDuplicates).
	Duplicates []ImportDuplicate `json:"duplicates,omitempty"`
	// Rejects lists the bad rows (the first maxReportedRowErrors).
	Rejects []RowError `json:"rejects,omitempty"`
	// IgnoredColumns are CSV header names that map to no field.
	IgnoredColumns []string `json:"ignored_columns,omitempty"`
}

// ImportDuplicate is one number of an imported row that a contact already
// had.
type ImportDuplicate struct {
	Line      int    `json:"line"`
	Number    string `json:"number"`
	ContactID int64  `json:"contact_id"`
}

// RowError is one bad row: its line in the file and why.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// String is "line N: reason".
func (e RowError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Sentinel errors of imports, for errors.Is.
var (
	// ErrImportRejected: the import wrote nothing; the error is an
	// *ImportError listing why.
	ErrImportRejected = errors.New("import rejected, nothing written")
	// ErrEmptyFile: the file has no header (or no card).
	ErrEmptyFile = errors.New("empty file")
	// ErrMissingColumn: the CSV header has no name or no phone column.
	ErrMissingColumn = errors.New("missing column")
	// ErrRecordTooLong: a record or line exceeds MaxRecordBytes.
	ErrRecordTooLong = errors.New("record too long")
	// ErrInvalidEncoding: text that is not UTF-8.
	ErrInvalidEncoding = errors.New("not valid UTF-8")
)

// ImportError is returned when an import is rejected. It matches
// ErrImportRejected and, for a problem with the file as a whole, the
// sentinel in Fatal.
type ImportError struct {
	// Fatal is a problem with the whole file (empty, missing columns,
	// record too long, unreadable); nil when only rows were bad.
	Fatal error `json:"-"`
	// Rows lists bad rows in file order (the first maxReportedRowErrors).
	Rows []RowError `json:"rows"`
	// Total counts all bad rows.
	Total int `json:"total"`
}

// How many row errors and duplicates a report keeps; the counts are exact.
const (
	maxReportedRowErrors  = 100_000
	maxReportedDuplicates = 10_000
	errorsInMessage       = 10
)

// Error lists the fatal problem and the first bad rows.
func (e *ImportError) Error() string {
	var message strings.Builder
	message.WriteString(ErrImportRejected.Error())
	if e.Fatal != nil {
		fmt.Fprintf(&message, ": %v", e.Fatal)
	}
	if e.Total > 0 {
		fmt.Fprintf(&message, ": %d invalid rows", e.Total)
		for i, row := range e.Rows {
			if i == errorsInMessage {
				fmt.Fprintf(&message, "; … (%d more)", e.Total-errorsInMessage)
				break
			}
			fmt.Fprintf(&message, "; %s", row)
		}
	}
	return message.String()
}

// Unwrap lets errors.Is match ErrImportRejected and the fatal sentinel.
func (e *ImportError) Unwrap() []error {
	if e.Fatal != nil {
		return []error{ErrImportRejected, e.Fatal}
	}
	return []error{ErrImportRejected}
}

// fatalAt builds the error for a problem that stops reading at line.
func fatalAt(line int, sentinel error, detail string) error {
	return &ImportError{
		Fatal: fmt.Errorf("line %d: %w: %s", line, sentinel, detail),
		Rows:  []RowError{{Line: line, Reason: fmt.Sprintf("%v: %s", sentinel, detail)}},
		Total: 1,
	}
}

// importRecord is one row or card as read from a file, before validation.
type importRecord struct {
	line  int
	input ContactInput
	raw   []string // the source fields, for the rejects file
	err   error    // a problem found while reading the row
}

// recordSource reads records one by one: io.EOF at the end, any other
// error (an *ImportError) when the file cannot be read further.
type recordSource interface {
	next() (importRecord, error)
	// rejectHeader is the header line of the rejects file.
	rejectHeader() []string
	ignoredColumns() []string
}

func (o ImportOptions) withDefaults(current string) ImportOptions {
	if o.Responsible == "" {
		o.Responsible = current
	}
	if o.CreatedBy == "" {
		o.CreatedBy = current
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = 1 << 20
	}
	return o
}

// validateImported validates one record as the import sees it: the
// options' defaults applied, at least one number, and (unless allowed)
// only numbers valid for some country.
func (c *CRM) validateImported(record importRecord, options ImportOptions) (validContact, error) {
	if record.err != nil {
		return validContact{}, record.err
	}
	input := record.input
	if input.Responsible == "" {
		input.Responsible = options.Responsible
	}
	input.CreatedBy = options.CreatedBy
	input.Tags = append(input.Tags, options.Tags...)
	if len(input.Numbers) == 0 {
		return validContact{}, fmt.Errorf("%w: no phone number", ErrInvalid)
	}
	valid, err := c.validateContact(input)
	if err != nil {
		return validContact{}, err
	}
	if !options.KeepUnverifiedNumbers {
		for _, phone := range valid.numbers {
			if phone.number.Kind == numbers.KindUnparsed {
				return validContact{}, fmt.Errorf("%w: %q is not a valid phone number", ErrInvalidNumber, phone.number.Raw)
			}
		}
	}
	return valid, nil
}

// reason is the text of a row error without the "invalid input: " prefix
// every validation error carries.
func reason(err error) string {
	text := err.Error()
	for _, prefix := range []string{ErrInvalidNumber.Error() + ": ", ErrInvalid.Error() + ": "} {
		if strings.HasPrefix(text, prefix) {
			if prefix == ErrInvalidNumber.Error()+": " {
				return "invalid phone number " + strings.TrimPrefix(text, prefix)
			}
			return strings.TrimPrefix(text, prefix)
		}
	}
	return text
}

// ImportCSV imports contacts from CSV (see csvSource for the columns
// understood). By default it is all-or-nothing in one transaction; see
// ImportOptions. The transaction holds the database's write lock for the
// whole import (about 50 s for a million rows): other writers, such as the
// phone recording a call, wait up to their busy timeout and then fail, so
// run large imports when no call is in progress.
func (c *CRM) ImportCSV(ctx context.Context, r io.Reader, options ImportOptions) (ImportReport, error) {
	options = options.withDefaults(c.settings.CurrentOperator)
	source, err := newCSVSource(r, options)
	if err != nil {
		return ImportReport{}, fmt.Errorf("crm: import CSV: %w", err)
	}
	report, err := c.runImport(ctx, source, options)
	if err != nil {
		return report, fmt.Errorf("crm: import CSV: %w", err)
	}
	return report, nil
}

// ImportVCard imports contacts from vCard 3.0 or 4.0 (one or many cards).
func (c *CRM) ImportVCard(ctx context.Context, r io.Reader, options ImportOptions) (ImportReport, error) {
	options = options.withDefaults(c.settings.CurrentOperator)
	report, err := c.runImport(ctx, newVCardSource(r, options), options)
	if err != nil {
		return report, fmt.Errorf("crm: import vCard: %w", err)
	}
	return report, nil
}
