package crm

import (
	"errors"
	"io"
)

// parsedRow is one row or card as an import sees it before anything is
// written: valid, or rejected with the reason the import would report.
type parsedRow struct {
	line  int
	valid validContact
	err   error // nil when the row would be imported
}

// parseImport reads and validates every record of source with the same
// steps as runImport's reader and validators, but without the database
// (no merging by number, no company lookup). It exists so that the file
// formats can be fuzzed at parser speed: a database per input makes the
// fuzzer crawl. A problem with the file as a whole ends it with the
// *ImportError the import would return.
func (c *CRM) parseImport(source recordSource, options ImportOptions) ([]parsedRow, error) {
	var rows []parsedRow
	for {
		record, err := source.next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		valid, err := c.validateImported(record, options)
		rows = append(rows, parsedRow{line: record.line, valid: valid, err: err})
	}
}

// parseCSV is parseImport for a CSV file, with ImportCSV's defaults.
func (c *CRM) parseCSV(r io.Reader, options ImportOptions) ([]parsedRow, error) {
	options = options.withDefaults(c.settings.CurrentOperator)
	source, err := newCSVSource(r, options)
	if err != nil {
		return nil, err
	}
	return c.parseImport(source, options)
}

// parseVCard is parseImport for vCard, with ImportVCard's defaults.
func (c *CRM) parseVCard(r io.Reader, options ImportOptions) ([]parsedRow, error) {
	options = options.withDefaults(c.settings.CurrentOperator)
	return c.parseImport(newVCardSource(r, options), options)
}
