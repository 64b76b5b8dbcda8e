package phone

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestParseReferTo(t *testing.T) {
	for _, tc := range []struct {
		in, wantURI, wantReplaces, wantErr string
	}{
		{in: "<sip:1003@127.0.0.1>", wantURI: "sip:1003@127.0.0.1"},
		{in: "sip:1003@127.0.0.1:5070", wantURI: "sip:1003@127.0.0.1:5070"},
		{in: ` "Carol" <sip:carol@pbx.local;transport=tcp>;foo=bar`, wantURI: "sip:carol@pbx.local;transport=tcp"},
		{in: "sip:1003@pbx;param=1", wantURI: "sip:1003@pbx"}, // no brackets: ;param is the header's
		{in: "<sip:1003@pbx?Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2>", wantURI: "sip:1003@pbx",
			wantReplaces: "abc@host;to-tag=1;from-tag=2"},
		{in: "<sip:1003@pbx?Subject=hi&replaces=x%3Bto-tag%3Da%3Bfrom-tag%3Db>", wantURI: "sip:1003@pbx",
			wantReplaces: "x;to-tag=a;from-tag=b"},
		{in: "<sip:1003@pbx?Subject=hi>", wantURI: "sip:1003@pbx"}, // other headers are dropped
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "<sip:1003@pbx", wantErr: "closing"},
		{in: "<tel:+441234>", wantErr: "only sip:"},
		{in: "<http://evil>", wantErr: "only sip:"},
		{in: "<>", wantErr: "only sip:"},
		{in: "<sip:>", wantErr: ""},
		{in: "<sip:1003@pbx?Replaces=%ZZ>", wantErr: "escaped"},
		{in: "<sip:1003@pbx?Replaces=abc>", wantErr: "to-tag"},
		{in: "<sip:1003@pbx?Replaces=%3Bto-tag%3D1%3Bfrom-tag%3D2>", wantErr: "Call-ID"},
		{in: "<sip:1003@pbx:99999999999>", wantErr: ""},
		{in: strings.Repeat("a", 5000), wantErr: "long"},
	} {
		got, err := parseReferTo(tc.in)
		switch {
		case tc.wantURI == "" && err == nil:
			t.Errorf("parseReferTo(%q) = %v, want an error", tc.in, got.uri.String())
		case tc.wantURI == "":
			if tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseReferTo(%q) error %q, want it to mention %q", tc.in, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("parseReferTo(%q): %v", tc.in, err)
		case got.uri.String() != tc.wantURI || got.replaces != tc.wantReplaces:
			t.Errorf("parseReferTo(%q) = %q replaces %q, want %q replaces %q", tc.in, got.uri.String(), got.replaces, tc.wantURI, tc.wantReplaces)
		}
	}
}

func TestParseSipfrag(t *testing.T) {
	for _, tc := range []struct {
		in     string
		code   int
		reason string
	}{
		{"SIP/2.0 100 Trying", 100, "Trying"},
		{"SIP/2.0 200 OK\r\nContent-Length: 0\r\n", 200, "OK"},
		{"\r\nsip/2.0 486 Busy Here\r\n", 486, "Busy Here"},
		{"SIP/2.0 180", 180, ""},
		{"SIP/2.0 603  Decline ", 603, "Decline"},
		{"", 0, ""},
		{"SIP/2.0", 0, ""},
		{"SIP/2.0 abc OK", 0, ""},
		{"SIP/2.0 99 Low", 0, ""},
		{"SIP/2.0 700 High", 0, ""},
		{"HTTP/1.1 200 OK", 0, ""},
		{"INVITE sip:a@b SIP/2.0", 0, ""},
		{strings.Repeat("x", 70000), 0, ""},
	} {
		got, err := parseSipfrag([]byte(tc.in))
		if tc.code == 0 {
			if err == nil {
				t.Errorf("parseSipfrag(%.30q) = %+v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.code != tc.code || got.reason != tc.reason {
			t.Errorf("parseSipfrag(%q) = %+v, %v; want %d %q", tc.in, got, err, tc.code, tc.reason)
		}
	}
}

func TestSubscriptionState(t *testing.T) {
	for in, want := range map[string][2]string{
		"active;expires=60":              {"active", ""},
		"Terminated;reason=noresource":   {"terminated", "noresource"},
		" terminated ; reason = timeout": {"terminated", "timeout"},
		"":                               {"", ""},
		";;;":                            {"", ""},
	} {
		if st, reason := subscriptionState(in); st != want[0] || reason != want[1] {
			t.Errorf("subscriptionState(%q) = %q, %q; want %q, %q", in, st, reason, want[0], want[1])
		}
	}
}

func TestIntercomRequest(t *testing.T) {
	for _, tc := range []struct {
		header, value string
		want          bool
		delay         time.Duration
	}{
		{"Alert-Info", "<http://127.0.0.1>;info=alert-autoanswer", true, 0},
		{"Alert-Info", "info=alert-autoanswer", true, 0},
		{"Alert-Info", "<http://x>;info=Intercom", true, 0},
		{"Alert-Info", "Ring  Answer", true, 0},
		{"Alert-Info", "<http://x/ring.wav>, <sip:x>;answer-after=2", true, 2 * time.Second},
		{"Call-Info", "<sip:127.0.0.1>;answer-after=0", true, 0},
		{"Call-Info", ";answer-after=3", true, 3 * time.Second},
		{"Call-Info", "<sip:x>;answer-after=99999", true, maxIntercomDelay},
		{"Call-Info", "<http://x;answer-after=0>;purpose=icon", false, 0}, // inside the URI: not a parameter
		{"Call-Info", "<sip:x>;answer-after=-1", false, 0},
		{"Call-Info", "<sip:x>;answer-after=soon", false, 0},
		{"Call-Info", "<sip:x>;info=alert-autoanswer", false, 0}, // info= is an Alert-Info form
		{"Alert-Info", "<http://x/bellcore-dr2>", false, 0},
		{"Alert-Info", "<<<,,,>>>;;;==", false, 0},
		{"Alert-Info", "", false, 0},
	} {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "b"})
		req.AppendHeader(sip.NewHeader(tc.header, tc.value))
		delay, ok := intercomRequest(req)
		if ok != tc.want || delay != tc.delay {
			t.Errorf("%s: %q = %v after %v, want %v after %v", tc.header, tc.value, ok, delay, tc.want, tc.delay)
		}
	}
	if _, ok := intercomRequest(sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "b"})); ok {
		t.Error("an INVITE without Alert-Info or Call-Info asks for auto-answer")
	}
}

// Fuzz targets: whatever arrives from the network, the parsers return an
// error or a value, never panic. Run longer with
// go test -tags with_opus_c ./phone -fuzz FuzzParseReferTo.
func FuzzParseReferTo(f *testing.F) {
	for _, s := range []string{"<sip:1003@127.0.0.1>", "<sip:a@b?Replaces=x%3Bto-tag%3D1%3Bfrom-tag%3D2>", "sip:a@b;x", "<", "<sip:@>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := parseReferTo(s); err == nil && got.uri.Host == "" {
			t.Errorf("parseReferTo(%q) accepted a target without a host", s)
		}
	})
}

func FuzzParseSipfrag(f *testing.F) {
	for _, s := range []string{"SIP/2.0 200 OK", "SIP/2.0 1", "\n\n", "SIP/2.0 999 x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := parseSipfrag(b); err == nil && (got.code < 100 || got.code > 699) {
			t.Errorf("parseSipfrag(%q) accepted code %d", b, got.code)
		}
	})
}

func FuzzAutoAnswerParams(f *testing.F) {
	for _, s := range []string{"<http://x>;info=alert-autoanswer", "Ring Answer", ";answer-after=5", "<a,b>;c"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, alertInfo bool) {
		if d, _ := autoAnswerParams(s, alertInfo); d < 0 || d > maxIntercomDelay {
			t.Errorf("autoAnswerParams(%q) delay %v out of bounds", s, d)
		}
	})
}
