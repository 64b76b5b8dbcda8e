package phone

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// A caller whose display name carries terminal escape sequences (raw bytes
// on the wire, as a hostile peer sends them; sipgo lets them through): the phone's events
// hold them neutralised, and the call is still handled.
func TestHostileCallerTextIsNeutralised(t *testing.T) {
	p, events, listen := startPhoneAccount(t, "1001", Options{}, nil)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	invite := fmt.Sprintf("INVITE sip:1001@%[1]s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK-hostile-1\r\n"+
		"From: \"\x1b[2J\x1b]0;pwned\x07Evil\" <sip:666@%[2]s>;tag=h1\r\n"+
		"To: <sip:1001@%[1]s>\r\n"+
		"Call-ID: hostile-text-1\r\nCSeq: 1 INVITE\r\nContact: <sip:666@%[2]s>\r\nMax-Forwards: 70\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: %[3]d\r\n\r\n%[4]s", listen, local, len(sdp), sdp)
	to, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteTo([]byte(invite), to); err != nil {
		t.Fatal(err)
	}
	in := next(t, events, CallIncoming)
	for field, value := range map[string]string{"display name": in.DisplayName, "number": in.Number, "remote uri": in.RemoteURI} {
		if strings.ContainsAny(value, "\x1b\x07") {
			t.Errorf("%s %q still holds terminal controls", field, value)
		}
	}
	if !strings.Contains(in.DisplayName, "Evil") || !strings.Contains(in.DisplayName, "\uFFFD") {
		t.Errorf("display name %q: want the text kept with the controls replaced", in.DisplayName)
	}
	call, ok := p.Call(in.CallID)
	if !ok {
		t.Fatalf("call %s not found", in.CallID)
	}
	if err := call.Reject(486); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no final answer to the INVITE: %v", err)
		}
		if answer := string(buf[:n]); strings.HasPrefix(answer, "SIP/2.0 486") {
			toTag := answer[strings.Index(answer, "\r\nTo:"):]
			toTag = toTag[:strings.Index(toTag[2:], "\r\n")+2]
			ack := fmt.Sprintf("ACK sip:1001@%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-hostile-1\r\n"+
				"From: <sip:666@%[2]s>;tag=h1%[3]s\r\nCall-ID: hostile-text-1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				listen, local, toTag)
			if _, err := conn.WriteTo([]byte(ack), to); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if end := next(t, events, CallEnded); end.Code != 486 {
		t.Errorf("call ended with %d, want 486", end.Code)
	}
}
