package crm

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"testing"
)

// csvFuzzSeeds and vcardFuzzSeeds start every import fuzz target (the
// database ones and the parser-only ones in fuzz_parse_test.go).
var csvFuzzSeeds = []string{
	"Name,Phone\nIvan,+7 495 123-45-67\n",
	utf8BOM + "Name;Mobile;Work phone\r\nИван;8 916 123 45 67;8 495 123 45 67\r\n",
	"Фамилия,Имя,Телефон\nИванов,Иван,89161234567\nПетров,Пётр,89161234567\n",
	"Name,Phone\n\"Quoted, name\",\"+7 495 123-45-67;+7 495 123-45-68\"\n",
	"Name,Phone\nBad,\xff\xfe\n",
	"Name,Phone\nA,1\nB,call me\n,\n",
	"Name,Phone,Tags,Time zone\nA,+1 212 555 0100,\"a, b\",America/New_York\n",
	"Name,Phone\n\"unterminated,+7\n",
	"Name,Phone\nA,+7 495 123-45-67,extra\n",
	"Name,Phone (second-line) 2,E-mail\nA,+44 20 7946 0958,a@example.com\n",
	"",
	"\n\n\n",
	"Name\tPhone\nTab,+44 20 7946 0958\n",
}

var vcardFuzzSeeds = []string{
	"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Petrov;Ivan;;;\r\nTEL;TYPE=CELL:+7 916 123-45-67\r\nEND:VCARD\r\n",
	"BEGIN:VCARD\nVERSION:4.0\nFN:Olga Long-Name\n  Folded\nTEL;VALUE=uri;TYPE=\"home,voice\":tel:+1-212-555-0100;ext=7\nTZ:America/New_York\nEND:VCARD\n",
	"BEGIN:VCARD\nFN:A\nitem1.TEL:+44 20 7946 0958\nitem1.X-ABLabel:_$!<Other>!$_\nNOTE:x\\ny\\, z\\;\nCATEGORIES:vip,client\nEND:VCARD\n",
	"BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:=D0=98\nTEL:1\nEND:VCARD\n",
	"BEGIN:VCARD\nFN:Cut\nTEL:+7 495 123-45-68\n",
	"BEGIN:VCARD\nFN:Bad \xff\nTEL:+7 495 123-45-68\nEND:VCARD\n",
	"hello\nBEGIN:VCARD\nFN:X\nTEL:2\nEND:VCARD\n",
	"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n",
	"BEGIN:VCARD\nFN:Acme\\, Inc.\nORG:Acme\nEMAIL:a@example.com\nTEL;TYPE=voice;X-SWITCHBOARD-LABEL=\"second\":+7 495 123-45-67 ext. 12\n" +
		"X-SWITCHBOARD-RESPONSIBLE:boris\nX-SWITCHBOARD-SOURCE-LINE:sales\nEND:VCARD\n",
	"",
	"\r\n \r\n",
}

func addSeeds(f *testing.F, seeds []string) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
}

// FuzzImportCSV feeds arbitrary bytes to the importer. It must never panic;
// an all-or-nothing import either fails with an *ImportError and writes
// nothing, or accounts for every row; SkipInvalid accounts for every row
// and writes a well-formed rejects file with one line per rejected row.
func FuzzImportCSV(f *testing.F) {
	addSeeds(f, csvFuzzSeeds)
	fuzzImport(f, (*CRM).ImportCSV)
}

// importFunc is one of the importers (ImportCSV, ImportVCard).
type importFunc func(*CRM, context.Context, io.Reader, ImportOptions) (ImportReport, error)

// fuzzImport runs the promises every importer keeps on arbitrary input:
// never a panic; all-or-nothing either fails with an *ImportError and
// writes nothing, or accounts for every record; SkipInvalid accounts for
// every record and writes a rejects file (CSV) with a header and one line
// per rejected record.
func fuzzImport(f *testing.F, importer importFunc) {
	shared := newTestEnv(f, testSettings())
	f.Fuzz(func(t *testing.T, data []byte) {
		env := *shared
		env.t = t // helpers must report to this input's test, not to f
		before := env.counts()
		report, err := importer(env.crm, env.ctx, bytes.NewReader(data), ImportOptions{MaxRecordBytes: 4096})
		if err != nil {
			var importErr *ImportError
			if !errors.As(err, &importErr) {
				t.Fatalf("error %v is not an *ImportError", err)
			}
			if after := env.counts(); !equalCounts(before, after) {
				t.Fatalf("failed import wrote rows: %v → %v", before, after)
			}
		} else {
			if report.Rows != report.Created+report.Merged || report.Rejected != 0 {
				t.Fatalf("report does not add up: %+v", report)
			}
			if got := env.count("SELECT count(*) FROM contacts") - before["contacts"]; got != report.Created {
				t.Fatalf("%d contacts written, report says %d", got, report.Created)
			}
		}

		var rejects bytes.Buffer
		report, err = importer(env.crm, env.ctx, bytes.NewReader(data),
			ImportOptions{SkipInvalid: true, Rejects: &rejects, MaxRecordBytes: 4096})
		if err != nil {
			var importErr *ImportError
			if !errors.As(err, &importErr) || importErr.Fatal == nil {
				t.Fatalf("SkipInvalid failed without a fatal file error: %v", err)
			}
			return
		}
		if report.Rows != report.Created+report.Merged+report.Rejected {
			t.Fatalf("SkipInvalid report does not add up: %+v", report)
		}
		reader := csv.NewReader(&rejects)
		reader.FieldsPerRecord = -1 // a row with too many fields is written as it was
		lines, err := reader.ReadAll()
		if err != nil {
			t.Fatalf("rejects file is not CSV: %v", err)
		}
		if len(lines) != report.Rejected+1 {
			t.Fatalf("rejects file has %d lines for %d rejected records", len(lines), report.Rejected)
		}
	})
}
