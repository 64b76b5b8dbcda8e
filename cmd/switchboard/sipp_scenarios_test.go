package main

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// SIPp scenarios for the outcomes a phone meets: a far end that answers with a
// failure code, one that rings until CANCEL, and callers that give up or are blocked.

// uasRejectXML answers every INVITE with 100, 180 and then the final code.
func uasRejectXML(code int, reason string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas reject %[1]d">
  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <pause milliseconds="200" />
  <send><![CDATA[
SIP/2.0 %[1]d %[2]s
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK" />
</scenario>
`, code, reason)
}

// uasRingUntilCancelXML rings and expects the caller to CANCEL.
const uasRingUntilCancelXML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas ring until cancel">
  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <recv request="CANCEL" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK" />
</scenario>
`

// uacXML sends an INVITE from the given user. With cancelAfterRing it waits for
// 180 and CANCELs; otherwise it expects a final 603 without any ringing.
func uacXML(fromUser string, cancelAfterRing bool) string {
	invite := fmt.Sprintf(`  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:%[1]s@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:%[1]s@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <recv response="100" optional="true" />
`, fromUser)
	ack := `  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
`
	if !cancelAfterRing {
		return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac blocked">
` + invite + `  <recv response="603" />
` + ack + `</scenario>
`
	}
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac cancel while ringing">
` + invite + `  <recv response="180" />
  <pause milliseconds="1000" />
  <send><![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: "Caller" <sip:` + fromUser + `@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
  <recv response="487" />
` + ack + `</scenario>
`
}

func scenarioFile(t *testing.T, name, xml string) string {
	return testpeer.WriteSIPpScenario(t, name, xml)
}

// uasEarlyMediaXML plays a WAV as early media after 183, answers 1.5 s later and
// waits for our BYE.
func uasEarlyMediaXML(wav string) string {
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas early media">
  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 183 Session Progress
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <nop><action><exec rtp_stream="` + wav + `,-1,0" /></action></nop>
  <pause milliseconds="1500" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <recv request="ACK" />
  <recv request="BYE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`
}
