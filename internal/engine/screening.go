package engine

import (
	"strings"

	"github.com/switchboard/switchboard/phone"
)

// BlockList screens out the given numbers with 603 Decline before anything rings.
// Numbers compare by their digits (a leading + and separators are ignored) until
// the CRM's normalisation replaces this.
func BlockList(numbers []string) phone.Screening {
	blocked := map[string]struct{}{}
	for _, n := range numbers {
		if d := digitsOf(n); d != "" {
			blocked[d] = struct{}{}
		}
	}
	return func(in phone.ScreenRequest) (int, string) {
		if _, ok := blocked[digitsOf(in.Number)]; ok && len(blocked) > 0 {
			return 603, "Decline"
		}
		return 0, ""
	}
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= '0' && r <= '9') || r == '*' || r == '#' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return strings.ToLower(b.String())
}
