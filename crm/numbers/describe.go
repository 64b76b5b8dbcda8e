package numbers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Format returns the number as a person should read it: international
// format ("+7 495 123-45-67 ext. 12") for valid numbers, the raw text
// trimmed for anything else.
func (n *Normalizer) Format(num Number) string {
	parsed := num.phoneNumber()
	if parsed == nil {
		return strings.TrimSpace(num.Raw)
	}
	if num.Extension != "" {
		// A copy: the shared reading must not change.
		withExtension := phonenumbers.PhoneNumber{CountryCode: parsed.CountryCode, NationalNumber: parsed.NationalNumber,
			ItalianLeadingZero: parsed.ItalianLeadingZero, NumberOfLeadingZeros: parsed.NumberOfLeadingZeros, Extension: &num.Extension}
		return phonenumbers.Format(&withExtension, phonenumbers.INTERNATIONAL)
	}
	return phonenumbers.Format(parsed, phonenumbers.INTERNATIONAL)
}

// Description is what can be said about a number without knowing who owns
// it.
type Description struct {
	// RegionCode is the ISO 3166 code ("RU"); "" when not known.
	RegionCode string `json:"region_code,omitempty"`
	// Location is the place the number was assigned to ("Moscow",
	// "Московская обл.") or, for mobiles, the country.
	Location string `json:"location,omitempty"`
	// Carrier is the operator the number range was allocated to. In
	// countries with number portability the number may have moved since.
	Carrier string `json:"carrier,omitempty"`
	// Type is "fixed_line", "mobile", "toll_free" … or "" when unknown.
	Type string `json:"type,omitempty"`
}

// Describe looks up region, location and carrier in the offline data, in
// lang ("en", "ru") with English as the fallback. The first call per
// language loads that language's data (about 0.1 s); see Warm.
func (n *Normalizer) Describe(num Number, lang string) Description {
	parsed := num.phoneNumber()
	if parsed == nil {
		return Description{}
	}
	if lang == "" {
		lang = "en"
	}
	description := Description{
		RegionCode: phonenumbers.GetRegionCodeForNumber(parsed),
		Type:       typeName(phonenumbers.GetNumberType(parsed)),
	}
	if location, err := phonenumbers.GetGeocodingForNumber(parsed, lang); err == nil {
		description.Location = location
	}
	if carrier, err := phonenumbers.GetCarrierForNumber(parsed, lang); err == nil {
		description.Carrier = carrier
	}
	return description
}

// Warm loads the library's lazily read data (metadata, time zones,
// geocoding and carrier tables for lang) so that the first caller card is
// as fast as the rest. Call it once at start-up; it is safe to skip.
func (n *Normalizer) Warm(lang string) {
	sample := n.Normalize("+74951234567")
	n.Describe(sample, lang)
	n.LocalTime(sample, "", time.Now())
}

func typeName(numberType phonenumbers.PhoneNumberType) string {
	switch numberType {
	case phonenumbers.FIXED_LINE:
		return "fixed_line"
	case phonenumbers.MOBILE:
		return "mobile"
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return "fixed_line_or_mobile"
	case phonenumbers.TOLL_FREE:
		return "toll_free"
	case phonenumbers.PREMIUM_RATE:
		return "premium_rate"
	case phonenumbers.SHARED_COST:
		return "shared_cost"
	case phonenumbers.VOIP:
		return "voip"
	case phonenumbers.PERSONAL_NUMBER:
		return "personal"
	case phonenumbers.PAGER:
		return "pager"
	case phonenumbers.UAN:
		return "uan"
	case phonenumbers.VOICEMAIL:
		return "voicemail"
	}
	return ""
}

// PrefixKey turns a number prefix as a person writes it into the
// international form that valid numbers' keys start with, for blacklist
// prefixes: "+7 800", "007800", "8 800" (Russia's trunk prefix) and "800"
// (a national prefix without it) all give "+7800" with default region RU.
// Without a default region, a prefix without '+' or "00" stays as digits.
func (n *Normalizer) PrefixKey(prefix string) (string, error) {
	text := stripURI(strings.TrimSpace(prefix))
	digits := phonenumbers.NormalizeDigitsOnly(text)
	if digits == "" || len(digits) > maxDigits || !onlyDialChars(strings.TrimPrefix(text, "+")) {
		return "", fmt.Errorf("numbers: prefix %q: %w", prefix, ErrInvalidNumber)
	}
	switch {
	case strings.HasPrefix(text, "+"):
		return "+" + digits, nil
	case strings.HasPrefix(digits, "00"):
		if len(digits) == 2 {
			return "", fmt.Errorf("numbers: prefix %q: %w", prefix, ErrInvalidNumber)
		}
		return "+" + digits[2:], nil
	case n.countryCode == 0:
		return digits, nil
	case n.nationalPrefix != "" && strings.HasPrefix(digits, n.nationalPrefix):
		return "+" + strconv.Itoa(n.countryCode) + digits[len(n.nationalPrefix):], nil
	default:
		return "+" + strconv.Itoa(n.countryCode) + digits, nil
	}
}

// maxSpellings is how many strings Spellings returns.
const maxSpellings = 5

// Spellings returns the usual ways a trunk writes this number — as
// received, E.164, E.164 without '+', national with and without the trunk
// prefix — so that records that only kept the raw text can be found by an
// exact (indexed) match. It always returns maxSpellings strings, repeating
// the first as needed, so a query using them has a fixed shape.
func (n *Normalizer) Spellings(num Number) []string {
	spellings := make([]string, 0, maxSpellings)
	add := func(spelling string) {
		if spelling == "" || len(spellings) == maxSpellings {
			return
		}
		for _, known := range spellings {
			if known == spelling {
				return
			}
		}
		spellings = append(spellings, spelling)
	}
	add(num.Raw)
	add(num.Key)
	add(num.Digits())
	if parsed := num.phoneNumber(); parsed != nil && int(parsed.GetCountryCode()) == n.countryCode {
		national := phonenumbers.GetNationalSignificantNumber(parsed)
		add(n.nationalPrefix + national)
		add(national)
	}
	if len(spellings) == 0 {
		spellings = append(spellings, "")
	}
	for len(spellings) < maxSpellings {
		spellings = append(spellings, spellings[0])
	}
	return spellings
}

// ComparableForm returns the form of num that PrefixKey results are
// compared with: the key of a valid number, and for an unparsed national
// number the same conversion PrefixKey applies, so "8 800 …" that the
// library could not validate is still caught by a "+7800" prefix.
func (n *Normalizer) ComparableForm(num Number) string {
	if num.Kind != KindUnparsed || strings.HasPrefix(num.Key, "+") {
		return num.Key
	}
	if converted, err := n.PrefixKey(num.Key); err == nil {
		return converted
	}
	return num.Key
}
