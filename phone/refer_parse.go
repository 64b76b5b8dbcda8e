package phone

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Parsers for what transfers put on the wire (RFC 3515 REFER, RFC 3420
// sipfrag, RFC 6665 Subscription-State). Every input comes from the network:
// malformed values give an error, never a panic (see refer_parse_test.go's
// fuzz targets).

// maxHeaderValue bounds what the parsers look at; SIP headers are short.
const maxHeaderValue = 4096

// referTarget is what a Refer-To header asks us to call.
type referTarget struct {
	uri sip.Uri // without URI headers: this is the new INVITE's request URI
	// replaces is the unescaped Replaces header embedded in the URI
	// ("callid;to-tag=…;from-tag=…") of an attended transfer; "" for a blind one.
	replaces string
}

// parseReferTo reads a Refer-To value: "<sip:1003@host>", a bare URI, or
// either with header parameters after the '>'. Only sip: and sips: targets
// are accepted: a tel: or http: target cannot be called from here.
func parseReferTo(value string) (referTarget, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return referTarget{}, errors.New("Refer-To is empty")
	}
	if len(v) > maxHeaderValue {
		return referTarget{}, fmt.Errorf("Refer-To is %d bytes long", len(v))
	}
	raw := v
	if open := strings.IndexByte(v, '<'); open >= 0 {
		end := strings.IndexByte(v[open:], '>')
		if end < 0 {
			return referTarget{}, fmt.Errorf("Refer-To %q: no closing '>'", truncate(v, 60))
		}
		raw = v[open+1 : open+end]
	} else if semi := strings.IndexByte(v, ';'); semi >= 0 && !strings.Contains(v[:semi], "?") {
		// Without angle brackets, parameters belong to the header (RFC 3261 §20).
		raw = v[:semi]
	}
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		return referTarget{}, fmt.Errorf("Refer-To %q: only sip: and sips: targets can be called", truncate(raw, 60))
	}
	base, query, _ := strings.Cut(raw, "?")
	var uri sip.Uri
	if err := sip.ParseUri(base, &uri); err != nil {
		return referTarget{}, fmt.Errorf("Refer-To %q: %w", truncate(raw, 60), err)
	}
	if uri.Host == "" {
		return referTarget{}, fmt.Errorf("Refer-To %q: no host", truncate(raw, 60))
	}
	if uri.Port < 0 || uri.Port > 65535 {
		return referTarget{}, fmt.Errorf("Refer-To %q: port out of range", truncate(raw, 60))
	}
	uri.Headers = nil
	target := referTarget{uri: uri}
	if query != "" {
		replaces, err := replacesFromQuery(query)
		if err != nil {
			return referTarget{}, fmt.Errorf("Refer-To %q: %w", truncate(raw, 60), err)
		}
		target.replaces = replaces
	}
	return target, nil
}

// replacesFromQuery finds the Replaces header among a URI's escaped headers
// ("Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2&…"). Other embedded
// headers are ignored: we do not let a REFER put arbitrary headers into
// our INVITE.
func replacesFromQuery(query string) (string, error) {
	for _, part := range strings.Split(query, "&") {
		name, value, _ := strings.Cut(part, "=")
		if !strings.EqualFold(name, "Replaces") {
			continue
		}
		unescaped, err := url.PathUnescape(value)
		if err != nil {
			return "", fmt.Errorf("Replaces is not escaped correctly: %w", err)
		}
		if _, _, err := parseReplaces(unescaped); err != nil {
			return "", err
		}
		return unescaped, nil
	}
	return "", nil
}

// parseReplaces checks a Replaces value (RFC 3891): a Call-ID and both tags.
func parseReplaces(value string) (callID string, tags map[string]string, err error) {
	parts := strings.Split(value, ";")
	callID = strings.TrimSpace(parts[0])
	if callID == "" {
		return "", nil, errors.New("Replaces has no Call-ID")
	}
	tags = map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		tags[strings.ToLower(k)] = v
	}
	if tags["to-tag"] == "" || tags["from-tag"] == "" {
		return "", nil, fmt.Errorf("Replaces %q lacks to-tag or from-tag", truncate(value, 60))
	}
	return callID, tags, nil
}

// sipfrag is the status line of a NOTIFY's message/sipfrag body: how the
// transferee's call to the target is going.
type sipfrag struct {
	code   int
	reason string
}

// parseSipfrag reads "SIP/2.0 180 Ringing" from the first line of a
// message/sipfrag body. Further lines (headers of the response) are ignored.
func parseSipfrag(body []byte) (sipfrag, error) {
	if len(body) > maxHeaderValue*4 {
		return sipfrag{}, fmt.Errorf("sipfrag is %d bytes long", len(body))
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 256), maxHeaderValue)
	var line string
	for sc.Scan() {
		if line = strings.TrimSpace(sc.Text()); line != "" {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return sipfrag{}, fmt.Errorf("sipfrag: %w", err)
	}
	if line == "" {
		return sipfrag{}, errors.New("sipfrag is empty")
	}
	version, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.EqualFold(version, "SIP/2.0") {
		return sipfrag{}, fmt.Errorf("sipfrag %q is not a SIP/2.0 status line", truncate(line, 40))
	}
	codeText, reason, _ := strings.Cut(strings.TrimSpace(rest), " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || code < 100 || code > 699 {
		return sipfrag{}, fmt.Errorf("sipfrag %q has no status code 100-699", truncate(line, 40))
	}
	return sipfrag{code: code, reason: strings.TrimSpace(reason)}, nil
}

// subscriptionState reads a Subscription-State value ("active;expires=60",
// "terminated;reason=noresource"): the state and, when given, the reason.
func subscriptionState(value string) (state, reason string) {
	if len(value) > maxHeaderValue {
		return "", ""
	}
	parts := strings.Split(value, ";")
	state = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), "reason") {
			reason = strings.TrimSpace(v)
		}
	}
	return state, reason
}

// isReferEvent reports whether a NOTIFY belongs to a REFER subscription
// (Event: refer, possibly with ;id=…).
func isReferEvent(req *sip.Request) bool {
	h := req.GetHeader("Event")
	if h == nil {
		return false
	}
	name, _, _ := strings.Cut(h.Value(), ";")
	return strings.EqualFold(strings.TrimSpace(name), "refer")
}
