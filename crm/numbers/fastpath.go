package numbers

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// A fast path for the common case. phonenumbers.Parse spends most of its
// time in regular expressions meant for free text (a third of it looking
// for an extension), but Normalize hands it canonical digits only. For
// countries whose national-prefix rules are plain — the trunk prefix is a
// fixed string such as "8" or "0", with no carrier codes and no rewriting
// (210 of 254 regions, among them RU, KZ, US, DE, PL, UA, AE) — the
// national number can be cut out directly and checked with IsValidNumber,
// four times faster. Anything else (and anything the fast path finds
// invalid) goes to the library, so the fast path can only ever agree with
// it; TestFastPathAgreesWithLibrary and FuzzNormalize check exactly that.

// callingCodeRule describes one country calling code.
type callingCodeRule struct {
	plain          bool   // every region with this code has plain national-prefix rules
	nationalPrefix string // the trunk prefix ("8", "0", "1"), "" if none
}

// fastPathRules is built once per Normalizer from the library's metadata.
type fastPathRules struct {
	callingCodes map[int32]callingCodeRule
	// For national numbers of the default region:
	regionPlain         bool
	internationalPrefix *regexp.Regexp // numbers dialled out of the region ("810", "011")
}

func newFastPathRules(region string) fastPathRules {
	rules := fastPathRules{callingCodes: map[int32]callingCodeRule{}}
	collection, err := phonenumbers.MetadataCollection()
	if err != nil {
		return rules // no fast path; the library still works
	}
	for _, metadata := range collection.GetMetadata() {
		code := metadata.GetCountryCode()
		plain := metadata.GetNationalPrefixTransformRule() == "" &&
			(metadata.GetNationalPrefixForParsing() == "" || metadata.GetNationalPrefixForParsing() == metadata.GetNationalPrefix()) &&
			isDigits(metadata.GetNationalPrefix())
		rule, seen := rules.callingCodes[code]
		if !seen {
			rule = callingCodeRule{plain: plain, nationalPrefix: metadata.GetNationalPrefix()}
		} else if !plain || rule.nationalPrefix != metadata.GetNationalPrefix() {
			rule.plain = false
		}
		rules.callingCodes[code] = rule
		if metadata.GetId() == region {
			rules.regionPlain = plain
			if prefix := metadata.GetInternationalPrefix(); prefix != "" {
				// An invalid pattern only disables the fast path.
				rules.internationalPrefix, _ = regexp.Compile("^(?:" + prefix + ")")
				rules.regionPlain = plain && rules.internationalPrefix != nil
			}
		}
	}
	return rules
}

func isDigits(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}
	return true
}

// fastParse returns the valid number digits stand for, or ok false when
// the library must decide.
func (n *Normalizer) fastParse(digits string, international bool) (*phonenumbers.PhoneNumber, bool) {
	var code int32
	var national string
	if international {
		if digits == "" || digits[0] == '0' {
			return nil, false // no calling code starts with 0
		}
		for length := 1; length <= 3 && length < len(digits); length++ {
			candidate, err := strconv.Atoi(digits[:length])
			if err != nil {
				return nil, false
			}
			// Calling codes are prefix-free: the first match is the code.
			if rule, known := n.fast.callingCodes[int32(candidate)]; known {
				if !rule.plain || (rule.nationalPrefix != "" && strings.HasPrefix(digits[length:], rule.nationalPrefix)) {
					return nil, false // the library may strip a trunk prefix
				}
				code, national = int32(candidate), digits[length:]
				break
			}
		}
		if code == 0 {
			return nil, false
		}
	} else {
		if n.region == "" || !n.fast.regionPlain || n.fast.internationalPrefix.MatchString(digits) {
			return nil, false
		}
		code, national = int32(n.countryCode), digits
		if n.nationalPrefix != "" && strings.HasPrefix(digits, n.nationalPrefix) {
			national = digits[len(n.nationalPrefix):]
		}
	}
	if parsed, ok := validNational(code, national); ok {
		return parsed, true
	}
	// The region's own country code written without '+' ("7916…" in
	// Russia): the library drops it when what follows is a number, and so
	// does the international reading Normalize tries next. A rest that
	// starts with the trunk prefix is left to the library, which might
	// strip that too.
	if !international {
		rest, found := strings.CutPrefix(digits, strconv.Itoa(n.countryCode))
		if found && (n.nationalPrefix == "" || !strings.HasPrefix(rest, n.nationalPrefix)) {
			return validNational(code, rest)
		}
	}
	return nil, false
}

// validNational builds the number from its parts and keeps it if valid.
func validNational(code int32, national string) (*phonenumbers.PhoneNumber, bool) {
	// A leading zero is part of the number in some countries (Italy) and
	// needs the library's bookkeeping.
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN || len(national) > phonenumbers.MAX_LENGTH_FOR_NSN || national[0] == '0' {
		return nil, false
	}
	value, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return nil, false
	}
	parsed := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &value}
	if !phonenumbers.IsValidNumber(parsed) {
		return nil, false
	}
	return parsed, true
}
