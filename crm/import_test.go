package crm

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
)

func (env *testEnv) importCSV(text string, options ImportOptions) (ImportReport, error) {
	return env.crm.ImportCSV(env.ctx, strings.NewReader(text), options)
}

func TestImportCSVMapsColumnsAndNumbers(t *testing.T) {
	env := newTestEnv(t, testSettings())
	file := utf8BOM + "Name,Company,Phone,Mobile,Work phone,Телефон 2,E-mail,Notes,Tags,Unrelated\n" +
		`Ivan Petrov,Romashka,8 (495) 123-45-67,+7 916 123 45 67,,,ivan@example.com,"Two` + "\n" + `lines",vip; опт,x` + "\n" +
		"Olga,,,,+7 495 765-43-21 доб. 5,8 812 000 00 00,,,,\n"
	report, err := env.importCSV(file, ImportOptions{Tags: []string{"import"}})
	if err != nil {
		t.Fatal(err)
	}
	if report.Rows != 2 || report.Created != 2 || report.Merged != 0 || report.Rejected != 0 {
		t.Errorf("report = %+v", report)
	}
	if len(report.IgnoredColumns) != 1 || report.IgnoredColumns[0] != "Unrelated" {
		t.Errorf("ignored columns = %q", report.IgnoredColumns)
	}
	found, err := env.crm.FindContacts(env.ctx, "ivan petrov", 5)
	if err != nil || len(found) != 1 {
		t.Fatalf("find Ivan: %v %v", found, err)
	}
	ivan := found[0]
	if ivan.Company != "Romashka" || ivan.Email != "ivan@example.com" || ivan.Notes != "Two\nlines" ||
		strings.Join(ivan.Tags, ",") != "import,vip,опт" || ivan.CreatedBy != "anna" {
		t.Errorf("Ivan = %+v", ivan)
	}
	if len(ivan.Numbers) != 2 || ivan.Numbers[0].Label != LabelMain || ivan.Numbers[1].Label != LabelMobile ||
		ivan.Numbers[1].Key != "+79161234567" {
		t.Errorf("Ivan's numbers = %+v", ivan.Numbers)
	}
	olga, _ := env.crm.FindContacts(env.ctx, "+7 812 000-00-00", 5)
	if len(olga) != 1 || olga[0].Numbers[0].Label != LabelWork || olga[0].Numbers[0].Extension != "5" {
		t.Errorf("Olga = %+v", olga)
	}
}

func TestImportCSVSemicolonsAndRussianHeaders(t *testing.T) {
	env := newTestEnv(t, testSettings())
	file := "Фамилия;Имя;Отчество;Организация;Мобильный телефон;Рабочий телефон;Электронная почта;Примечание\r\n" +
		"Иванов;Иван;Иванович;ООО «Ромашка»;8-916-123-45-67;;ivan@example.ru;звонить после 10\r\n"
	report, err := env.importCSV(file, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != 1 {
		t.Fatalf("report = %+v", report)
	}
	found, _ := env.crm.FindContacts(env.ctx, "иванович", 5)
	if len(found) != 1 || found[0].Name != "Иван Иванович Иванов" || found[0].Company != "ООО «Ромашка»" ||
		found[0].Numbers[0].Label != LabelMobile {
		t.Errorf("found = %+v", found)
	}
}

func TestImportRejectsBrokenFilesAndWritesNothing(t *testing.T) {
	hugeLine := "Name,Phone\nA," + strings.Repeat("1", 2<<20) + "\n"
	hugeName := "Name,Phone\n" + strings.Repeat("Я", 100_000) + ",+7 495 123-45-67\n"
	tests := []struct {
		name      string
		file      string
		wantIs    error
		wantLines []int
	}{
		{"0-byte file", "", ErrEmptyFile, []int{1}},
		{"only a BOM", utf8BOM, ErrEmptyFile, []int{1}},
		{"no phone column", "Name,Email\nIvan,i@example.com\n", ErrMissingColumn, []int{1}},
		{"no name column", "Company,Phone\nRomashka,+7 495 123-45-67\n", ErrMissingColumn, []int{1}},
		{"header not UTF-8", "Na\xffme,Phone\nIvan,+7 495 123-45-67\n", ErrInvalidEncoding, []int{1}},
		{"rows not UTF-8", "Name,Phone\nGood,+7 495 123-45-67\nBa\xe9d,+7 495 123-45-68\nAlso good,+7 495 123-45-69\nCp1251 \xcf\xf0\xe8,+7 495 123-45-70\n",
			ErrImportRejected, []int{3, 5}},
		{"bad numbers", "Name,Phone\nOk,+7 495 123-45-67\nNo digits,call me\nTypo,+7 (495) 123-45-67-89-10\nEmpty,\n",
			ErrImportRejected, []int{3, 4, 5}},
		{"empty name", "Name,Phone\n,+7 495 123-45-67\n", ErrImportRejected, []int{2}},
		{"too many fields", "Name,Phone\n\"Smith\", John,+7 495 123-45-67\n", ErrImportRejected, []int{2}},
		{"bare quote", "Name,Phone\nIvan \"the\" Great,+7 495 123-45-67\nOk,+7 495 123-45-68\n", ErrImportRejected, []int{2}},
		{"huge field", hugeName, ErrImportRejected, []int{2}},
		{"huge line", hugeLine, ErrRecordTooLong, []int{2}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			env := newTestEnv(t, testSettings())
			env.addContact("Existing", "+7 999 000-00-00")
			before := env.counts()
			_, err := env.importCSV(test.file, ImportOptions{})
			if !errors.Is(err, test.wantIs) || !errors.Is(err, ErrImportRejected) {
				t.Fatalf("err = %v; want %v and ErrImportRejected", err, test.wantIs)
			}
			var importErr *ImportError
			if !errors.As(err, &importErr) {
				t.Fatalf("err is %T, want *ImportError", err)
			}
			var lines []int
			for _, row := range importErr.Rows {
				lines = append(lines, row.Line)
				if row.Reason == "" {
					t.Errorf("line %d without a reason", row.Line)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(test.wantLines) || importErr.Total != len(test.wantLines) {
				t.Errorf("bad lines = %v (total %d), want %v; %v", lines, importErr.Total, test.wantLines, err)
			}
			if after := env.counts(); !equalCounts(before, after) {
				t.Errorf("a rejected import wrote rows: %v → %v", before, after)
			}
		})
	}
}

func TestImportHugeFileWithOneBadRowAtTheEndWritesNothing(t *testing.T) {
	env := newTestEnv(t, testSettings())
	before := env.counts()
	rows := 50_000
	if raceEnabled {
		rows = 5_000
	}
	var file bytes.Buffer
	file.WriteString("Name,Phone,Mobile\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&file, "Contact %d,+7 495 %07d,8 916 %07d\n", i, i, i)
	}
	file.WriteString("Broken,not a number,\n")
	_, err := env.crm.ImportCSV(env.ctx, &file, ImportOptions{})
	var importErr *ImportError
	if !errors.As(err, &importErr) || importErr.Total != 1 || importErr.Rows[0].Line != rows+2 {
		t.Fatalf("err = %v, want one bad row at line %d", err, rows+2)
	}
	if after := env.counts(); !equalCounts(before, after) {
		t.Errorf("rows written: %v → %v", before, after)
	}
}

func TestImportSkipInvalidWritesRejects(t *testing.T) {
	env := newTestEnv(t, testSettings())
	file := "Name,Phone,City\nGood,+7 495 123-45-67,Moscow\nBad,oops,Tver\nAlso good,8 916 000 00 01,Omsk\nNoname,,Kazan\n"
	var rejects bytes.Buffer
	report, err := env.importCSV(file, ImportOptions{SkipInvalid: true, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if report.Rows != 4 || report.Created != 2 || report.Rejected != 2 || len(report.Rejects) != 2 {
		t.Errorf("report = %+v", report)
	}
	records, err := csv.NewReader(&rejects).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"line", "reason", "Name", "Phone", "City"},
		{"3", records[1][1], "Bad", "oops", "Tver"},
		{"5", "no phone number", "Noname", "", "Kazan"},
	}
	if fmt.Sprint(records) != fmt.Sprint(want) || !strings.Contains(records[1][1], "oops") {
		t.Errorf("rejects = %q", records)
	}
	if got := env.count("SELECT count(*) FROM contacts"); got != 2 {
		t.Errorf("%d contacts", got)
	}
}

func TestImportMergesDuplicatesByNumber(t *testing.T) {
	env := newTestEnv(t, testSettings())
	existing := env.addContact("Ivan", "+7 495 123-45-67")
	file := "Name,Phone,Mobile,E-mail,Tags\n" +
		"Ivan P.,8 (495) 123-45-67,8 916 123 45 67,ivan@example.com,client\n" + // existing contact: gains the mobile and e-mail
		"Olga,+7 812 000-00-01,,,\n" +
		"Olga again,8 812 000 00 01,+7 921 000-00-01,o@example.com,\n" + // an earlier row of this file
		"Ivan twice,74951234567,,other@example.com,\n" // nothing new
	report, err := env.importCSV(file, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != 1 || report.Merged != 3 || len(report.Duplicates) != 3 {
		t.Errorf("report = %+v", report)
	}
	if report.Duplicates[0].Line != 2 || report.Duplicates[0].ContactID != existing.ID {
		t.Errorf("first duplicate = %+v", report.Duplicates[0])
	}
	ivan, _ := env.crm.GetContact(env.ctx, existing.ID)
	if ivan.Name != "Ivan" || len(ivan.Numbers) != 2 || ivan.Email != "ivan@example.com" || len(ivan.Tags) != 1 {
		t.Errorf("merged Ivan = %+v", ivan)
	}
	if got := env.count("SELECT count(*) FROM contacts"); got != 2 {
		t.Errorf("%d contacts, want 2", got)
	}
	if got := env.count("SELECT count(*) FROM contact_numbers"); got != 4 {
		t.Errorf("%d numbers, want 4 (none doubled)", got)
	}
	// Importing the same file again changes nothing.
	before := env.counts()
	if _, err := env.importCSV(file, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if after := env.counts(); after["contacts"] != before["contacts"] || after["contact_numbers"] != before["contact_numbers"] {
		t.Errorf("re-import doubled: %v → %v", before, after)
	}
}

func TestImportLinksPastCalls(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addCall("c1", DirectionIn, "+74951234567", testStart, "missed")
	if _, err := env.crm.IndexCalls(env.ctx); err != nil {
		t.Fatal(err)
	}
	env.addCall("c2", DirectionIn, "8 495 123 45 67", testStart, "answered") // not indexed yet
	if _, err := env.importCSV("Name,Phone\nIvan,+7 495 123-45-67\n", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	found, _ := env.crm.FindContacts(env.ctx, "Ivan", 1)
	calls, err := env.crm.ContactCalls(env.ctx, found[0].ID, 10)
	if err != nil || len(calls) != 2 {
		t.Errorf("imported contact's calls = %+v, %v", calls, err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	source := newTestEnv(t, testSettings())
	inputs := []ContactInput{
		{Name: "Ivan Petrov", Company: "Romashka, Ltd; \"quoted\"", Email: "ivan@example.com", Notes: "Line one\nLine two, with; punctuation \\ backslash",
			TimeZone: "Asia/Yekaterinburg", Responsible: "boris", SourceLine: "+7 495 000-00-00", Tags: []string{"vip", "опт"},
			Numbers: []PhoneInput{{Number: "+7 495 123-45-67 доб. 12"}, {Label: "mobile", Number: "8 916 123 45 67"},
				{Label: "mobile", Number: "+7 916 765 43 21"}, {Label: "second-line", Number: "+7 812 000 00 01"}, {Label: "fax", Number: "+7 495 000 00 02"}}},
		{Name: "Юлия Смирнова", Numbers: []PhoneInput{{Label: "work", Number: "+44 20 7946 0958"}, {Label: "home", Number: "+1 212 555 0100"}}},
		{Name: strings.Repeat("Длинное имя ", 20) + "end", Notes: strings.Repeat("ё", 100), Numbers: []PhoneInput{{Label: "дача", Number: "101"}}},
	}
	for _, input := range inputs {
		if _, err := source.crm.AddContact(source.ctx, input); err != nil {
			t.Fatal(err)
		}
	}
	formats := []struct {
		name     string
		export   func(env *testEnv, w io.Writer) (int, error)
		importer func(env *testEnv, r io.Reader) (ImportReport, error)
	}{
		{"csv", func(env *testEnv, w io.Writer) (int, error) { return env.crm.ExportCSV(env.ctx, w) },
			func(env *testEnv, r io.Reader) (ImportReport, error) {
				return env.crm.ImportCSV(env.ctx, r, ImportOptions{})
			}},
		{"vcard3", func(env *testEnv, w io.Writer) (int, error) { return env.crm.ExportVCard(env.ctx, w, VCard3) },
			func(env *testEnv, r io.Reader) (ImportReport, error) {
				return env.crm.ImportVCard(env.ctx, r, ImportOptions{})
			}},
		{"vcard4", func(env *testEnv, w io.Writer) (int, error) { return env.crm.ExportVCard(env.ctx, w, VCard4) },
			func(env *testEnv, r io.Reader) (ImportReport, error) {
				return env.crm.ImportVCard(env.ctx, r, ImportOptions{})
			}},
	}
	for _, format := range formats {
		t.Run(format.name, func(t *testing.T) {
			var first bytes.Buffer
			if n, err := format.export(source, &first); err != nil || n != len(inputs) {
				t.Fatalf("export: %d, %v", n, err)
			}
			target := newTestEnv(t, testSettings())
			report, err := format.importer(target, bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("import: %v\n%s", err, first.String())
			}
			if report.Created != len(inputs) {
				t.Errorf("report = %+v", report)
			}
			var second bytes.Buffer
			if _, err := format.export(target, &second); err != nil {
				t.Fatal(err)
			}
			if first.String() != second.String() {
				t.Errorf("round trip changed the export:\n%s\n---\n%s", first.String(), second.String())
			}
			compareContacts(t, source, target)
		})
	}
}

// compareContacts checks that two databases hold the same contacts (by
// position), apart from ids, times and the numbers' raw spelling.
func compareContacts(t *testing.T, a, b *testEnv) {
	t.Helper()
	left, err := a.crm.FindContacts(a.ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	right, err := b.crm.FindContacts(b.ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != len(right) {
		t.Fatalf("%d contacts vs %d", len(left), len(right))
	}
	for i := range left {
		l, r := left[i], right[i]
		same := l.Name == r.Name && l.Company == r.Company && l.Email == r.Email && l.Notes == r.Notes &&
			l.TimeZone == r.TimeZone && l.Responsible == r.Responsible && l.SourceLine == r.SourceLine &&
			fmt.Sprint(l.Tags) == fmt.Sprint(r.Tags) && len(l.Numbers) == len(r.Numbers)
		// CSV groups numbers by label column, so order is not kept there.
		byKey := func(phones []Phone) []Phone {
			sorted := append([]Phone(nil), phones...)
			sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
			return sorted
		}
		lNumbers, rNumbers := byKey(l.Numbers), byKey(r.Numbers)
		for j := 0; same && j < len(lNumbers); j++ {
			ln, rn := lNumbers[j], rNumbers[j]
			same = ln.Label == rn.Label && ln.Key == rn.Key && ln.Kind == rn.Kind && ln.Extension == rn.Extension
		}
		if !same {
			t.Errorf("contact %d differs:\n%+v\n%+v", i, l, r)
		}
	}
}

// TestImportRestoresConnection checks that the pragmas the import turns
// off or enlarges are back on every pooled connection afterwards: foreign
// keys above all, which cascade a deleted contact's numbers.
func TestImportRestoresConnection(t *testing.T) {
	env := newTestEnv(t, testSettings())
	if _, err := env.importCSV("Name,Phone\nIvan,+7 495 123-45-67\n", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.importCSV("Name,Phone\nBroken,nope\n", ImportOptions{}); err == nil {
		t.Fatal("broken import accepted")
	}
	var conns []*sql.Conn
	for i := 0; i < 4; i++ { // the store's pool size
		conn, err := env.db.SQL().Conn(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var foreignKeys, cacheSize, tempStore int
		if err := conn.QueryRowContext(env.ctx, `SELECT * FROM pragma_foreign_keys, pragma_cache_size, pragma_temp_store`).
			Scan(&foreignKeys, &cacheSize, &tempStore); err != nil {
			t.Fatal(err)
		}
		if foreignKeys != 1 || cacheSize != -2000 || tempStore != 0 {
			t.Errorf("connection %d: foreign_keys=%d cache_size=%d temp_store=%d", i, foreignKeys, cacheSize, tempStore)
		}
	}
	for _, conn := range conns {
		_ = conn.Close()
	}
	found, _ := env.crm.FindContacts(env.ctx, "Ivan", 1)
	if err := env.crm.DeleteContact(env.ctx, found[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := env.count("SELECT count(*) FROM contact_numbers"); n != 0 {
		t.Errorf("%d numbers survived their contact", n)
	}
}
