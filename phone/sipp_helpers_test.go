package phone

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// Pieces of SIPp scenarios shared by the tests that play the far end with
// SIPp, and running such a scenario alongside the test.

// sippOfferSDP is the audio offer SIPp makes: PCMU and telephone-event.
const sippOfferSDP = `v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
`

// sippOKToLast answers the request SIPp last received 200 OK.
const sippOKToLast = `  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
`

// sippCallUs is SIPp's INVITE to user 1001 from user from with the From tag
// suffix tag; headers (each ending in a newline) go after Contact, sdpExtra
// lines after the offer's last line.
func sippCallUs(from, tag, headers, sdpExtra string) string {
	return fmt.Sprintf(`  <send retrans="500"><![CDATA[
INVITE sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:%[1]s@[local_ip]:[local_port]>;tag=[pid]SIPpTag%[2]s[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:%[1]s@[local_ip]:[local_port]>
%[3]sMax-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

%[4]s%[5]s]]></send>
`, from, tag, headers, sippOfferSDP, sdpExtra)
}

// sippInDialog is an in-dialog request without a body (ACK, BYE) from SIPp's
// user from with the From tag suffix tag; all but an ACK are retransmitted.
func sippInDialog(method, from, tag string, cseq int) string {
	retrans := ` retrans="500"`
	if method == "ACK" {
		retrans = ""
	}
	return fmt.Sprintf(`  <send%s><![CDATA[
%s [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:%s@[local_ip]:[local_port]>;tag=[pid]SIPpTag%s[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %d %s
Max-Forwards: 70
Content-Length: 0

]]></send>
`, retrans, method, from, tag, cseq, method)
}

// startSIPp writes the scenario xml to the test's temporary directory and
// runs SIPp with it and args until it exits or ctx ends. The channel gets
// nil when SIPp exited 0, else what went wrong with its stderr.
func startSIPp(t *testing.T, ctx context.Context, name, xml string, args ...string) <-chan error {
	t.Helper()
	scenario := testpeer.WriteSIPpScenario(t, name, xml)
	done := make(chan error, 1)
	go func() {
		res, err := testpeer.RunSIPp(t, ctx, append([]string{"-sf", scenario}, args...)...)
		switch {
		case err != nil:
			err = fmt.Errorf("sipp %s: %w\n%s", name, err, res.Stderr)
		case res.ExitCode != 0:
			err = fmt.Errorf("sipp %s: exit %d\n%s", name, res.ExitCode, res.Stderr)
		}
		done <- err
	}()
	return done
}

// runSIPpAsync is startSIPp for a SIPp that calls us: it gives up after 20 s
// and traces its errors.
func runSIPpAsync(t *testing.T, ctx context.Context, name, xml string, args ...string) <-chan error {
	t.Helper()
	return startSIPp(t, ctx, name, xml, append([]string{"-timeout", "20s", "-trace_err"}, args...)...)
}
