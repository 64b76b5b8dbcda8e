package crm

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// csvSource reads contacts from CSV. Columns are mapped by header name
// (see mapColumns): any number of phone columns ("Phone", "Mobile", "Work
// phone", "Телефон", "Phone 2" …), name or first/middle/last name, company,
// e-mail, notes, tags, time zone, responsible, source line. UTF-8 with or
// without a byte-order mark; ',' ';' or tab separated.
type csvSource struct {
	reader  *csv.Reader
	limiter *recordLimiter
	header  []string
	columns []csvColumn
	ignored []string
	offset  int64 // input offset after the last record, to detect a reader stuck on one error
}

const utf8BOM = "\xef\xbb\xbf"

func newCSVSource(r io.Reader, options ImportOptions) (*csvSource, error) {
	buffered := bufio.NewReaderSize(r, 64<<10)
	if start, _ := buffered.Peek(len(utf8BOM)); string(start) == utf8BOM {
		_, _ = buffered.Discard(len(utf8BOM)) // cannot fail: the bytes are buffered
	}
	delimiter := options.Delimiter
	if delimiter == 0 {
		firstLine, _ := buffered.Peek(buffered.Size())
		delimiter = sniffDelimiter(firstLine)
	}
	limiter := &recordLimiter{source: buffered, limit: options.MaxRecordBytes}
	reader := csv.NewReader(limiter)
	reader.Comma = delimiter
	reader.FieldsPerRecord = -1 // checked per row, to report it as a row error
	source := &csvSource{reader: reader, limiter: limiter}

	header, err := reader.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fatalAt(1, ErrEmptyFile, "no header line")
	case errors.Is(err, ErrRecordTooLong):
		return nil, fatalAt(limiter.line(), ErrRecordTooLong, fmt.Sprintf("longer than %d bytes", options.MaxRecordBytes))
	case err != nil:
		return nil, fatalAt(1, ErrInvalid, fmt.Sprintf("header: %v", err))
	}
	for _, name := range header {
		if !utf8.ValidString(name) {
			return nil, fatalAt(1, ErrInvalidEncoding, "the header is not UTF-8 (save the file as UTF-8)")
		}
	}
	columns, ignored, err := mapColumns(header)
	if err != nil {
		return nil, &ImportError{Fatal: err, Rows: []RowError{{Line: 1, Reason: err.Error()}}, Total: 1}
	}
	source.header, source.columns, source.ignored = header, columns, ignored
	limiter.reset()
	source.offset = reader.InputOffset()
	return source, nil
}

func (s *csvSource) rejectHeader() []string {
	return append([]string{"line", "reason"}, s.header...)
}

func (s *csvSource) ignoredColumns() []string { return s.ignored }

func (s *csvSource) next() (importRecord, error) {
	for {
		fields, err := s.reader.Read()
		s.limiter.reset()
		var parseErr *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return importRecord{}, io.EOF
		case errors.Is(err, ErrRecordTooLong):
			return importRecord{}, fatalAt(s.limiter.line(), ErrRecordTooLong, fmt.Sprintf("longer than %d bytes", s.limiter.limit))
		case errors.As(err, &parseErr):
			offset := s.reader.InputOffset()
			if offset == s.offset {
				// The reader made no progress; reading on would loop.
				return importRecord{}, fatalAt(parseErr.StartLine, ErrInvalid, parseErr.Err.Error())
			}
			s.offset = offset
			return importRecord{line: parseErr.StartLine, raw: fields,
				err: fmt.Errorf("%w: %v", ErrInvalid, parseErr.Err)}, nil
		case err != nil:
			return importRecord{}, &ImportError{Fatal: fmt.Errorf("read: %w", err)}
		}
		s.offset = s.reader.InputOffset()
		if allEmpty(fields) {
			continue // a line of separators only, as spreadsheets leave at the end
		}
		line, _ := s.reader.FieldPos(0)
		record := importRecord{line: line, raw: fields}
		for i, field := range fields {
			if !utf8.ValidString(field) {
				record.err = fmt.Errorf("%w in column %d", ErrInvalidEncoding, i+1)
				return record, nil
			}
		}
		if len(fields) > len(s.header) {
			// Usually an unquoted separator inside a value: the columns
			// after it would land in the wrong fields.
			record.err = fmt.Errorf("%w: %d fields, the header has %d", ErrInvalid, len(fields), len(s.header))
			return record, nil
		}
		record.input = contactFromFields(s.columns, fields)
		return record, nil
	}
}

func allEmpty(fields []string) bool {
	for _, field := range fields {
		if field != "" {
			return false
		}
	}
	return true
}

// sniffDelimiter picks the separator that occurs most often, outside
// quotes, in the first line: spreadsheets in Russia and Germany write ';'.
func sniffDelimiter(start []byte) rune {
	if newline := bytes.IndexByte(start, '\n'); newline >= 0 {
		start = start[:newline]
	}
	counts := map[byte]int{}
	quoted := false
	for _, b := range start {
		switch {
		case b == '"':
			quoted = !quoted
		case !quoted && (b == ',' || b == ';' || b == '\t'):
			counts[b]++
		}
	}
	best := byte(',')
	for _, candidate := range []byte{';', '\t'} {
		if counts[candidate] > counts[best] {
			best = candidate
		}
	}
	return rune(best)
}

// recordLimiter stops reading when one record grows past limit bytes (a
// binary file or a runaway quote would otherwise be read into memory
// whole). csv.Reader reads ahead through its own buffer, so the bound is
// approximate by that buffer's size.
type recordLimiter struct {
	source   io.Reader
	limit    int
	count    int
	newlines int
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.count > l.limit+(64<<10) {
		return 0, ErrRecordTooLong
	}
	n, err := l.source.Read(p)
	l.count += n
	l.newlines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}

// reset starts counting a new record.
func (l *recordLimiter) reset() { l.count = 0 }

// line is the line the reader has got to.
func (l *recordLimiter) line() int { return l.newlines + 1 }
