package phone

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// checkOffer looks at the offer of a new INVITE before the phone rings for
// it. diago v0.31.0 rings for any INVITE and only fails at the answer when
// the SDP is unusable, so a broken offer would ring the operator for a call
// that cannot be taken. A code of 0 means the offer is usable (or absent:
// an offerless INVITE is diago's business).
func checkOffer(req *sip.Request) (code int, reason string, err error) {
	body := req.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, "", nil
	}
	ct := contentType(req)
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.EqualFold(mediaType, "application/sdp") {
		return sip.StatusUnsupportedMediaType, "Unsupported Media Type",
			fmt.Errorf("offer content type %q: %w", truncate(ct, 40), errors.Join(err, errNotSDP))
	}
	if _, err := remoteAudioDirection(body); err != nil {
		return sip.StatusNotAcceptableHere, "Not Acceptable Here", fmt.Errorf("offer: %w", err)
	}
	if err := checkAudioMediaLine(body); err != nil {
		return sip.StatusNotAcceptableHere, "Not Acceptable Here", fmt.Errorf("offer: %w", err)
	}
	return 0, "", nil
}

var errNotSDP = errors.New("not application/sdp")

// checkAudioMediaLine reads the first m=audio line: "audio <port>[/<n>]
// <proto> <fmt> ...". A port of 0 declines the stream (RFC 3264 §5.1): an
// offer with no audio we could answer.
func checkAudioMediaLine(body []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		value, ok := strings.CutPrefix(line, "m=audio ")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) < 3 {
			return fmt.Errorf("sdp: incomplete media line %q", truncate(line, 40))
		}
		portText, _, _ := strings.Cut(fields[0], "/")
		port, err := strconv.Atoi(portText)
		if err != nil || port < 0 || port > 65535 {
			return fmt.Errorf("sdp: media port %q", truncate(fields[0], 20))
		}
		if port == 0 {
			return errors.New("sdp: audio stream declined (port 0)")
		}
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sdp: %w", err)
	}
	return errNoAudio
}
