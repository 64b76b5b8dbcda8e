package phone

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// ParseTarget turns what a user typed into a request URI:
//   - sip:/sips: URIs are taken as they are;
//   - tel:+44 20 … URIs and plain numbers or extensions ("8 (495) 123-45-67", "1002")
//     are completed with the account's domain, visual separators removed;
//   - "user@host[:port]" is read as a SIP URI without its scheme.
func ParseTarget(target, domain string) (sip.Uri, error) {
	t := strings.TrimSpace(target)
	if t == "" {
		return sip.Uri{}, fmt.Errorf("empty target: give a number, an extension or a sip:/tel: URI")
	}
	lower := strings.ToLower(t)
	switch {
	case strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:"):
		return parseSIPURI(t)
	case strings.HasPrefix(lower, "tel:"):
		num := t[len("tel:"):]
		if i := strings.IndexByte(num, ';'); i >= 0 { // drop tel: parameters such as ;phone-context
			num = num[:i]
		}
		return numberURI(num, domain, target)
	case strings.Contains(t, "@"):
		return parseSIPURI("sip:" + t)
	}
	return numberURI(t, domain, target)
}

func parseSIPURI(s string) (sip.Uri, error) {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		return sip.Uri{}, fmt.Errorf("invalid SIP URI %q: %w", s, err)
	}
	if u.Host == "" {
		return sip.Uri{}, fmt.Errorf("invalid SIP URI %q: no host", s)
	}
	return u, nil
}

// numberURI keeps digits, a leading '+', '*' and '#', and letters for named extensions.
func numberURI(raw, domain, original string) (sip.Uri, error) {
	if domain == "" {
		return sip.Uri{}, fmt.Errorf("cannot dial %q: the account has no domain; use a full sip: URI", original)
	}
	var b strings.Builder
	for i, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')', r == '/':
			// visual separators people type and copy from web pages
		default:
			return sip.Uri{}, fmt.Errorf("cannot dial %q: unexpected character %q", original, r)
		}
	}
	user := b.String()
	if user == "" || user == "+" {
		return sip.Uri{}, fmt.Errorf("cannot dial %q: no digits", original)
	}
	host, port := domain, 0
	if h, p, err := net.SplitHostPort(domain); err == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil {
			return sip.Uri{}, fmt.Errorf("account domain %q: bad port", domain)
		}
	}
	return sip.Uri{Scheme: "sip", User: user, Host: host, Port: port}, nil
}
