package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// netChangeCallScenario calls the account through Kamailio; the test reads
// the c= address of the answer from SIPp's message log. ACK and BYE follow
// the Record-Route and the answer's Contact. The
// 183 is optional: an answer from a new address may come with early media.
const netChangeCallScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call after a network change">
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[local_ip]:[local_port]>;tag=[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <pause milliseconds="1000"/>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[local_ip]:[local_port]>;tag=[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]>
  </send>
  <recv response="200"/>
</scenario>
`

// callInNetNS runs one SIPp call from inside ns (where Kamailio listens on
// kamHost) to user and returns the c= address of the 200 OK. RunSIPp only
// dials 127.0.0.1, so SIPp runs here through `ip netns exec`, bounded by
// its own timeout and a context.
func callInNetNS(t *testing.T, ns *testpeer.NetNS, kamHost, user string) string {
	t.Helper()
	testpeer.Require(t, "sipp")
	dir := t.TempDir()
	scen := filepath.Join(dir, "call.xml")
	if err := os.WriteFile(scen, []byte(netChangeCallScenario), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	args := append(ns.Exec(), "sipp", "-sf", scen, "-s", user, "-i", kamHost, "-p", "5090",
		"-mi", kamHost, "-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin", "-trace_msg",
		kamHost+":5060")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "TERM=dumb")
	out, runErr := cmd.CombinedOutput()
	msgs := ""
	if matches, _ := filepath.Glob(filepath.Join(dir, "*_messages.log")); len(matches) > 0 {
		if b, err := os.ReadFile(matches[0]); err == nil {
			msgs = string(b)
		}
	}
	if runErr != nil {
		t.Fatalf("sipp call through kamailio: %v\n%s\nmessages:\n%s", runErr, lastLines(string(out), 20), msgs)
	}
	// The 200 OK to the INVITE is the one response that carries SDP besides a 183.
	re := regexp.MustCompile(`(?s)SIP/2\.0 200 OK.*?CSeq: 1 INVITE.*?c=IN IP4 ([0-9.]+)`)
	m := re.FindStringSubmatch(msgs)
	if m == nil {
		t.Fatalf("no 200 OK with SDP in SIPp's messages:\n%s", msgs)
	}
	return m[1]
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + fmt.Sprintf(" (%d lines)", len(lines))
}
