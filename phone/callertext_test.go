package phone

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCallerTextNeutralisesTerminalControls(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Anna Petrova", "Anna Petrova"},
		{"Пётр 李", "Пётр 李"},
		{"\x1b[2J\x1b]0;pwned\x07Bob", "\uFFFD[2J\uFFFD]0;pwned\uFFFDBob"},
		{"line\nbreak\ttab", "line\uFFFDbreak\uFFFDtab"},
		{"c1\u009bcsi", "c1\uFFFDcsi"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	} {
		if got := callerText(tt.in); got != tt.want {
			t.Errorf("callerText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := callerText(strings.Repeat("x", 10_000))
	if n := utf8.RuneCountInString(long); n != maxCallerText+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("a 10,000-character name kept %d runes", n)
	}
}

func FuzzCallerText(f *testing.F) {
	f.Add("Anna")
	f.Add("\x1b[31mred\x1b[0m")
	f.Add("\xc3\x28")
	f.Fuzz(func(t *testing.T, s string) {
		got := callerText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U kept from %q", r, s)
			}
		}
		if utf8.RuneCountInString(got) > maxCallerText+1 {
			t.Fatalf("%d runes kept", utf8.RuneCountInString(got))
		}
	})
}
