package phone

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// DTMF methods named in call.dtmf events.
const (
	DTMFMethodRFC4733 = "rfc4733" // telephone-event packets in the RTP stream
	DTMFMethodInfo    = "info"    // SIP INFO with application/dtmf-relay or application/dtmf
)

// Content types of SIP INFO DTMF. dtmf-relay is the common (Cisco) one,
// "Signal=5\r\nDuration=160"; application/dtmf carries the bare key.
const (
	contentDTMFRelay = "application/dtmf-relay"
	contentDTMF      = "application/dtmf"
)

// isInfoDTMF reports whether an INFO's Content-Type is one we read as DTMF.
func isInfoDTMF(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == contentDTMFRelay || mt == contentDTMF
}

// parseInfoDTMF reads the key of a SIP INFO DTMF body. Keys may be given as
// characters or as RFC 4733 event codes (10 = *, 11 = #, 12-15 = A-D), which
// some gateways send. Malformed bodies give an error, never a panic.
func parseInfoDTMF(contentType string, body []byte) (rune, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, fmt.Errorf("INFO content type %q: %w", contentType, err)
	}
	switch mt {
	case contentDTMF:
		return dtmfKey(string(body))
	case contentDTMFRelay:
		signal, err := relaySignal(body)
		if err != nil {
			return 0, err
		}
		return dtmfKey(signal)
	}
	return 0, fmt.Errorf("INFO content type %q is not DTMF", mt)
}

// relaySignal finds the Signal= line of a dtmf-relay body (keys are
// case-insensitive; spaces around '=' occur in the wild).
func relaySignal(body []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 256), 4096)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.EqualFold(strings.TrimSpace(key), "signal") {
			return value, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("dtmf-relay body: %w", err)
	}
	return "", errors.New("dtmf-relay body has no Signal= line")
}

// dtmfKey turns "5", " # ", "11" into the key rune.
func dtmfKey(s string) (rune, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		return 0, errors.New("empty DTMF signal")
	case len(s) == 1 && ValidDTMF(rune(s[0])):
		return rune(s[0]), nil
	}
	code, err := strconv.Atoi(s)
	if err != nil || code < 10 || code > 15 {
		return 0, fmt.Errorf("DTMF signal %q is not a key", truncate(s, 20))
	}
	return rune("*#ABCD"[code-10]), nil
}
