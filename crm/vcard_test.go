package crm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestImportVCardVariants(t *testing.T) {
	env := newTestEnv(t, testSettings())
	file := strings.Join([]string{
		"BEGIN:VCARD",
		"VERSION:3.0",
		"N:Petrov;Ivan;Ivanovich;Dr.;",
		"ORG:Romashka;Sales",
		"TEL;TYPE=CELL,VOICE:+7 916 123-45-67",
		"TEL;TYPE=WORK:+7 495 123-45-67",
		"item1.TEL:+7 812 000-00-01",
		"item1.X-ABLabel:_$!<Other>!$_",
		"EMAIL;TYPE=INTERNET:ivan@example.com",
		"NOTE:First line\\nsecond line\\, with comma",
		"CATEGORIES:vip,client",
		"TZ:+03:00",
		"END:VCARD",
		"BEGIN:VCARD",
		"VERSION:4.0",
		"FN:Olga Long-Name-That-Is-Folded-Over-Several-Lines-Because-It-Is-Longer-Than-Seve",
		" nty-Five-Octets",
		"TEL;VALUE=uri;TYPE=\"home,voice\":tel:+1-212-555-0100;ext=7",
		"TZ:America/New_York",
		"END:VCARD",
		"",
	}, "\r\n")
	report, err := env.crm.ImportVCard(env.ctx, strings.NewReader(file), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != 2 {
		t.Fatalf("report = %+v", report)
	}
	ivan, _ := env.crm.FindContacts(env.ctx, "petrov", 1)
	if len(ivan) != 1 || ivan[0].Name != "Dr. Ivan Ivanovich Petrov" || ivan[0].Company != "Romashka" ||
		ivan[0].Notes != "First line\nsecond line, with comma" || ivan[0].TimeZone != "" || len(ivan[0].Tags) != 2 {
		t.Fatalf("Ivan = %+v", ivan)
	}
	labels := fmt.Sprint(ivan[0].Numbers[0].Label, ",", ivan[0].Numbers[1].Label, ",", ivan[0].Numbers[2].Label)
	if labels != "mobile,work,other" {
		t.Errorf("labels = %s", labels)
	}
	olga, _ := env.crm.FindContacts(env.ctx, "olga", 1)
	if len(olga) != 1 || !strings.HasSuffix(olga[0].Name, "Seventy-Five-Octets") || olga[0].TimeZone != "America/New_York" ||
		olga[0].Numbers[0].Key != "+12125550100" || olga[0].Numbers[0].Extension != "7" || olga[0].Numbers[0].Label != LabelHome {
		t.Errorf("Olga = %+v", olga)
	}
}

func TestImportBrokenVCardsWritesNothing(t *testing.T) {
	good := "BEGIN:VCARD\nVERSION:3.0\nFN:Good\nTEL:+7 495 123-45-67\nEND:VCARD\n"
	tests := []struct {
		name      string
		file      string
		wantIs    error
		wantLines []int
	}{
		{"0-byte file", "", ErrEmptyFile, []int{1}},
		{"no END", good + "BEGIN:VCARD\nFN:Cut\nTEL:+7 495 123-45-68\n", ErrImportRejected, []int{6}},
		{"invalid UTF-8", good + "BEGIN:VCARD\nFN:Bad \xff\nTEL:+7 495 123-45-68\nEND:VCARD\n", ErrImportRejected, []int{6}},
		{"quoted-printable", "BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:=D0=98\nTEL:1\nEND:VCARD\n", ErrImportRejected, []int{1}},
		{"no number", "BEGIN:VCARD\nFN:Nobody\nEND:VCARD\n" + good, ErrImportRejected, []int{1}},
		{"no name", "BEGIN:VCARD\nTEL:+7 495 123-45-67\nEND:VCARD\n", ErrImportRejected, []int{1}},
		{"text outside a card", "hello\n" + good, ErrImportRejected, []int{1}},
		{"huge line", "BEGIN:VCARD\nFN:" + strings.Repeat("x", 2<<20) + "\nEND:VCARD\n", ErrRecordTooLong, []int{2}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			env := newTestEnv(t, testSettings())
			before := env.counts()
			_, err := env.crm.ImportVCard(env.ctx, strings.NewReader(test.file), ImportOptions{})
			var importErr *ImportError
			if !errors.Is(err, test.wantIs) || !errors.As(err, &importErr) {
				t.Fatalf("err = %v, want %v", err, test.wantIs)
			}
			var lines []int
			for _, row := range importErr.Rows {
				lines = append(lines, row.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(test.wantLines) {
				t.Errorf("lines = %v, want %v (%v)", lines, test.wantLines, err)
			}
			if after := env.counts(); !equalCounts(before, after) {
				t.Errorf("rows written: %v → %v", before, after)
			}
		})
	}
}
