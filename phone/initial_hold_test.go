package phone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// The setup SDP is the INVITE's offer when we are called, the 200's answer
// when we call; nothing for a dialog of another kind.
func TestSetupRemoteSDP(t *testing.T) {
	invite := sip.NewRequest(sip.INVITE, sip.Uri{User: "bob", Host: "127.0.0.1"})
	invite.SetBody([]byte("offer"))
	ok := sip.NewResponseFromRequest(invite, sip.StatusOK, "OK", []byte("answer"))

	incoming := &diago.DialogServerSession{DialogServerSession: &sipgo.DialogServerSession{}}
	incoming.InviteRequest, incoming.InviteResponse = invite, ok
	outgoing := &diago.DialogClientSession{DialogClientSession: &sipgo.DialogClientSession{}}
	outgoing.InviteRequest, outgoing.InviteResponse = invite, ok

	if got := string(setupRemoteSDP(incoming)); got != "offer" {
		t.Errorf("incoming call: %q, want the INVITE's offer", got)
	}
	if got := string(setupRemoteSDP(outgoing)); got != "answer" {
		t.Errorf("outgoing call: %q, want the 200's answer", got)
	}
	if got := setupRemoteSDP(&diago.DialogServerSession{}); got != nil {
		t.Errorf("session without a SIP dialog: %q, want nil", got)
	}
}

// callKindsAfterAnswer returns the kinds of one call's events from
// call.answered to call.ended.
func callKindsAfterAnswer(t *testing.T, events *Subscription, callID string) []string {
	t.Helper()
	var kinds []string
	for ev := range eventsUntilEnd(t, events, callID) {
		if ev.Kind == CallAnswered || len(kinds) > 0 {
			kinds = append(kinds, string(ev.Kind)+" "+ev.Reason)
		}
	}
	return kinds
}

// A SIPp caller whose INVITE offers a=sendonly (a call parked on us): we
// answer, publish call.remote_hold right after call.answered, and
// call.remote_resumed when its re-INVITE goes back to sendrecv.
func TestIncomingCallStartsOnHold(t *testing.T) {
	requirePeers(t, "sipp")
	p, events, listen := startPhone(t, "1001", Options{Codecs: []string{"PCMU"}})
	xml := strings.Replace(sippDialogXML, "a=fmtp:101 0-15\n", "a=fmtp:101 0-15\na=sendonly\n", 1)
	if xml == sippDialogXML {
		t.Fatal("the scenario's INVITE has no a=fmtp line to put a=sendonly after")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := runSIPpAsync(t, ctx, "invite-sendonly", fmt.Sprintf(xml, sippReInvite(2, "a=sendrecv", "[media_ip]")), listen)
	in := next(t, events, CallIncoming)
	c, ok := p.Call(in.CallID)
	if !ok {
		t.Fatal("incoming call not found")
	}
	if err := c.Answer(Media{}); err != nil {
		t.Fatal(err)
	}
	got := callKindsAfterAnswer(t, events, c.ID)
	want := []string{"call.answered ", "call.remote_hold a=sendonly", "call.remote_resumed a=sendrecv", "call.ended remote hung up"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("events %q\nwant   %q", got, want)
	}
	if err := <-done; err != nil {
		t.Errorf("sipp: %v", err)
	}
}

// A SIPp far end answers our INVITE with a=inactive: call.remote_hold right
// after call.answered, and we send no audio.
func TestOutgoingCallAnsweredOnHold(t *testing.T) {
	requirePeers(t, "sipp")
	port := testpeer.FreePort(t, "udp")
	const inactive = "m=audio [media_port] RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=inactive"
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	done := startSIPp(t, ctx, "answer-inactive", sippUASInfoDTMFXML(inactive, ""), "-p", fmt.Sprint(port), "-timeout", "25s", "-trace_err")
	time.Sleep(300 * time.Millisecond) // SIPp binds its socket before reading the scenario's first message

	p, events, _ := startPhone(t, "1001", Options{Codecs: []string{"PCMU"}})
	call, err := p.Dial(ctx, "", fmt.Sprintf("sip:ivr@127.0.0.1:%d", port), DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	if ev := next(t, events, CallRemoteHold); ev.Reason != "a=inactive" {
		t.Errorf("call.remote_hold reason %q, want a=inactive", ev.Reason)
	}
	if !call.RemoteHeld() {
		t.Error("RemoteHeld() is false on a call answered inactive")
	}
	sent := packetsWritten(t, call)
	time.Sleep(500 * time.Millisecond)
	if n := packetsWritten(t, call) - sent; n > 2 {
		t.Errorf("we wrote %d RTP packets to a far end that answered inactive, want none", n)
	}
	call.Hangup()
	<-call.Done()
	if err := <-done; err != nil {
		t.Errorf("sipp: %v", err)
	}
}
