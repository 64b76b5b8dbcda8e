package numbers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize checks that no input panics and that the invariants the
// database relies on hold: keys are idempotent, contain only digits after an
// optional '+', and fall in their own suffix range.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"8 (495) 123-45-67", "+7 495 1234567", "007495 123 45 67", "74951234567",
		"101", "+1 650 253 0000 x123", "tel:+1-650-253-0000;ext=12", "sip:+74951234567@pbx;user=phone",
		"+", "00", "", "anonymous", "+7 (999) 00", "8 10 48 22 123 45 67", "\uff0b7 495 1234567",
		"٠١٢٣٤٥٦٧٨٩", "+44 (0) 7400 123456", "1-800-FLOWERS", "+7 495 123-45-67 доб. 12", "\xff\xfe",
	} {
		f.Add(seed, "RU")
		f.Add(seed, "US")
	}
	normalizers := map[string]*Normalizer{}
	slow := map[string]*Normalizer{}
	for _, region := range []string{"RU", "US", "DE", ""} {
		normalizers[region] = mustNormalizer(f, region)
		slow[region] = slowNormalizer(f, region)
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, library := normalizers[region], slow[region]
		if n == nil {
			n, library = normalizers["RU"], slow["RU"]
		}
		num := n.Normalize(raw)
		if want := library.Normalize(raw); want.Key != num.Key || want.Kind != num.Kind || want.Extension != num.Extension {
			t.Fatalf("%q: fast path gives %q %s, the library alone %q %s", raw, num.Key, num.Kind, want.Key, want.Kind)
		}
		if num.Raw != raw {
			t.Fatalf("Raw changed: %q → %q", raw, num.Raw)
		}
		if !num.Valid() {
			if num.Key != "" || num.Kind != KindInvalid {
				t.Fatalf("invalid number with key %q kind %s", num.Key, num.Kind)
			}
			return
		}
		digits := strings.TrimPrefix(num.Key, "+")
		if digits == "" || len(digits) > maxDigits || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("Normalize(%q).Key = %q: not '+'? followed by 1..%d digits", raw, num.Key, maxDigits)
		}
		if num.Kind == KindInternal && strings.HasPrefix(num.Key, "+") {
			t.Fatalf("internal number %q got a '+'", num.Key)
		}
		if !utf8.ValidString(num.Extension) && utf8.ValidString(raw) {
			t.Fatalf("extension %q is not UTF-8", num.Extension)
		}
		again := n.Normalize(num.Key)
		if again.Key != num.Key {
			t.Fatalf("not idempotent: %q → %q → %q", raw, num.Key, again.Key)
		}
		if low, high, ok := n.SuffixRange(num); ok {
			if reversed := num.ReversedDigits(); reversed < low || reversed >= high {
				t.Fatalf("%q: reversed %q outside its own suffix range [%q, %q)", raw, reversed, low, high)
			}
		}
		_ = n.Format(num)
		_ = n.ComparableForm(num)
	})
}
