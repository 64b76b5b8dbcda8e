package phone

import (
	"strings"
	"testing"
)

func TestParseReplacesHeader(t *testing.T) {
	good := []struct {
		in   string
		want replacesID
	}{
		{"abc@host;to-tag=1;from-tag=2", replacesID{callID: "abc@host", toTag: "1", fromTag: "2"}},
		{" abc ; from-tag=b ; to-tag=a ", replacesID{callID: "abc", toTag: "a", fromTag: "b"}},
		{"abc;TO-TAG=a;From-Tag=b;early-only", replacesID{callID: "abc", toTag: "a", fromTag: "b", earlyOnly: true}},
	}
	for _, g := range good {
		got, err := parseReplacesHeader(g.in)
		if err != nil || got != g.want {
			t.Errorf("parseReplacesHeader(%q) = %+v, %v; want %+v", g.in, got, err, g.want)
		}
	}
	for _, bad := range []string{
		"", ";to-tag=1;from-tag=2", "abc", "abc;to-tag=1", "abc;from-tag=2", "abc;to-tag=;from-tag=2",
		"a b;to-tag=1;from-tag=2", "<abc>;to-tag=1;from-tag=2", "abc;to-tag=1;from-tag=2;" + strings.Repeat("x", 5000),
		";;;;", "abc;to-tag;from-tag",
	} {
		if got, err := parseReplacesHeader(bad); err == nil {
			t.Errorf("parseReplacesHeader(%q) = %+v, want an error", bad, got)
		}
	}
}

// The Refer-To we send for an attended transfer is what our own parser,
// and so a transferee, reads back: the target and the Replaces unescaped.
func TestReplacingReferToRoundTrip(t *testing.T) {
	c := &Call{ID: "x", SIPCallID: "a1b@host", RemoteURI: "sip:carol@127.0.0.1:5070;transport=udp",
		localTag: "our=tag", remoteTag: "their tag"}
	uri, referTo, err := c.replacingReferTo()
	if err != nil {
		t.Fatal(err)
	}
	_, escaped, _ := strings.Cut(strings.TrimSuffix(referTo, ">"), "?Replaces=")
	if escaped == "" || strings.ContainsAny(escaped, ";=@ ") {
		t.Errorf("Refer-To %q: the Replaces value is not escaped", referTo)
	}
	target, err := parseReferTo(referTo)
	if err != nil {
		t.Fatal(err)
	}
	if target.uri.String() != uri.String() || target.uri.User != "carol" {
		t.Errorf("target %s, want %s", target.uri.String(), uri.String())
	}
	if want := "a1b@host;to-tag=their tag;from-tag=our=tag"; target.replaces != want {
		t.Errorf("replaces %q, want %q", target.replaces, want)
	}
	if _, _, err := (&Call{ID: "y", RemoteURI: "sip:x@h"}).replacingReferTo(); err == nil {
		t.Error("a call without dialog identifiers gave a Refer-To")
	}
}

// FuzzParseReplacesHeader: whatever arrives, an error or a value with all
// three identifiers, never a panic. Run it with
// go test -tags with_opus_c ./phone -fuzz FuzzParseReplacesHeader.
func FuzzParseReplacesHeader(f *testing.F) {
	for _, s := range []string{"abc@host;to-tag=1;from-tag=2", "abc;early-only;to-tag=1;from-tag=2", "", ";", "a;to-tag=;from-tag="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseReplacesHeader(s)
		if err == nil && (id.callID == "" || id.toTag == "" || id.fromTag == "") {
			t.Errorf("parseReplacesHeader(%q) = %+v without an error", s, id)
		}
	})
}
