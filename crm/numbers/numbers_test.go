package numbers

import (
	"strings"
	"testing"
)

func mustNormalizer(t testing.TB, region string) *Normalizer {
	t.Helper()
	n, err := New(Config{DefaultRegion: region})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNormalizeAcrossRegionsAndFormats(t *testing.T) {
	tests := []struct {
		region, raw string
		wantKey     string
		wantKind    Kind
		wantExt     string
	}{
		// Russia: the four spellings from the issue are one number.
		{"RU", "8 (495) 123-45-67", "+74951234567", KindE164, ""},
		{"RU", "+7 495 1234567", "+74951234567", KindE164, ""},
		{"RU", "007495 123 45 67", "+74951234567", KindE164, ""},
		{"RU", "74951234567", "+74951234567", KindE164, ""},
		{"RU", "84951234567", "+74951234567", KindE164, ""},
		{"RU", "495-123-45-67", "+74951234567", KindE164, ""},
		{"RU", "8 916 123 45 67", "+79161234567", KindE164, ""},
		{"RU", "+7 (912) 345-67-89", "+79123456789", KindE164, ""},
		{"RU", "8 10 48 22 123 45 67", "+48221234567", KindE164, ""}, // Russia's own international prefix
		{"RU", "+7 495 123-45-67 доб. 12", "+74951234567", KindE164, "12"},
		{"RU", "sip:+74951234567@pbx.example;user=phone", "+74951234567", KindE164, ""},
		{"RU", "380441234567", "+380441234567", KindE164, ""}, // bare international digits from a trunk
		// Poland (no national trunk prefix).
		{"PL", "12 345 67 89", "+48123456789", KindE164, ""},
		{"PL", "512 345 678", "+48512345678", KindE164, ""},
		{"PL", "+48 512-345-678", "+48512345678", KindE164, ""},
		{"PL", "0048 512 345 678", "+48512345678", KindE164, ""},
		// Germany.
		{"DE", "030 123456", "+4930123456", KindE164, ""},
		{"DE", "01512 3456789", "+4915123456789", KindE164, ""},
		{"DE", "+49 (0)30 123456", "+4930123456", KindE164, ""},
		{"DE", "0049 30 123456", "+4930123456", KindE164, ""},
		// United States.
		{"US", "(201) 555-0123", "+12015550123", KindE164, ""},
		{"US", "1-201-555-0123", "+12015550123", KindE164, ""},
		{"US", "201.555.0123", "+12015550123", KindE164, ""},
		{"US", "011 44 20 7946 0958", "+442079460958", KindE164, ""},
		{"US", "+1 650 253 0000 x123", "+16502530000", KindE164, "123"},
		{"US", "tel:+1-650-253-0000;ext=12", "+16502530000", KindE164, "12"},
		// United Kingdom.
		{"GB", "020 7946 0958", "+442079460958", KindE164, ""},
		{"GB", "07400 123456", "+447400123456", KindE164, ""},
		{"GB", "+44 (0) 7400 123456", "+447400123456", KindE164, ""},
		// Ukraine.
		{"UA", "044 123 4567", "+380441234567", KindE164, ""},
		{"UA", "050 123 4567", "+380501234567", KindE164, ""},
		{"UA", "+380 50 123 45 67", "+380501234567", KindE164, ""},
		// Kazakhstan shares +7 with Russia and its trunk prefix 8.
		{"KZ", "8 (771) 000 9998", "+77710009998", KindE164, ""},
		{"KZ", "8 (71234) 5 67 89", "+77123456789", KindE164, ""},
		{"KZ", "8 (495) 123-45-67", "+74951234567", KindE164, ""},
		// United Arab Emirates.
		{"AE", "02 234 5678", "+97122345678", KindE164, ""},
		{"AE", "050 123 4567", "+971501234567", KindE164, ""},
		{"AE", "00971 50 123 4567", "+971501234567", KindE164, ""},
		// Any region reads international spellings alike.
		{"DE", "+7 495 1234567", "+74951234567", KindE164, ""},
		{"AE", "007495 123 45 67", "+74951234567", KindE164, ""},
		// Short internal numbers are kept as they are, never with a country code.
		{"RU", "101", "101", KindInternal, ""},
		{"RU", "1-01", "101", KindInternal, ""},
		{"US", "5001", "5001", KindInternal, ""},
		{"DE", "123456", "123456", KindInternal, ""},
		{"RU", "+101", "+101", KindUnparsed, ""}, // '+' says it is not internal
		// Numbers no region makes valid keep their digits for suffix matching.
		{"RU", "1234567", "1234567", KindUnparsed, ""},
		{"RU", "+7 (999) 00", "+799900", KindUnparsed, ""},
		{"RU", "8 (495) 123", "8495123", KindUnparsed, ""},
		{"PL", "8 (495) 123", "8495123", KindUnparsed, ""},
		{"RU", "00 999 1234567", "+9991234567", KindUnparsed, ""},
		// Garbage.
		{"RU", "", "", KindInvalid, ""},
		{"RU", "   ", "", KindInvalid, ""},
		{"RU", "anonymous", "", KindInvalid, ""},
		{"RU", "+", "", KindInvalid, ""},
		{"RU", "--()--", "", KindInvalid, ""},
		{"RU", strings.Repeat("1", 40), "", KindInvalid, ""},
		{"RU", strings.Repeat("x", 1000), "", KindInvalid, ""},
	}
	normalizers := map[string]*Normalizer{}
	for _, test := range tests {
		n := normalizers[test.region]
		if n == nil {
			n = mustNormalizer(t, test.region)
			normalizers[test.region] = n
		}
		got := n.Normalize(test.raw)
		if got.Key != test.wantKey || got.Kind != test.wantKind || got.Extension != test.wantExt {
			t.Errorf("%s Normalize(%q) = key %q kind %s ext %q; want %q %s %q",
				test.region, test.raw, got.Key, got.Kind, got.Extension, test.wantKey, test.wantKind, test.wantExt)
		}
		if got.Raw != test.raw {
			t.Errorf("%s Normalize(%q).Raw = %q; the raw text must be kept", test.region, test.raw, got.Raw)
		}
		if got.Valid() {
			if again := n.Normalize(got.Key); again.Key != got.Key {
				t.Errorf("%s Normalize(%q) not idempotent: %q → %q", test.region, test.raw, got.Key, again.Key)
			}
		}
	}
}

func TestInternalDigitsIsConfigurable(t *testing.T) {
	n, err := New(Config{DefaultRegion: "RU", MaxInternalDigits: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Normalize("101"); got.Kind != KindInternal {
		t.Errorf("101 with max 3 digits: kind %s, want internal", got.Kind)
	}
	if got := n.Normalize("1001"); got.Kind != KindUnparsed {
		t.Errorf("1001 with max 3 digits: kind %s, want unparsed", got.Kind)
	}
	disabled, err := New(Config{DefaultRegion: "RU", MaxInternalDigits: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := disabled.Normalize("101"); got.Kind == KindInternal {
		t.Errorf("internal numbers disabled but 101 is %s", got.Kind)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"unknown region":  {DefaultRegion: "XX"},
		"tiny suffix":     {DefaultRegion: "RU", SuffixDigits: 2},
		"huge suffix":     {DefaultRegion: "RU", SuffixDigits: 30},
		"huge extensions": {DefaultRegion: "RU", MaxInternalDigits: 40},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New(%+v) accepted", name, cfg)
		}
	}
	if n, err := New(Config{DefaultRegion: "ru"}); err != nil || n.Region() != "RU" {
		t.Errorf("lower-case region: %v, %v", n, err)
	}
}

func TestNoDefaultRegionReadsOnlyInternationalNumbers(t *testing.T) {
	n := mustNormalizer(t, "")
	if got := n.Normalize("+7 495 123-45-67"); got.Key != "+74951234567" {
		t.Errorf("international number without region: %+v", got)
	}
	if got := n.Normalize("123-45-67"); got.Kind != KindUnparsed || got.Key != "1234567" {
		t.Errorf("national number without region: %+v", got)
	}
}

func TestSuffixRange(t *testing.T) {
	n, err := New(Config{DefaultRegion: "RU", SuffixDigits: 7})
	if err != nil {
		t.Fatal(err)
	}
	stored := n.Normalize("+7 495 123-45-67")
	low, high, ok := n.SuffixRange(n.Normalize("123-45-67"))
	if !ok {
		t.Fatal("7-digit number gave no suffix range")
	}
	reversed := stored.ReversedDigits()
	if !(reversed >= low && reversed < high) {
		t.Errorf("stored %q (reversed %q) not in [%q, %q)", stored.Key, reversed, low, high)
	}
	other := n.Normalize("+7 495 123-45-68").ReversedDigits()
	if other >= low && other < high {
		t.Errorf("a different number %q falls in the range", other)
	}
	for _, short := range []string{"45-67", "101", "garbage"} {
		if _, _, ok := n.SuffixRange(n.Normalize(short)); ok {
			t.Errorf("SuffixRange(%q) should refuse: too few digits or internal", short)
		}
	}
}

func TestPrefixKey(t *testing.T) {
	ru := mustNormalizer(t, "RU")
	de := mustNormalizer(t, "DE")
	tests := []struct {
		n       *Normalizer
		prefix  string
		want    string
		wantErr bool
	}{
		{ru, "+7 800", "+7800", false},
		{ru, "007800", "+7800", false},
		{ru, "8 800", "+7800", false},
		{ru, "495", "+7495", false},
		{de, "0900", "+49900", false},
		{de, "+44", "+44", false},
		{ru, "", "", true},
		{ru, "00", "", true},
		{ru, "abc", "", true},
		{ru, "8 800 ext 5", "", true},
	}
	for _, test := range tests {
		got, err := test.n.PrefixKey(test.prefix)
		if (err != nil) != test.wantErr || got != test.want {
			t.Errorf("%s PrefixKey(%q) = %q, %v; want %q (error %v)", test.n.Region(), test.prefix, got, err, test.want, test.wantErr)
		}
	}
	if got := ru.ComparableForm(ru.Normalize("8 800 12345")); got != "+780012345" {
		t.Errorf("ComparableForm of an unparsed national number = %q, want +780012345", got)
	}
}

func TestSpellings(t *testing.T) {
	n := mustNormalizer(t, "RU")
	got := n.Spellings(n.Normalize("+7 (916) 123-45-67"))
	want := []string{"+7 (916) 123-45-67", "+79161234567", "79161234567", "89161234567", "9161234567"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Spellings = %q, want %q", got, want)
	}
	if got := n.Spellings(n.Normalize("101")); len(got) != maxSpellings || got[0] != "101" || got[4] != "101" {
		t.Errorf("Spellings(101) = %q", got)
	}
	if got := n.Spellings(n.Normalize("+1 212 555 0100")); got[1] != "+12125550100" || got[3] != got[0] {
		t.Errorf("foreign number: %q (no national forms of another country)", got)
	}
}

func TestFormatAndDescribe(t *testing.T) {
	n := mustNormalizer(t, "RU")
	num := n.Normalize("8 (495) 123-45-67 доб. 12")
	if got := n.Format(num); got != "+7 495 123-45-67 ext. 12" {
		t.Errorf("Format = %q", got)
	}
	if got := n.Format(n.Normalize(" 101 ")); got != "101" {
		t.Errorf("Format(internal) = %q", got)
	}
	description := n.Describe(n.Normalize("+7 495 123-45-67"), "en")
	if description.RegionCode != "RU" || description.Location == "" || description.Type != "fixed_line" {
		t.Errorf("Describe(Moscow landline) = %+v", description)
	}
	if got := n.Describe(n.Normalize("101"), "en"); got != (Description{}) {
		t.Errorf("Describe(internal) = %+v, want nothing", got)
	}
}
