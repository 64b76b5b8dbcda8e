package phone

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Workaround for diago v0.31.0, which has no API that tells when the far end
// puts the call on hold: it applies a re-INVITE's SDP to the media session but
// keeps the negotiated direction private. The phone reads the direction of the
// far end's offer itself (remoteAudioDirection) from the re-INVITE it sees in
// the request middleware (indialog.go).

// sdpDirection is a media direction attribute of RFC 4566 / RFC 3264.
type sdpDirection string

const (
	dirSendRecv sdpDirection = "sendrecv"
	dirSendOnly sdpDirection = "sendonly"
	dirRecvOnly sdpDirection = "recvonly"
	dirInactive sdpDirection = "inactive"
)

// remoteMedia is what an offer of the far end says about its audio stream.
type remoteMedia struct {
	direction sdpDirection // as the far end wrote it; sendrecv when absent (RFC 3264 §5.1)
	// nullAddress: c=0.0.0.0, the RFC 2543 way of holding that older phones
	// and PBXs still use (RFC 3264 §8.4).
	nullAddress bool
}

// holdsUs reports whether the far end stopped listening to us: it only sends
// (music on hold, or nothing), sends and receives nothing, or points our media
// at the null address.
func (m remoteMedia) holdsUs() bool {
	return m.direction == dirSendOnly || m.direction == dirInactive || m.nullAddress
}

// errNoAudio: the SDP has no audio stream, so it says nothing about hold.
var errNoAudio = errors.New("sdp: no audio media description")

// remoteAudioDirection reads the direction of the first audio stream of an
// SDP body. A media-level attribute overrides a session-level one; a
// media-level c= line overrides the session's. Malformed input gives an
// error, never a panic: the body comes from the network.
func remoteAudioDirection(body []byte) (remoteMedia, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return remoteMedia{}, errors.New("sdp: empty body")
	}
	var (
		sessionDir, audioDir   sdpDirection
		sessionConn, audioConn string
		section                = "session" // session | audio | other
		seenAudio, seenVersion bool
	)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return remoteMedia{}, fmt.Errorf("sdp: malformed line %q", truncate(line, 40))
		}
		typ, value := line[0], line[2:]
		switch typ {
		case 'v':
			seenVersion = true
		case 'm':
			if seenAudio {
				section = "other" // only the first audio stream counts
				continue
			}
			if strings.HasPrefix(value, "audio ") {
				section, seenAudio = "audio", true
			} else {
				section = "other"
			}
		case 'c':
			switch section {
			case "session":
				sessionConn = value
			case "audio":
				audioConn = value
			}
		case 'a':
			dir, ok := directionAttribute(value)
			if !ok {
				continue
			}
			switch section {
			case "session":
				sessionDir = dir
			case "audio":
				audioDir = dir
			}
		}
	}
	if err := sc.Err(); err != nil {
		return remoteMedia{}, fmt.Errorf("sdp: %w", err)
	}
	if !seenVersion {
		return remoteMedia{}, errors.New("sdp: no v= line")
	}
	if !seenAudio {
		return remoteMedia{}, errNoAudio
	}
	m := remoteMedia{direction: dirSendRecv}
	if sessionDir != "" {
		m.direction = sessionDir
	}
	if audioDir != "" {
		m.direction = audioDir
	}
	conn := sessionConn
	if audioConn != "" {
		conn = audioConn
	}
	if conn == "" {
		return remoteMedia{}, errors.New("sdp: no c= line for the audio stream")
	}
	null, err := isNullConnection(conn)
	if err != nil {
		return remoteMedia{}, err
	}
	m.nullAddress = null
	return m, nil
}

func directionAttribute(value string) (sdpDirection, bool) {
	switch d := sdpDirection(strings.ToLower(strings.TrimSpace(value))); d {
	case dirSendRecv, dirSendOnly, dirRecvOnly, dirInactive:
		return d, true
	}
	return "", false
}

// isNullConnection reads "IN IP4 0.0.0.0" (or the IPv6 "::").
func isNullConnection(value string) (bool, error) {
	fields := strings.Fields(value)
	if len(fields) < 3 {
		return false, fmt.Errorf("sdp: malformed c= line %q", truncate(value, 40))
	}
	addr := fields[2]
	if i := strings.IndexByte(addr, '/'); i >= 0 { // multicast TTL / count
		addr = addr[:i]
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return false, nil // a host name: not the null address
	}
	return ip.IsUnspecified(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
