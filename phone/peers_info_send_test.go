package phone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// sippUASInfoDTMFXML answers our INVITE with the given m= and rtpmap lines,
// then expects one SIP INFO per digit — checked by SIPp's regexp actions: a
// dtmf-relay Content-Type and a body with that Signal and a Duration — and
// answers each 200. A missing, misnumbered or malformed INFO fails the
// scenario. Then it waits for our BYE.
func sippUASInfoDTMFXML(media string, digits string) string {
	var infos strings.Builder
	for i, d := range digits {
		signal := string(d)
		if d == '*' {
			signal = `\*` // a regexp
		}
		fmt.Fprintf(&infos, `  <recv request="INFO">
    <action>
      <ereg regexp="^ *application/dtmf-relay *$" search_in="hdr" header="Content-Type:" check_it="true" assign_to="ct%[1]d" />
      <ereg regexp="Signal=%[2]s\r?\nDuration=[1-9][0-9]*" search_in="body" check_it="true" assign_to="body%[1]d" />
      <log message="INFO %[1]d: [$ct%[1]d] [$body%[1]d]" />
    </action>
  </recv>
`+sippOKToLast, i, signal)
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas reading SIP INFO DTMF">
  <recv request="INVITE" />
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
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
%s
]]></send>
  <recv request="ACK" />
%s  <recv request="BYE" />
`+sippOKToLast+`</scenario>
`, media, infos.String())
}

// SendDTMF goes by SIP INFO when the far end's answer has no
// telephone-event (dtmf = "auto"), and when the account asks for INFO even
// though the far end offers telephone-event (dtmf = "info"). SIPp checks
// every INFO's Content-Type and body.
func TestSendDTMFBySIPInfoToSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	const pcmuOnly = "m=audio [media_port] RTP/AVP 0\na=rtpmap:0 PCMU/8000"
	const withEvents = "m=audio [media_port] RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15"
	cases := []struct {
		name, dtmf, media, digits string
	}{
		{"auto without telephone-event", config.DTMFAuto, pcmuOnly, "1*9#"},
		{"info configured", config.DTMFInfo, withEvents, "05"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port := testpeer.FreePort(t, "udp")
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			done := startSIPp(t, ctx, "uas-info-dtmf", sippUASInfoDTMFXML(tc.media, tc.digits),
				"-p", fmt.Sprint(port), "-timeout", "25s", "-trace_err", "-trace_logs")
			time.Sleep(300 * time.Millisecond) // SIPp binds its socket before reading the scenario's first message

			p, events, _ := startPhoneAccount(t, "1001", Options{Codecs: []string{"PCMU"}, DTMFGap: 50 * time.Millisecond},
				func(a *config.Account) { a.DTMF = tc.dtmf })
			call, err := p.Dial(ctx, "", fmt.Sprintf("sip:ivr@127.0.0.1:%d", port), DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			next(t, events, CallAnswered)
			if got := call.DTMFMethod(); got != DTMFMethodInfo {
				t.Errorf("DTMFMethod() = %q, want %q", got, DTMFMethodInfo)
			}
			started := time.Now()
			if err := call.SendDTMF(ctx, tc.digits); err != nil {
				t.Errorf("SendDTMF: %v", err)
			}
			// Each digit after the first waits for the previous key press
			// (160 ms) and the gap (50 ms).
			if minimum := time.Duration(len(tc.digits)-1) * (infoDTMFDuration + 50*time.Millisecond); time.Since(started) < minimum {
				t.Errorf("SendDTMF took %v, want at least %v", time.Since(started), minimum)
			}
			call.Hangup()
			<-call.Done()
			if err := <-done; err != nil {
				t.Errorf("sipp: %v", err)
			}
		})
	}
}
