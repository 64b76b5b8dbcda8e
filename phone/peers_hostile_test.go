package phone

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// Hostile traffic from real SIPp against a running phone (issue 9): broken
// SIP and SDP, floods (peers_flood_test.go), scanners
// (peers_scanner_test.go). On 127.0.0.1 only; a second "host" is 127.0.0.2.

// defaultSecurity is what a configuration without [security] gets.
var defaultSecurity = config.Security{InvitesPerMinute: 30, InviteBurst: 10, RequestsPerSecond: 20}

// sippRawInvite is an INVITE from SIPp user "probe" whose Content-Type
// (empty: none), extra headers (each ending in \n) and body the case gives;
// tag keeps the From tags of several INVITEs of one scenario apart.
func sippRawInvite(tag, contentType, headers, body string) string {
	if contentType != "" {
		headers += "Content-Type: " + contentType + "\n"
	}
	if !strings.Contains(headers, "Content-Length") {
		headers += "Content-Length: [len]\n"
	}
	return fmt.Sprintf(`  <send retrans="500"><![CDATA[
INVITE sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]Probe%[1]s[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:probe@[local_ip]:[local_port]>
Max-Forwards: 70
%[2]s
%[3]s]]></send>
`, tag, headers, body)
}

// sippRefusedAck waits for the final response code and ACKs it (same
// transaction: the INVITE's Via).
func sippRefusedAck(tag string, code int) string {
	return fmt.Sprintf(`  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="%[2]d" />
  <send><![CDATA[
ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]Probe%[1]s[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
`, tag, code)
}

// sippAliveCheck follows a message the phone must drop: the next thing
// SIPp hears on this Call-ID must be the 200 to an OPTIONS, not an answer
// to the broken message.
const sippAliveCheck = `  <pause milliseconds="300" />
  <send retrans="500"><![CDATA[
OPTIONS sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]Alive[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 2 OPTIONS
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
`

func sippScenario(name, steps string) string {
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="` + name + `">
` + steps + `</scenario>
`
}

const probeSDP = "v=0\no=- 1 1 IN IP4 [local_ip]\ns=-\nc=IN IP4 [media_ip]\nt=0 0\nm=audio [media_port] RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"

// settledGoroutines waits (bounded) until the goroutine count is back within
// slack of baseline and returns the last count seen: transactions of
// refused INVITEs live on for their timers (Timer I, 5 s) before they go.
func settledGoroutines(baseline, slack int, within time.Duration) int {
	deadline := time.Now().Add(within)
	n := runtime.NumGoroutine()
	for n > baseline+slack && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// Broken SIP and SDP from SIPp: every case the parser reads is refused with
// a 4xx before anything rings (415 for a body that is not SDP, 488 for an
// SDP without audio or connection); what it cannot read is dropped without
// an answer. The one valid oddity (SDP without a final newline) rings.
// Afterwards no goroutine is left behind and a normal call works.
func TestMalformedSIPFromSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	p, events, listen := startPhoneAccount(t, "1001", Options{Security: defaultSecurity, MaxCalls: 8}, nil)
	runtime.GC()
	baseline := runtime.NumGoroutine()
	noNewline := strings.TrimSuffix(probeSDP, "\n")
	answered := []struct {
		name, contentType, headers, body string
		code                             int
	}{
		{"text-plain-body", "text/plain", "", "hello, this is not SDP\n", 415},
		{"no-content-type", "", "", probeSDP, 415},
		{"no-c-line", "application/sdp", "", strings.Replace(probeSDP, "c=IN IP4 [media_ip]\n", "", 1), 488},
		{"no-m-line", "application/sdp", "", strings.Replace(probeSDP, "m=audio [media_port] RTP/AVP 0\n", "", 1), 488},
		{"binary-sdp", "application/sdp", "", "\x01\x02\x03\x04\x05 binary\n", 488},
		{"short-content-length", "application/sdp", "Content-Length: 10\n", probeSDP, 488},
		{"no-trailing-newline", "application/sdp", "", noNewline, 486}, // valid: rings, we refuse
	}
	dropped := []struct{ name, invite string }{
		{"absurd-content-length", sippRawInvite("d1", "application/sdp", "Content-Length: 99999\n", probeSDP)},
		{"header-without-colon", sippRawInvite("d2", "application/sdp", "This line is no header\n", probeSDP)},
		{"cseq-not-a-number", strings.Replace(sippRawInvite("d3", "application/sdp", "", probeSDP), "CSeq: 1 INVITE", "CSeq: one INVITE", 1)},
		{"max-forwards-not-a-number", strings.Replace(sippRawInvite("d4", "application/sdp", "", probeSDP), "Max-Forwards: 70", "Max-Forwards: lots", 1)},
		{"broken-from-uri", strings.Replace(sippRawInvite("d5", "application/sdp", "", probeSDP), "From: <sip:probe@", "From: <<<sip:probe@@", 1)},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// The phone refuses the one call that rings, as an operator would.
	rang := make(chan Event, 8)
	go func() {
		for ev := range events.C {
			if ev.Kind != CallIncoming {
				continue
			}
			rang <- ev
			if c, ok := p.Call(ev.CallID); ok {
				_ = c.Reject(486)
			}
		}
	}()
	for _, tc := range answered {
		xml := sippScenario(tc.name, sippRawInvite("a", tc.contentType, tc.headers, tc.body)+sippRefusedAck("a", tc.code))
		if err := <-runSIPpAsync(t, ctx, tc.name, xml, listen); err != nil {
			t.Errorf("%s: want %d: %v", tc.name, tc.code, err)
		}
	}
	for _, tc := range dropped {
		// The broken INVITE is sent once (a dropped packet would otherwise
		// be retransmitted into the OPTIONS' exchange).
		invite := strings.Replace(tc.invite, `<send retrans="500">`, `<send>`, 1)
		if err := <-runSIPpAsync(t, ctx, tc.name, sippScenario(tc.name, invite+sippAliveCheck), listen); err != nil {
			t.Errorf("%s: want no answer, then the phone alive: %v", tc.name, err)
		}
	}
	sendGarbage(t, listen)

	if n := len(rang); n != 1 {
		t.Errorf("%d calls rang; want only the valid one (SDP without final newline)", n)
	}
	if n := settledGoroutines(baseline, 5, 45*time.Second); n > baseline+5 {
		t.Errorf("goroutines %d after the broken traffic, baseline %d", n, baseline)
	}
	t.Logf("goroutines: baseline %d, after %d", baseline, runtime.NumGoroutine())

	// A normal call still rings and is refused by our operator: the SIPp
	// scenario expects that 486.
	normal := sippScenario("normal", sippRawInvite("n", "application/sdp", "", probeSDP)+sippRefusedAck("n", 486))
	if err := <-runSIPpAsync(t, ctx, "normal", normal, listen); err != nil {
		t.Errorf("normal call after the broken traffic: %v", err)
	}
	select {
	case ev := <-rang:
		if ev.Number == "" {
			t.Errorf("the last call rang without a caller: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Error("the normal call did not ring")
	}
}

// sendGarbage sends datagrams that are not SIP at all: binary noise, bare
// CRLFs (a keepalive), a lone request line, a 60 KB blob.
func sendGarbage(t *testing.T, listen string) {
	t.Helper()
	conn, err := net.Dial("udp", listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	blob := make([]byte, 60000)
	for i := range blob {
		blob[i] = byte(i*7 + 3)
	}
	for _, packet := range [][]byte{
		{0x00, 0x01, 0xff, 0xfe, 0x80, 0x7f},
		[]byte("\r\n\r\n"),
		[]byte("INVITE sip:1001@127.0.0.1 SIP/2.0\r\n\r\n"),
		[]byte("SIP/2.0 200 OK\r\n\r\n"),
		blob,
	} {
		if _, err := conn.Write(packet); err != nil {
			t.Fatalf("garbage not sent: %v", err)
		}
	}
}

// accept_calls_from = "registrar" with a real Kamailio: baresip 1002 calls
// us through Kamailio and it rings; SIPp on 127.0.0.2 calls our port
// directly and gets 403, a security.rejected event says who, nothing rings.
func TestCallsOnlyFromRegistrar(t *testing.T) {
	requirePeers(t, "kamailio", "baresip", "sipp")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	var listen string
	p, events := startRegisteredAccount(t, "1001", "secret1001", k.Addr("udp"), Options{Security: defaultSecurity},
		func(a *config.Account) { a.AcceptCallsFrom, listen = config.AcceptCallsFromRegistrar, a.Listen })
	caller := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002", Registrar: k.Addr("udp")})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	stranger := sippScenario("stranger", sippRawInvite("s", "application/sdp", "", probeSDP)+sippRefusedAck("s", 403))
	if err := <-runSIPpAsync(t, ctx, "stranger", stranger, "-i", "127.0.0.2", listen); err != nil {
		t.Errorf("a direct call from 127.0.0.2: want 403: %v", err)
	}
	rejected := next(t, events, SecurityRejected)
	if rejected.Source != "127.0.0.2" || rejected.Account != "1001" || rejected.Code != 403 || rejected.Count != 1 {
		t.Errorf("security.rejected %+v, want source 127.0.0.2, account 1001, 403, count 1", rejected)
	}

	if err := caller.Dial("sip:1001@" + k.Addr("udp")); err != nil {
		t.Fatal(err)
	}
	in := next(t, events, CallIncoming)
	if in.Number != "1002" {
		t.Errorf("rang for %q, want 1002 (through the registrar); the stranger must not ring", in.Number)
	}
	if c, ok := p.Call(in.CallID); ok {
		_ = c.Reject(486)
	}
	caller.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
}
