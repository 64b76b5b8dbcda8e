package crm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amounts are stored as integers in the currency's minor unit (kopecks,
// cents) so that sums never pick up binary floating-point error.

// validCurrency accepts a three-letter upper-case ISO 4217 code.
func validCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// minorDigits is how many decimal places a currency has. Most have two;
// the exceptions that matter for the regions switchboard is used in are
// listed. A function, not a table, so there is no package-level state.
func minorDigits(currency string) int {
	switch currency {
	case "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF", "KMF", "RWF", "DJF", "GNF", "VUV", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// ParseAmount reads an amount as people type it ("1 234,56", "1,234.56",
// "1234.5", "-10") into minor units of currency. A comma or a dot may be the
// decimal separator; spaces, apostrophes and the other separator group
// thousands. More decimals than the currency has is an error rather than a
// silent rounding.
func ParseAmount(text, currency string) (int64, error) {
	text = strings.TrimSpace(text)
	cleaned := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(text)
	negative := strings.HasPrefix(cleaned, "-")
	cleaned = strings.TrimPrefix(cleaned, "-")
	if cleaned == "" {
		return 0, fmt.Errorf("%w: amount %q is empty", ErrInvalid, text)
	}
	whole, fraction := cleaned, ""
	if separator := decimalSeparator(cleaned, minorDigits(currency)); separator >= 0 {
		whole, fraction = cleaned[:separator], cleaned[separator+1:]
	}
	whole = strings.NewReplacer(",", "", ".", "").Replace(whole)
	digits := minorDigits(currency)
	if len(fraction) > digits {
		return 0, fmt.Errorf("%w: amount %q has more than %d decimals for %s", ErrInvalid, text, digits, currency)
	}
	fraction += strings.Repeat("0", digits-len(fraction))
	if whole == "" {
		whole = "0"
	}
	value, err := strconv.ParseInt(whole+fraction, 10, 64)
	if err != nil || strings.Trim(whole+fraction, "0123456789") != "" {
		return 0, fmt.Errorf("%w: amount %q is not a number", ErrInvalid, text)
	}
	if negative {
		value = -value
	}
	return value, nil
}

// decimalSeparator finds the decimal separator in an amount, or -1:
//   - with both '.' and ',' the last one is decimal ("1,234.56", "1.234,56");
//   - a separator that occurs more than once groups thousands ("1.234.567");
//   - a single one followed by exactly three digits groups thousands
//     ("1,234") unless the currency has three decimals;
//   - otherwise a single one is decimal ("12,5").
func decimalSeparator(amount string, currencyDigits int) int {
	last := strings.LastIndexAny(amount, ".,")
	if last < 0 {
		return -1
	}
	if strings.Contains(amount, ".") && strings.Contains(amount, ",") {
		return last
	}
	if strings.Count(amount, amount[last:last+1]) > 1 {
		return -1
	}
	if len(amount)-last-1 == 3 && currencyDigits != 3 {
		return -1
	}
	return last
}

// FormatAmount writes minor units as "1234.56 RUB" (no grouping, so the
// output reads back with ParseAmount in any locale).
func FormatAmount(minor int64, currency string) string {
	digits := minorDigits(currency)
	sign := ""
	magnitude := uint64(minor)
	if minor < 0 {
		sign = "-"
		magnitude = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	}
	scale := uint64(math.Pow10(digits))
	text := sign + strconv.FormatUint(magnitude/scale, 10)
	if digits > 0 {
		text += fmt.Sprintf(".%0*d", digits, magnitude%scale)
	}
	if currency != "" {
		text += " " + currency
	}
	return text
}
