package crm

import (
	"bufio"
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The parser-only fuzz targets: the same readers and row validation as
// FuzzImportCSV and FuzzImportVCard, without a database, so that -fuzz runs
// thousands of inputs a second instead of a handful. The DB targets stay as
// seed tests of the whole import.

// parseOnlyCRM is a CRM with the test settings and no database: parsing and
// validation need only the settings and the number normaliser.
func parseOnlyCRM(f *testing.F) *CRM {
	f.Helper()
	c, err := NewFromSQL(nil, testSettings())
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// checkParsed holds for any input: a fatal error is an *ImportError naming a
// line of the file; each row names its own line, in file order, and a rejected
// row's report says "line N: …".
func checkParsed(t *testing.T, data []byte, rows []parsedRow, err error) {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	if err != nil {
		var importErr *ImportError
		if !errors.As(err, &importErr) || importErr.Fatal == nil {
			t.Fatalf("reading stopped with %v, want an *ImportError with a fatal cause", err)
		}
		if importErr.Total > 0 && (importErr.Rows[0].Line < 1 || importErr.Rows[0].Line > lines) {
			t.Fatalf("fatal error names line %d of a %d-line file: %v", importErr.Rows[0].Line, lines, err)
		}
	}
	previous := 0
	for _, row := range rows {
		if row.line <= previous || row.line > lines {
			t.Fatalf("row at line %d after line %d, in a %d-line file", row.line, previous, lines)
		}
		previous = row.line
		if row.err == nil {
			continue
		}
		report := RowError{Line: row.line, Reason: reason(row.err)}.String()
		if !strings.HasPrefix(report, "line ") || strings.TrimSpace(report[strings.Index(report, ":")+1:]) == "" {
			t.Fatalf("rejected row reported as %q: want its line and a reason", report)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	addSeeds(f, csvFuzzSeeds)
	c := parseOnlyCRM(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := c.parseCSV(bytes.NewReader(data), ImportOptions{MaxRecordBytes: 4096})
		checkParsed(t, data, rows, err)
	})
}

func FuzzParseVCard(f *testing.F) {
	addSeeds(f, vcardFuzzSeeds)
	c := parseOnlyCRM(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := c.parseVCard(bytes.NewReader(data), ImportOptions{MaxRecordBytes: 4096})
		checkParsed(t, data, rows, err)
		for _, row := range rows {
			if row.err == nil {
				checkVCardRoundTrip(t, c, row.valid)
			}
		}
	})
}

// checkVCardRoundTrip writes a contact the way ExportVCard does, in both
// versions, and reads it back: the import must get the same contact.
func checkVCardRoundTrip(t *testing.T, c *CRM, want validContact) {
	t.Helper()
	exported := exportedContact{name: want.input.Name, company: want.input.Company, email: want.input.Email,
		notes: want.input.Notes, timeZone: want.input.TimeZone, responsible: want.input.Responsible,
		sourceLine: want.input.SourceLine, tags: want.tags}
	for _, phone := range want.numbers {
		exported.phones = append(exported.phones, Phone{Label: phone.label, Raw: phone.number.Raw, Key: phone.number.Key,
			Kind: phone.number.Kind, Extension: phone.number.Extension})
	}
	for _, version := range []string{VCard3, VCard4} {
		var card bytes.Buffer
		out := bufio.NewWriter(&card)
		writeVCard(out, exported, version)
		if err := out.Flush(); err != nil {
			t.Fatal(err)
		}
		rows, err := c.parseVCard(&card, ImportOptions{})
		if err != nil || len(rows) != 1 || rows[0].err != nil {
			t.Fatalf("vCard %s of a valid contact does not read back: %v %+v\n%s", version, err, rows, card.String())
		}
		got := rows[0].valid
		if diff := contactDiff(want, got); diff != "" {
			t.Fatalf("vCard %s round trip changed the %s\n%s", version, diff, card.String())
		}
	}
}

// contactDiff names the first field that differs between two parsed contacts.
func contactDiff(a, b validContact) string {
	x, y := a.input, b.input
	switch {
	case x.Name != y.Name:
		return "name: " + x.Name + " → " + y.Name
	case x.Company != y.Company:
		return "company: " + x.Company + " → " + y.Company
	case x.Email != y.Email:
		return "e-mail: " + x.Email + " → " + y.Email
	case x.Notes != y.Notes:
		return "notes: " + x.Notes + " → " + y.Notes
	case x.TimeZone != y.TimeZone:
		return "time zone: " + x.TimeZone + " → " + y.TimeZone
	case x.Responsible != y.Responsible:
		return "responsible: " + x.Responsible + " → " + y.Responsible
	case x.SourceLine != y.SourceLine:
		return "source line: " + x.SourceLine + " → " + y.SourceLine
	case !slices.Equal(a.tags, b.tags):
		return "tags: " + strings.Join(a.tags, "|") + " → " + strings.Join(b.tags, "|")
	case len(a.numbers) != len(b.numbers):
		return "number count"
	}
	for i := range a.numbers {
		p, q := a.numbers[i], b.numbers[i]
		if p.label != q.label || p.number.Key != q.number.Key || p.number.Extension != q.number.Extension {
			return "number " + p.label + " " + p.number.Key + " ext " + p.number.Extension + " → " +
				q.label + " " + q.number.Key + " ext " + q.number.Extension
		}
	}
	return ""
}
