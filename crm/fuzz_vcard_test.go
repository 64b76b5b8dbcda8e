package crm

import "testing"

// FuzzImportVCard feeds arbitrary bytes to the vCard importer with the
// same promises as FuzzImportCSV: never a panic; all-or-nothing either
// fails with an *ImportError and writes nothing or accounts for every
// card; SkipInvalid accounts for every card and writes a rejects file
// (CSV) with one record per rejected card. Seeds are also in
// testdata/fuzz/FuzzImportVCard.
func FuzzImportVCard(f *testing.F) {
	for _, seed := range []string{
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Petrov;Ivan;;;\r\nTEL;TYPE=CELL:+7 916 123-45-67\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\nVERSION:4.0\nFN:Olga Long-Name\n  Folded\nTEL;VALUE=uri;TYPE=\"home,voice\":tel:+1-212-555-0100;ext=7\nTZ:America/New_York\nEND:VCARD\n",
		"BEGIN:VCARD\nFN:A\nitem1.TEL:+44 20 7946 0958\nitem1.X-ABLabel:_$!<Other>!$_\nNOTE:x\\ny\\, z\\;\nCATEGORIES:vip,client\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:=D0=98\nTEL:1\nEND:VCARD\n",
		"BEGIN:VCARD\nFN:Cut\nTEL:+7 495 123-45-68\n",
		"BEGIN:VCARD\nFN:Bad \xff\nTEL:+7 495 123-45-68\nEND:VCARD\n",
		"hello\nBEGIN:VCARD\nFN:X\nTEL:2\nEND:VCARD\n",
		"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n",
		"",
		"\r\n \r\n",
	} {
		f.Add([]byte(seed))
	}
	fuzzImport(f, (*CRM).ImportVCard)
}
