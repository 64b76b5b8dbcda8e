// Package numbers turns phone numbers as people and SIP trunks write them
// ("8 (495) 123-45-67", "+7 495 1234567", "007495…", "sip:74951234567@pbx")
// into one comparable key, so that every spelling of a number finds the same
// contact. It wraps github.com/nyaruka/phonenumbers (a port of Google's
// libphonenumber) and adds what a call console needs on top: internal
// extensions that must never gain a country code, a digits-suffix key for
// numbers the library cannot parse, and an honest answer about the caller's
// local time.
package numbers

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Kind says how a number was understood.
type Kind string

const (
	// KindE164 is a valid number with a country code; Key is its E.164 form.
	KindE164 Kind = "e164"
	// KindInternal is a short internal extension (at most MaxInternalDigits
	// digits, no '+'); Key is its digits, never with a country code.
	KindInternal Kind = "internal"
	// KindUnparsed has digits but is not a valid number for any region we
	// tried; Key is "+digits" when it was written internationally, else the
	// digits. Such numbers are still matched, by their last digits.
	KindUnparsed Kind = "unparsed"
	// KindInvalid has no usable digits (empty, "anonymous", garbage) or far
	// too many; it cannot be stored or looked up.
	KindInvalid Kind = "invalid"
)

// ErrInvalidNumber is returned (wrapped) when a number has no usable digits.
var ErrInvalidNumber = errors.New("invalid phone number")

// Defaults used when Config leaves a field zero.
const (
	DefaultMaxInternalDigits = 6
	DefaultSuffixDigits      = 10
)

// maxDigits bounds what is still treated as a phone number. E.164 allows 15
// digits; a little slack covers national prefixes written in front of an
// international number, beyond that it is garbage (an order id, a card number).
const maxDigits = 20

// maxInputLength mirrors libphonenumber's own limit; longer input is garbage
// and would only cost regular-expression time.
const maxInputLength = phonenumbers.MAX_INPUT_STRING_LENGTH

// minInternationalGuessDigits is the shortest digit string we also try as an
// international number written without '+' (trunks often send
// "380441234567"). Shorter strings would match some tiny country by chance.
const minInternationalGuessDigits = 8

// Config chooses how numbers are read. The zero value reads only
// international numbers (no default country) and uses the defaults above.
type Config struct {
	// DefaultRegion is the ISO 3166-1 alpha-2 code ("RU", "DE") assumed for
	// numbers written without a country code. Empty means none: national
	// numbers then stay unparsed and are matched by their last digits.
	DefaultRegion string
	// MaxInternalDigits: a number of at most this many digits, written
	// without '+', is an internal extension and is kept as it is. Zero means
	// DefaultMaxInternalDigits; negative disables internal numbers.
	MaxInternalDigits int
	// SuffixDigits is N of the last-N-digits fallback match. Zero means
	// DefaultSuffixDigits.
	SuffixDigits int
}

// Normalizer reads numbers according to a Config. It is safe for concurrent
// use; the zero value is not usable, call New.
type Normalizer struct {
	region         string // upper case; "" when there is no default country
	maxInternal    int
	suffixDigits   int
	countryCode    int    // of region; 0 when none
	nationalPrefix string // of region ("8" in RU, "0" in DE); "" when none

	fast       fastPathRules // see fastpath.go
	noFastPath bool          // tests compare against the library alone

	locations sync.Map // zone name → *time.Location, see zone.go
}

// New checks cfg and returns a Normalizer.
func New(cfg Config) (*Normalizer, error) {
	region := strings.ToUpper(strings.TrimSpace(cfg.DefaultRegion))
	n := &Normalizer{region: region, maxInternal: cfg.MaxInternalDigits, suffixDigits: cfg.SuffixDigits}
	if region != "" {
		if !phonenumbers.GetSupportedRegions()[region] {
			return nil, fmt.Errorf("numbers: unknown default region %q (want an ISO 3166 code such as RU or DE)", cfg.DefaultRegion)
		}
		n.countryCode = phonenumbers.GetCountryCodeForRegion(region)
		n.nationalPrefix = phonenumbers.GetNddPrefixForRegion(region, true)
	}
	if n.maxInternal == 0 {
		n.maxInternal = DefaultMaxInternalDigits
	}
	if n.maxInternal > maxDigits {
		return nil, fmt.Errorf("numbers: max internal digits %d is more than %d", n.maxInternal, maxDigits)
	}
	if n.suffixDigits == 0 {
		n.suffixDigits = DefaultSuffixDigits
	}
	if n.suffixDigits < 4 || n.suffixDigits > 15 {
		// Fewer than 4 digits would match half the address book.
		return nil, fmt.Errorf("numbers: suffix digits %d must be between 4 and 15", n.suffixDigits)
	}
	n.fast = newFastPathRules(region)
	return n, nil
}

// Region returns the default region ("" when none).
func (n *Normalizer) Region() string { return n.region }

// SuffixDigits returns N of the last-N-digits fallback.
func (n *Normalizer) SuffixDigits() int { return n.suffixDigits }

// Number is a number as read by Normalize.
type Number struct {
	Raw       string `json:"raw"`                 // exactly as given
	Key       string `json:"key"`                 // comparable form, see Kind; "" for KindInvalid
	Kind      Kind   `json:"kind"`                // how Key was derived
	Extension string `json:"extension,omitempty"` // "ext. 12", "доб. 12" → "12"

	// parsed is the library's reading of a KindE164 number, kept so that
	// Format, Describe and LocalTime need not parse the key again.
	parsed *phonenumbers.PhoneNumber
}

// phoneNumber returns the library's reading of a KindE164 number (nil for
// other kinds), parsing the key when the Number was not made by Normalize.
func (num Number) phoneNumber() *phonenumbers.PhoneNumber {
	if num.Kind != KindE164 {
		return nil
	}
	if num.parsed != nil {
		return num.parsed
	}
	parsed, err := phonenumbers.Parse(num.Key, "ZZ")
	if err != nil {
		return nil
	}
	return parsed
}

// Valid reports whether the number can be stored and looked up.
func (num Number) Valid() bool { return num.Kind != KindInvalid && num.Key != "" }

// Digits returns the key's digits without '+'.
func (num Number) Digits() string { return strings.TrimPrefix(num.Key, "+") }

// ReversedDigits is the key's digits back to front. Stored in an indexed
// column it turns "ends with these N digits" into a prefix range scan.
func (num Number) ReversedDigits() string { return reverseASCII(num.Digits()) }

// Normalize reads raw. It never fails: a number it cannot use comes back
// with KindInvalid. The result is idempotent: Normalize(num.Key).Key ==
// num.Key for every valid num. To guarantee that, the library only ever
// sees the canonical digits (with '+' when international), never the
// formatting around them, which would otherwise change how it reads them.
func (n *Normalizer) Normalize(raw string) (num Number) {
	num = Number{Raw: raw, Kind: KindInvalid}
	defer func() {
		// libphonenumber is a large port of Java code; bad input must not
		// take the phone down with it, so any panic reads as "invalid".
		if recover() != nil {
			num = Number{Raw: raw, Kind: KindInvalid}
		}
	}()

	text := stripURI(strings.TrimSpace(raw))
	if text == "" || len(text) > maxInputLength {
		return num
	}
	international := strings.HasPrefix(text, "+") || strings.HasPrefix(text, "\uff0b") // fullwidth plus
	main, extension := text, ""
	if !plainDialString(text) {
		// Letters: an extension ("ext. 12", "доб. 12") or a vanity number.
		main, extension = phonenumbers.MaybeSeparateExtensionFromPhone(text)
		if phonenumbers.IsAlphaNumber(main) {
			main = phonenumbers.ConvertAlphaCharactersInNumber(main)
		}
	}
	digits := asciiDigits(phonenumbers.NormalizeDigitsOnly(main))
	if digits == "" || len(digits) > maxDigits {
		return num
	}
	if !international && len(digits) <= n.maxInternal {
		return Number{Raw: raw, Key: digits, Kind: KindInternal, Extension: extension}
	}
	// "00" is the international prefix almost everywhere, and people write
	// it even where the official one differs (810 in Russia). No national
	// number starts with "00", so it always reads as '+'.
	if !international && strings.HasPrefix(digits, "00") {
		international, digits = true, digits[2:]
		if digits == "" {
			return num
		}
	}
	if parsed, ok := n.parseValid(digits, international); ok {
		return Number{Raw: raw, Key: phonenumbers.Format(parsed, phonenumbers.E164), Kind: KindE164, Extension: extension, parsed: parsed}
	}
	// Not a valid number: keep its digits so that it can still be matched
	// by its last digits.
	key := digits
	if international {
		key = "+" + digits
	}
	return Number{Raw: raw, Key: key, Kind: KindUnparsed, Extension: extension}
}

// parseValid returns the first valid reading of digits: international when
// written so, else national in the default region, else international
// after all, because trunks send international numbers without '+'
// ("380441234567"). A valid national reading always wins; the price is that
// a foreign national number can be read as another country's ("8 (495) …"
// in Poland becomes Vietnam's +84 …).
func (n *Normalizer) parseValid(digits string, international bool) (*phonenumbers.PhoneNumber, bool) {
	region := n.region
	if region == "" {
		region = "ZZ" // libphonenumber's "unknown region": only '+' numbers parse
	}
	if !n.noFastPath {
		if parsed, ok := n.fastParse(digits, international); ok {
			return parsed, true
		}
	}
	var parsed phonenumbers.PhoneNumber
	if international {
		return &parsed, phonenumbers.ParseToNumber("+"+digits, region, &parsed) == nil && phonenumbers.IsValidNumber(&parsed)
	}
	if phonenumbers.ParseToNumber(digits, region, &parsed) == nil && phonenumbers.IsValidNumber(&parsed) {
		return &parsed, true
	}
	if len(digits) >= minInternationalGuessDigits {
		if !n.noFastPath {
			if parsed, ok := n.fastParse(digits, true); ok {
				return parsed, true
			}
		}
		return &parsed, phonenumbers.ParseToNumber("+"+digits, region, &parsed) == nil && phonenumbers.IsValidNumber(&parsed)
	}
	return nil, false
}

// plainDialString reports whether text is only digits, '+' and the
// separators people put between digits, in which case it cannot hold an
// extension or letters and the costly extension search is skipped.
func plainDialString(text string) bool {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c >= '0' && c <= '9':
		case c == ' ', c == '-', c == '.', c == '(', c == ')', c == '/', c == '+', c == '\t':
		default:
			return false
		}
	}
	return true
}

// stripURI reduces "sip:+7495…@host;user=phone" and "tel:+7-495-…;ext=1" to
// the number part, which is how SIP hands numbers over.
func stripURI(text string) string {
	lower := strings.ToLower(text)
	for _, scheme := range []string{"sips:", "sip:", "tel:"} {
		if strings.HasPrefix(lower, scheme) {
			text = text[len(scheme):]
			if at := strings.IndexByte(text, '@'); at >= 0 {
				text = text[:at]
			}
			// ";ext=12" is how tel: URIs carry an extension; anything else
			// after ';' (user=phone, phone-context) is not part of the number.
			if semi := strings.IndexByte(text, ';'); semi >= 0 {
				rest := text[semi:]
				text = text[:semi]
				if ext, ok := strings.CutPrefix(strings.ToLower(rest), ";ext="); ok {
					text += " ext. " + ext
				}
			}
			return strings.TrimSpace(text)
		}
	}
	return text
}

// onlyDialChars reports whether text holds nothing but digits and the
// separators people put between them, so "12 ext 3" or "room 101" is not
// mistaken for an internal extension.
func onlyDialChars(text string) bool {
	for _, r := range text {
		switch {
		case unicode.IsDigit(r):
		case r == ' ', r == '-', r == '.', r == '(', r == ')', r == '/', r == '\t':
		default:
			return false
		}
	}
	return true
}

// asciiDigits keeps only '0'…'9'. The library maps the digits of common
// scripts (Arabic-Indic, fullwidth) to ASCII but passes rarer ones through
// unchanged, and a key must hold nothing but ASCII digits.
func asciiDigits(s string) string {
	kept := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			kept = append(kept, s[i])
		}
	}
	return string(kept)
}

// reverseASCII reverses a string of ASCII digits.
func reverseASCII(s string) string {
	reversed := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		reversed[len(s)-1-i] = s[i]
	}
	return string(reversed)
}

// SuffixRange returns the half-open range [low, high) of reversed-digit
// keys whose number ends with the last N digits of num, for an indexed
// range scan. ok is false when num has fewer than N digits: a shorter tail
// would match too many unrelated numbers to be useful.
func (n *Normalizer) SuffixRange(num Number) (low, high string, ok bool) {
	if !num.Valid() || num.Kind == KindInternal {
		return "", "", false
	}
	digits := num.Digits()
	if len(digits) < n.suffixDigits {
		return "", "", false
	}
	low = reverseASCII(digits[len(digits)-n.suffixDigits:])
	// ':' is the byte after '9', so every string that starts with low sorts
	// before low+":".
	return low, low + ":", true
}
