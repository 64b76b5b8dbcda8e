package crm

import "testing"

// FuzzImportVCard feeds arbitrary bytes to the vCard importer with the
// same promises as FuzzImportCSV: never a panic; all-or-nothing either
// fails with an *ImportError and writes nothing or accounts for every
// card; SkipInvalid accounts for every card and writes a rejects file
// (CSV) with one record per rejected card. Seeds are also in
// testdata/fuzz/FuzzImportVCard.
func FuzzImportVCard(f *testing.F) {
	addSeeds(f, vcardFuzzSeeds)
	fuzzImport(f, (*CRM).ImportVCard)
}
