package phone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// sippDialogXML calls us (user 1001), waits for the answer, runs the
// in-dialog steps put in at %s (sippInfo, sippReInvite) and hangs up.
var sippDialogXML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="in-dialog steps">
` + sippCallUs("ivr", "00", "", "a=fmtp:101 0-15\n") + `  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rrs="true" />
` + sippInDialog("ACK", "ivr", "00", 1) + `  <pause milliseconds="500" />
%s
` + sippInDialog("BYE", "ivr", "00", 9) + `  <recv response="200" />
</scenario>
`

// sippInfo is one in-dialog INFO and the response it must get.
func sippInfo(cseq int, contentType, body string, wantCode int) string {
	return fmt.Sprintf(`  <send retrans="500"><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:ivr@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %d INFO
Max-Forwards: 70
Content-Type: %s
Content-Length: [len]

%s
]]></send>
  <recv response="%d" />
  <pause milliseconds="100" />
`, cseq, contentType, body, wantCode)
}

// A SIPp IVR sends SIP INFO DTMF in the dialog: a dtmf-relay 5, an
// application/dtmf #, an unreadable dtmf-relay and a dtmf-relay * as event
// code 10. We answer 200 and publish call.dtmf (method info) for each readable
// one, 400 and nothing for the unreadable one. diago alone answers all 406.
func TestSIPInfoDTMFFromSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	p, events, listen := startPhone(t, "1001", Options{Codecs: []string{"PCMU"}})
	infos := sippInfo(2, "application/dtmf-relay", "Signal=5\r\nDuration=160", 200) +
		sippInfo(3, "application/dtmf", "#", 200) +
		sippInfo(4, "application/dtmf-relay", "Signal=hello\r\nDuration=160", 400) +
		sippInfo(5, "application/dtmf-relay", "Signal=10\r\nDuration=160", 200)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := runSIPpAsync(t, ctx, "info-dtmf", fmt.Sprintf(sippDialogXML, infos), listen)
	in := next(t, events, CallIncoming)
	c, ok := p.Call(in.CallID)
	if !ok {
		t.Fatal("incoming call not found")
	}
	if err := c.Answer(Media{}); err != nil {
		t.Fatal(err)
	}
	var digits []string
	for ev := range eventsUntilEnd(t, events, c.ID) {
		if ev.Kind != CallDTMF {
			continue
		}
		if ev.DTMFMethod != DTMFMethodInfo {
			t.Errorf("call.dtmf %q by %q, want method info", ev.Digit, ev.DTMFMethod)
		}
		digits = append(digits, ev.Digit)
	}
	if got := strings.Join(digits, ""); got != "5#*" {
		t.Errorf("call.dtmf digits %q, want 5#*", got)
	}
	if err := <-done; err != nil {
		t.Errorf("sipp: %v", err)
	}
}

// eventsUntilEnd yields one call's events up to and including call.ended.
func eventsUntilEnd(t *testing.T, sub *Subscription, callID string) func(func(Event) bool) {
	t.Helper()
	return func(yield func(Event) bool) {
		timeout := time.After(20 * time.Second)
		for {
			select {
			case ev := <-sub.C:
				if ev.CallID != callID {
					continue
				}
				if !yield(ev) || ev.Kind == CallEnded {
					return
				}
			case <-timeout:
				t.Errorf("call %s did not end", callID)
				return
			}
		}
	}
}

// sippReInvite is an in-dialog re-INVITE whose audio stream has the given
// direction line (empty: none) and connection address, then its ACK.
func sippReInvite(cseq int, direction, connection string) string {
	if direction != "" {
		direction = "\n" + direction
	}
	return fmt.Sprintf(`  <send retrans="500"><![CDATA[
INVITE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:ivr@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %[1]d INVITE
Contact: <sip:ivr@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 %[1]d IN IP[local_ip_type] [local_ip]
s=-
c=IN IP4 %[3]s
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000%[2]s
]]></send>
  <recv response="100" optional="true" />
  <recv response="200" />
`, cseq, direction, connection) + sippInDialog("ACK", "ivr", "00", cseq) + `  <pause milliseconds="300" />
`
}

// The other ways a PBX or an older phone holds us: a=inactive, and the
// RFC 2543 null address c=0.0.0.0 without any direction attribute. Each
// re-INVITE back to a normal stream resumes; a refresh that changes nothing
// publishes nothing.
func TestRemoteHoldVariantsFromSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	p, events, listen := startPhone(t, "1001", Options{Codecs: []string{"PCMU"}})
	reInvites := sippReInvite(2, "a=inactive", "[media_ip]") +
		sippReInvite(3, "a=sendrecv", "[media_ip]") +
		sippReInvite(4, "", "0.0.0.0") +
		sippReInvite(5, "", "[media_ip]") +
		sippReInvite(6, "a=sendrecv", "[media_ip]")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := runSIPpAsync(t, ctx, "reinvite-hold", fmt.Sprintf(sippDialogXML, reInvites), listen)
	in := next(t, events, CallIncoming)
	c, _ := p.Call(in.CallID)
	if err := c.Answer(Media{}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for ev := range eventsUntilEnd(t, events, c.ID) {
		if ev.Kind == CallRemoteHold || ev.Kind == CallRemoteResumed {
			seen = append(seen, string(ev.Kind)+" "+ev.Reason)
		}
	}
	want := []string{"call.remote_hold a=inactive", "call.remote_resumed a=sendrecv",
		"call.remote_hold a=sendrecv, c=0.0.0.0", "call.remote_resumed a=sendrecv"}
	if strings.Join(seen, "; ") != strings.Join(want, "; ") {
		t.Errorf("events %q\nwant   %q", seen, want)
	}
	if err := <-done; err != nil {
		t.Errorf("sipp: %v", err)
	}
}
