package phone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Being the target of an attended transfer, with SIPp playing both other
// parties (baresip 1.0.0 cannot send Replaces): one SIPp calls us as the
// transferor's consultation; a second SIPp, the transferee, sends an INVITE
// with Replaces naming that dialog. We answer it at once, hang the
// consultation up (its SIPp expects our BYE) and the old call ends as
// transferred. A Replaces naming no dialog of ours gets 481.

// sippConsultXML calls us and waits for our BYE.
var sippConsultXML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="consultation">
` + sippCallUs("transferor", "00", "", "") + `  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rrs="true" />
` + sippInDialog("ACK", "transferor", "00", 1) + `  <recv request="BYE" timeout="15000" />
` + sippOKToLast + `</scenario>
`

// sippReplacingInvite is the transferee's INVITE; its Replaces value is
// put in at the first %s, the steps after the INVITE at the second.
var sippReplacingInvite = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="transferee">
` + sippCallUs("transferee", "01", "Replaces: %s\n", "") + `  <recv response="100" optional="true" />
%s
</scenario>
`

// Answered at once, then talked and hung up by the transferee.
var sippReplacedSteps = `  <recv response="200" rrs="true" />
` + sippInDialog("ACK", "transferee", "01", 1) + `  <pause milliseconds="1000" />
` + sippInDialog("BYE", "transferee", "01", 2) + `  <recv response="200" />`

// Refused: the response code is put in at %d; the ACK of a failure reuses
// the INVITE's Via (same transaction).
const sippRefusedSteps = `  <recv response="%d" />
  <send><![CDATA[
ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:transferee@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`

func TestReplacesFromSIPpTakesOverTheCall(t *testing.T) {
	requirePeers(t, "sipp")
	p, events, listen := startPhone(t, "1001", Options{Codecs: []string{"PCMU"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	consultDone := runSIPpAsync(t, ctx, "consult", sippConsultXML, listen)
	in := next(t, events, CallIncoming)
	old, _ := p.Call(in.CallID)
	if err := old.Answer(toneMedia(440, nil)); err != nil {
		t.Fatal(err)
	}
	waitAnswered(t, old)
	old.mu.Lock()
	replaces := old.SIPCallID + ";to-tag=" + old.localTag + ";from-tag=" + old.remoteTag
	old.mu.Unlock()

	// A Replaces that names nothing of ours first: 481, nothing rings.
	bogus := runSIPpAsync(t, ctx, "bogus", fmt.Sprintf(sippReplacingInvite, "nosuch@host;to-tag=a;from-tag=b",
		fmt.Sprintf(sippRefusedSteps, 481)), listen)
	if err := <-bogus; err != nil {
		t.Errorf("INVITE with an unknown Replaces: %v", err)
	}
	transfereeDone := runSIPpAsync(t, ctx, "transferee", fmt.Sprintf(sippReplacingInvite, replaces, sippReplacedSteps), listen)

	// Both calls' events, in the order published, until both ended.
	var oldEnd, newCall Event
	var newKinds []string
	timeout := time.After(20 * time.Second)
	for oldEnd.Kind == "" || len(newKinds) == 0 || newKinds[len(newKinds)-1] != string(CallEnded) {
		select {
		case ev := <-events.C:
			switch {
			case ev.CallID == old.ID && ev.Kind == CallEnded:
				oldEnd = ev
			case ev.Kind == CallIncoming && ev.CallID != old.ID:
				newCall = ev
			case newCall.CallID != "" && ev.CallID == newCall.CallID:
				newKinds = append(newKinds, string(ev.Kind))
			}
		case <-timeout:
			t.Fatalf("calls did not end: old %q, new call events %v", oldEnd.Kind, newKinds)
		}
	}
	if oldEnd.Result != ResultTransferred || oldEnd.HangupBy != "local" {
		t.Errorf("the replaced call ended %s by %q (%s), want transferred by local", oldEnd.Result, oldEnd.HangupBy, oldEnd.Reason)
	}
	if newCall.TransferredFrom != old.ID || newCall.Number != "transferee" {
		t.Errorf("new call from %q transferred_from %q, want transferee from %s", newCall.Number, newCall.TransferredFrom, old.ID)
	}
	if got := strings.Join(newKinds, " "); got != "call.answered call.ended" {
		t.Errorf("the new call's events after call.incoming: %s; want call.answered call.ended (no ringing)", got)
	}
	if err := <-consultDone; err != nil {
		t.Errorf("consultation: %v", err)
	}
	if err := <-transfereeDone; err != nil {
		t.Errorf("transferee: %v", err)
	}
}
