package phone

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Intercom and paging calls ask the phone to answer by itself. There is no
// single standard; these are the forms PBXs and phones send:
//
//	Alert-Info: <http://…>;info=alert-autoanswer   (Polycom, Snom, Yealink)
//	Alert-Info: info=alert-autoanswer              (bare form seen from Asterisk)
//	Alert-Info: Ring Answer                        (Cisco, Linksys, Asterisk's Page)
//	Alert-Info: <…>;answer-after=0                 (Grandstream)
//	Call-Info: <sip:…>;answer-after=0              (Asterisk, FreeSWITCH, RFC 5373 era)
//	Call-Info: ;answer-after=2
//
// The phone obeys them only on accounts with intercom = true.

// maxIntercomDelay bounds a delay asked for by the caller.
const maxIntercomDelay = time.Minute

// intercomRequest reports whether an INVITE asks to be answered
// automatically and after how long. Malformed headers are ignored, never a
// panic: they come from the network.
func intercomRequest(req *sip.Request) (delay time.Duration, ok bool) {
	for _, h := range req.GetHeaders("Alert-Info") {
		if d, found := autoAnswerParams(h.Value(), true); found {
			return d, true
		}
	}
	for _, h := range req.GetHeaders("Call-Info") {
		if d, found := autoAnswerParams(h.Value(), false); found {
			return d, true
		}
	}
	return 0, false
}

// autoAnswerParams reads one header value, which may list several entries
// separated by commas outside angle brackets.
func autoAnswerParams(value string, alertInfo bool) (time.Duration, bool) {
	if len(value) > maxHeaderValue {
		return 0, false
	}
	for _, entry := range splitOutsideBrackets(value) {
		entry = strings.TrimSpace(entry)
		if alertInfo && strings.EqualFold(strings.Join(strings.Fields(entry), " "), "Ring Answer") {
			return 0, true
		}
		if end := strings.LastIndexByte(entry, '>'); end >= 0 {
			entry = entry[end+1:] // parameters follow the URI
		}
		for _, param := range strings.Split(entry, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"`)
			switch {
			case k == "answer-after":
				secs, err := strconv.Atoi(v)
				if err != nil || secs < 0 {
					continue
				}
				return min(time.Duration(secs)*time.Second, maxIntercomDelay), true
			case alertInfo && k == "info" && (strings.EqualFold(v, "alert-autoanswer") || strings.EqualFold(v, "intercom")):
				return 0, true
			}
		}
	}
	return 0, false
}

// splitOutsideBrackets splits on commas that are not inside <…>.
func splitOutsideBrackets(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			depth++
		case '>':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
