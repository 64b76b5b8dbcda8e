package phone

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxCallerText bounds a caller-controlled field (display name, user part,
// URI) as it is kept and shown; SIP itself bounds nothing.
const maxCallerText = 256

// callerText makes text that came from the far end safe to keep and show:
// control characters (C0, DEL, C1 — an ESC would let a caller drive the
// operator's terminal: clear the screen, retitle it, fake a line) and
// invalid UTF-8 become U+FFFD, and it is cut to maxCallerText runes.
func callerText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean && utf8.RuneCountInString(s) <= maxCallerText {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if n == maxCallerText {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
