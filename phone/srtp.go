package phone

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// SDES-SRTP (RFC 4568) on top of diago v0.31.0, which does the keying and the
// encryption once its Transport.MediaSRTP is 1. What diago does, and what this
// file adds around it:
//
//   - Offer: diago offers RTP/SAVP with one a=crypto line, suite
//     AES_CM_128_HMAC_SHA1_80 (the only suite it knows). An answer without a
//     crypto line silently turns the call plain, so a "mandatory" account
//     checks the answer itself (refusePlainAnswer). A 488 to the offer on an
//     "optional" account is retried once with a plain RTP/AVP offer
//     (invitePlain).
//   - Answer: diago answers crypto with crypto, and a plain RTP/AVP offer
//     plainly. It cannot answer RTP/SAVPF or DTLS, nor an RTP/SAVP offer
//     whose crypto suites it does not know (the answer would fail after
//     ringing), and with MediaSRTP 0 it cannot answer RTP/SAVP at all: those
//     offers are refused with 488 before anything rings (refuseOffer), as
//     are offers without crypto on a "mandatory" account.

// sdesSuite is the one crypto suite diago v0.31.0 offers and accepts.
const sdesSuite = "AES_CM_128_HMAC_SHA1_80"

// mediaSRTP is diago's Transport.MediaSRTP for an account's srtp setting.
func mediaSRTP(setting string) int {
	switch setting {
	case config.SRTPOptional, config.SRTPMandatory:
		return 1 // SDES
	}
	return 0
}

// sdpSecurity is what an SDP body says about encryption of its audio stream.
type sdpSecurity struct {
	proto  string   // transport profile of the m=audio line: RTP/AVP, RTP/SAVP…
	suites []string // crypto suites of its a=crypto lines, in order
}

// parseSDPSecurity reads the m=audio profile and the crypto suites of the
// session and of the audio section. A body without m=audio gives a zero value.
func parseSDPSecurity(body []byte) sdpSecurity {
	var sec sdpSecurity
	inOtherMedia := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "m="):
			fields := strings.Fields(strings.TrimPrefix(line, "m="))
			inOtherMedia = len(fields) < 3 || fields[0] != "audio" || sec.proto != ""
			if !inOtherMedia {
				sec.proto = fields[2]
			}
		case strings.HasPrefix(line, "a=crypto:") && !inOtherMedia:
			// a=crypto:<tag> <suite> <key-params>
			if fields := strings.Fields(line); len(fields) >= 3 {
				sec.suites = append(sec.suites, fields[1])
			}
		}
	}
	return sec
}

// sdes reports whether the stream carries a crypto line diago can key from.
func (s sdpSecurity) sdes() bool {
	for _, suite := range s.suites {
		if suite == sdesSuite {
			return true
		}
	}
	return false
}

// refuseOffer decides before ringing whether an incoming offer can be
// answered under the account's srtp setting; a non-zero code refuses it
// (always 488 Not Acceptable Here) and reason says why in words. An INVITE
// without an offer passes: there is nothing to judge yet.
func refuseOffer(setting string, offer []byte) (code int, reason string) {
	sec := parseSDPSecurity(offer)
	if sec.proto == "" {
		return 0, ""
	}
	enabled := mediaSRTP(setting) == 1
	switch sec.proto {
	case "RTP/AVP":
		if setting == config.SRTPMandatory && !sec.sdes() {
			return sip.StatusNotAcceptableHere, "SRTP is mandatory on this account and the caller offered plain RTP"
		}
	case "RTP/SAVP":
		if !enabled {
			return sip.StatusNotAcceptableHere, "the caller requires SRTP and this account has srtp = off"
		}
		if !sec.sdes() {
			return sip.StatusNotAcceptableHere,
				fmt.Sprintf("no supported SRTP crypto suite offered (%s; want %s)", strings.Join(sec.suites, ", "), sdesSuite)
		}
	default: // RTP/SAVPF, UDP/TLS/RTP/SAVP(F): feedback profiles and DTLS-SRTP
		return sip.StatusNotAcceptableHere, fmt.Sprintf("media profile %s is not supported", sec.proto)
	}
	return 0, ""
}

// negotiatedSRTP names the crypto suite protecting an answered call's audio,
// "" when it is plain. With SDES on, diago encrypts both ways exactly when the
// far end's SDP (its offer, or its answer to ours) carries a crypto line of
// the suite it knows: then it keys our side too.
func negotiatedSRTP(setting string, d dialog) string {
	if mediaSRTP(setting) != 1 {
		return ""
	}
	var remote []byte
	switch d := d.(type) {
	case *diago.DialogClientSession:
		if d.InviteResponse != nil {
			remote = d.InviteResponse.Body()
		}
	case *diago.DialogServerSession:
		remote = d.InviteRequest.Body()
	}
	if parseSDPSecurity(remote).sdes() {
		return sdesSuite
	}
	return ""
}

// accountSRTP is the srtp setting of an account ("" when unknown: off).
func (p *Phone) accountSRTP(account string) string {
	l, err := p.line(account)
	if err != nil {
		return ""
	}
	return l.acct.SRTP
}

// refusePlainAnswer ends an outgoing call of a "mandatory" account that the
// far end answered without SRTP (diago accepts that answer and would talk in
// the clear). It returns whether the call was ended.
func (p *Phone) refusePlainAnswer(l *line, c *Call, d *diago.DialogClientSession) bool {
	if l.acct.SRTP != config.SRTPMandatory || negotiatedSRTP(l.acct.SRTP, d) != "" {
		return false
	}
	p.hangupDialog(d)
	c.finish(&d.DialogMedia, endEvent(c, ResultFailed, sip.StatusNotAcceptableHere,
		"the far end answered without SRTP and srtp = mandatory"))
	return true
}

// refusedSRTPOffer reports whether an INVITE of an "optional" account was
// refused in a way that a plain offer may fix: 488 Not Acceptable Here, as
// phones without SRTP answer RTP/SAVP.
func refusedSRTPOffer(setting string, err error) bool {
	if setting != config.SRTPOptional || err == nil {
		return false
	}
	var dr *sipgo.ErrDialogResponse
	if errors.As(err, &dr) && dr.Res != nil {
		return dr.Res.StatusCode == sip.StatusNotAcceptableHere
	}
	var drv sipgo.ErrDialogResponse
	if errors.As(err, &drv) && drv.Res != nil {
		return drv.Res.StatusCode == sip.StatusNotAcceptableHere
	}
	return false
}

// invitePlain sends the INVITE of an "optional" account again with a plain
// RTP/AVP offer, after the far end refused the encrypted one. The new dialog
// goes the same way with the same Call-ID (so the call keeps its identity);
// its media session is made here with SRTP off, which diago then uses
// instead of building one from the account's transport.
func (p *Phone) invitePlain(ctx context.Context, l *line, first *diago.DialogClientSession,
	opts diago.InviteClientOptions) (*diago.DialogClientSession, error) {
	prev := first.MediaSession()
	if prev == nil {
		return nil, errors.New("plain retry: the first INVITE had no media session")
	}
	d, err := l.dg.NewDialog(first.InviteRequest.Recipient, diago.NewDialogOptions{Transport: l.transport})
	if err != nil {
		return nil, fmt.Errorf("plain retry: create dialog: %w", err)
	}
	if dest := first.InviteRequest.Destination(); dest != "" {
		d.InviteRequest.SetDestination(dest)
	}
	if cid := first.InviteRequest.CallID(); cid != nil {
		callID := sip.CallIDHeader(cid.Value())
		d.InviteRequest.AppendHeader(&callID)
	}
	plain := &media.MediaSession{
		Codecs:     prev.Codecs,
		Laddr:      net.UDPAddr{IP: prev.Laddr.IP}, // a fresh port
		ExternalIP: prev.ExternalIP,
		Mode:       prev.Mode,
		RTPNAT:     prev.RTPNAT,
	}
	if err := plain.Init(); err != nil {
		d.Close()
		return nil, fmt.Errorf("plain retry: media session: %w", err)
	}
	d.InitMediaSession(plain, nil, nil)
	p.log.Info("far end refused SRTP; calling again without it", "account", l.acct.Name, "to", first.InviteRequest.Recipient.String())
	if err := d.Invite(ctx, opts); err != nil {
		return d, fmt.Errorf("plain retry: %w", err)
	}
	return d, nil
}

// explainSRTPRefusal adds to the call.ended of an outgoing call that the far
// end refused with 488 what was refused: a bare "Not Acceptable Here" does
// not tell the operator that encryption was the reason.
func explainSRTPRefusal(setting string, ev Event) Event {
	if ev.Code != sip.StatusNotAcceptableHere {
		return ev
	}
	switch setting {
	case config.SRTPMandatory:
		ev.Reason += fmt.Sprintf(": the far end refused our SRTP offer (RTP/SAVP, %s) and srtp = mandatory", sdesSuite)
	case config.SRTPOptional:
		ev.Reason += ": the far end refused our SRTP offer and the plain one"
	}
	return ev
}

// ErrSRTPRenegotiation: an encrypted call cannot be held, nor take a
// re-INVITE. diago v0.31.0 builds every re-offer and re-answer from a copy of
// the media session that drops the SRTP keys and setting (MediaSession.Fork),
// so the audio would go on unencrypted, or break against a peer that insists
// on SRTP. Refusing keeps the call encrypted as it was negotiated.
var ErrSRTPRenegotiation = errors.New("an SRTP call cannot be renegotiated (hold, re-INVITE) with diago v0.31.0")

// refuseSRTPRenegotiation is the error Hold returns on an encrypted call.
func (c *Call) refuseSRTPRenegotiation() error {
	c.mu.Lock()
	suite := c.srtp
	c.mu.Unlock()
	if suite == "" {
		return nil
	}
	return fmt.Errorf("call encrypted with %s: %w", suite, ErrSRTPRenegotiation)
}

// refuseSRTPReInvite answers 488 to a re-INVITE on an encrypted call (see
// ErrSRTPRenegotiation); the call goes on unchanged, as RFC 3261 14.2 says of
// a refused re-INVITE. It reports whether it answered.
func (p *Phone) refuseSRTPReInvite(account string, req *sip.Request, tx sip.ServerTransaction) bool {
	c := p.callForRequest(account, req)
	if c == nil || c.refuseSRTPRenegotiation() == nil {
		return false
	}
	p.log.Info("re-INVITE on an SRTP call refused; the call stays encrypted as it was", "call", c.ID)
	p.respondTx(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
	return true
}
