package phone

import (
	"github.com/emiago/diago"
)

// A call may start on hold: a PBX parking a call on us, or a far end whose
// answer to our INVITE is already sendonly or inactive. diago tells this no
// more than a hold by re-INVITE (see sdp_direction.go), so the phone reads
// the direction of the SDP that set the call up: the INVITE's offer of an
// incoming call, the 200's answer to our INVITE of an outgoing one.

// setupRemoteSDP is the far end's SDP of the call's setup; nil when there
// is none in it (an incoming INVITE without an offer: the far end answers in
// the ACK, which diago keeps to itself).
func setupRemoteSDP(d dialog) []byte {
	switch s := d.(type) {
	case *diago.DialogClientSession:
		if s.DialogClientSession != nil && s.InviteResponse != nil {
			return s.InviteResponse.Body()
		}
	case *diago.DialogServerSession:
		if s.DialogServerSession != nil && s.InviteRequest != nil {
			return s.InviteRequest.Body()
		}
	}
	return nil
}

// applySetupHold publishes call.remote_hold right after call.answered when
// the far end's setup SDP already holds us, and from then on sends nothing
// (sender.sendFrame), as for a hold by re-INVITE. It runs under
// Phone.reInviteMu, so that a re-INVITE arriving at the same moment is
// applied after it, not overwritten by it.
func (p *Phone) applySetupHold(c *Call, d dialog) {
	body := setupRemoteSDP(d)
	if len(body) == 0 {
		return
	}
	m, err := remoteAudioDirection(body)
	if err != nil {
		p.log.Debug("setup SDP not understood; hold state unknown", "call", c.ID, "error", err)
		return
	}
	if !m.holdsUs() {
		return
	}
	p.reInviteMu.Lock()
	defer p.reInviteMu.Unlock()
	c.applyRemoteOffer(m)
}
