package phone

import "testing"

func TestParseTarget(t *testing.T) {
	cases := []struct{ in, domain, want string }{
		{"1002", "127.0.0.1", "sip:1002@127.0.0.1"},
		{"8 (495) 123-45-67", "pbx.example.com", "sip:84951234567@pbx.example.com"},
		{"+7 495 123.45.67", "pbx.example.com:5070", "sip:+74951234567@pbx.example.com:5070"},
		{"tel:+44-20-7946-0000;phone-context=example.com", "pbx", "sip:+442079460000@pbx"},
		{"sip:alice@127.0.0.1:5080", "ignored", "sip:alice@127.0.0.1:5080"},
		{"bob@127.0.0.1:5090", "ignored", "sip:bob@127.0.0.1:5090"},
		{"*72#", "pbx", "sip:*72#@pbx"},
	}
	for _, c := range cases {
		u, err := ParseTarget(c.in, c.domain)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := u.String(); got != c.want {
			t.Errorf("%q: %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseTargetRejectsNonsense(t *testing.T) {
	for _, in := range []string{"", "   ", "+", "12;34", "sip:", "tel:", "1002!"} {
		if u, err := ParseTarget(in, "pbx"); err == nil {
			t.Errorf("%q: accepted as %s, want an error", in, u.String())
		}
	}
	if _, err := ParseTarget("1002", ""); err == nil {
		t.Error("a number without a domain must be refused")
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"1002", "tel:+1", "sip:a@b", "a@b:1", "8 (495) 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseTarget(s, "127.0.0.1") // must not panic
	})
}
