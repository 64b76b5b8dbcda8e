package phone

import (
	"strings"
	"testing"
)

// sdpOf builds an SDP body from lines, CRLF-terminated as on the wire.
func sdpOf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

var sdpHead = []string{"v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"}

func withHead(lines ...string) []byte {
	return sdpOf(append(append([]string{}, sdpHead...), lines...)...)
}

func TestRemoteAudioDirection(t *testing.T) {
	tests := []struct {
		name     string
		body     []byte
		want     remoteMedia
		wantHold bool
	}{
		{"no attribute means sendrecv",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0"),
			remoteMedia{direction: dirSendRecv}, false},
		{"sendonly on the stream (baresip, most phones)",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=sendonly"),
			remoteMedia{direction: dirSendOnly}, true},
		{"inactive",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "a=inactive"),
			remoteMedia{direction: dirInactive}, true},
		{"recvonly is not a hold of us",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "a=recvonly"),
			remoteMedia{direction: dirRecvOnly}, false},
		{"session-level sendonly applies to the stream",
			withHead("c=IN IP4 127.0.0.1", "a=sendonly", "m=audio 4000 RTP/AVP 0"),
			remoteMedia{direction: dirSendOnly}, true},
		{"stream attribute overrides the session's",
			withHead("c=IN IP4 127.0.0.1", "a=sendonly", "m=audio 4000 RTP/AVP 0", "a=sendrecv"),
			remoteMedia{direction: dirSendRecv}, false},
		{"c=0.0.0.0 at session level (RFC 2543 hold)",
			withHead("c=IN IP4 0.0.0.0", "m=audio 4000 RTP/AVP 0"),
			remoteMedia{direction: dirSendRecv, nullAddress: true}, true},
		{"c=0.0.0.0 on the stream overrides a real session address",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "c=IN IP4 0.0.0.0"),
			remoteMedia{direction: dirSendRecv, nullAddress: true}, true},
		{"IPv6 unspecified address",
			withHead("c=IN IP6 ::", "m=audio 4000 RTP/AVP 0"),
			remoteMedia{direction: dirSendRecv, nullAddress: true}, true},
		{"a host name is not the null address",
			withHead("c=IN IP4 pbx.example", "m=audio 4000 RTP/AVP 0"),
			remoteMedia{direction: dirSendRecv}, false},
		{"video first: the audio stream's direction counts",
			withHead("c=IN IP4 127.0.0.1", "m=video 5000 RTP/AVP 96", "a=inactive", "m=audio 4000 RTP/AVP 0", "a=sendrecv"),
			remoteMedia{direction: dirSendRecv}, false},
		{"only the first audio stream counts",
			withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "a=sendonly", "m=audio 4002 RTP/AVP 0", "a=sendrecv"),
			remoteMedia{direction: dirSendOnly}, true},
		{"upper case and LF line ends",
			[]byte("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=SENDONLY\n"),
			remoteMedia{direction: dirSendOnly}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := remoteAudioDirection(tt.body)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got != tt.want || got.holdsUs() != tt.wantHold {
				t.Errorf("got %+v (holds us: %v), want %+v (holds us: %v)", got, got.holdsUs(), tt.want, tt.wantHold)
			}
		})
	}
}

func TestRemoteAudioDirectionRejectsMalformedSDP(t *testing.T) {
	tests := map[string][]byte{
		"empty":                 nil,
		"blanks":                []byte(" \r\n\r\n"),
		"not SDP":               []byte("Signal=5\r\nDuration=160\r\n"),
		"no v= line":            sdpOf("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "a=sendonly"),
		"no audio stream":       withHead("c=IN IP4 127.0.0.1", "m=video 5000 RTP/AVP 96"),
		"no c= line":            withHead("m=audio 4000 RTP/AVP 0", "a=sendonly"),
		"short c= line":         withHead("c=IN", "m=audio 4000 RTP/AVP 0"),
		"line without =":        withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "sendonly"),
		"one character":         []byte("v"),
		"binary":                {0x00, 0xff, 0x3d, 0x0a, 0x80},
		"overlong line":         append([]byte("v=0\r\na="), make([]byte, 100*1024)...),
		"c= line is only space": withHead("c=   ", "m=audio 4000 RTP/AVP 0"),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := remoteAudioDirection(body); err == nil {
				t.Errorf("accepted: %+v", got)
			}
		})
	}
}

func FuzzRemoteAudioDirection(f *testing.F) {
	f.Add(withHead("c=IN IP4 127.0.0.1", "m=audio 4000 RTP/AVP 0", "a=sendonly"))
	f.Add(withHead("c=IN IP4 0.0.0.0", "m=audio 4000 RTP/AVP 0"))
	f.Add([]byte("v=0\nm=audio\nc=IN IP4 ::/3\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := remoteAudioDirection(body) // must never panic
		if err == nil && m.direction == "" {
			t.Errorf("no direction without an error for %q", body)
		}
	})
}
