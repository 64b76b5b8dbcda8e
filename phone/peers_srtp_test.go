package phone

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/diago"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// SDES-SRTP against baresip 1.0.0 with its srtp module, direct calls on
// 127.0.0.1. We (1001) send 440 Hz, baresip (1002) 1000 Hz. Audio that
// crosses in both directions proves the keys: baresip with srtp-mand drops
// packets that do not authenticate, and so does diago.

// srtpPeers starts our phone with the given srtp setting and an
// auto-answering baresip with mediaenc (empty: plain RTP).
func srtpPeers(t *testing.T, srtp, mediaEnc string) (*Phone, *Subscription, string, *testpeer.Baresip) {
	t.Helper()
	requirePeers(t, "baresip", "sox")
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true, ToneHz: 1000,
		Codecs: []string{"PCMU"}, MediaEnc: mediaEnc})
	p, events, listen := startPhoneAccount(t, "1001", Options{}, func(a *config.Account) { a.SRTP = srtp })
	return p, events, listen, far
}

// talkAndHangUp lets both sides talk for a while, hangs up and checks that
// each heard the other's tone.
func talkAndHangUp(t *testing.T, c *Call, heard *audio.CaptureSink, far *testpeer.Baresip) {
	t.Helper()
	time.Sleep(3 * time.Second)
	c.Hangup()
	<-c.Done()
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	samples := heard.Samples()
	if f := audio.DominantFrequency(samples, 8000); f < 990 || f > 1010 || len(samples) < 2*8000 {
		t.Errorf("we heard %.0f Hz for %.1f s of 3 s, want baresip's 1000 Hz for at least 2 s", f, float64(len(samples))/8000)
	}
	freq, rms := testpeer.AnalyzeWAV(t, far.ReceivedWAV(t))
	t.Logf("baresip heard %.0f Hz at RMS %.3f", freq, rms)
	if freq < 420 || freq > 460 || rms < 0.05 {
		t.Errorf("baresip heard %.0f Hz at RMS %.3f, want our 440 Hz", freq, rms)
	}
}

// wantEncrypted checks the answered event and the SDP both sides exchanged:
// ours is RTP/SAVP with a=crypto; baresip's has a=crypto (on RTP/AVP when
// it is best-effort srtp).
func wantEncrypted(t *testing.T, answered Event, c *Call) {
	t.Helper()
	if answered.SRTP != sdesSuite {
		t.Errorf("call.answered srtp = %q, want %s", answered.SRTP, sdesSuite)
	}
	local, remote := exchangedSDP(t, c)
	for who, body := range map[string][]byte{"our": local, "baresip's": remote} {
		sec := parseSDPSecurity(body)
		if !sec.sdes() || (sec.proto != "RTP/SAVP" && !(who == "baresip's" && sec.proto == "RTP/AVP")) {
			t.Errorf("%s SDP: profile %s, crypto %v; want RTP/SAVP with %s\n%s", who, sec.proto, sec.suites, sdesSuite, body)
		}
	}
	if end := c.Ended(); end.SRTP != sdesSuite {
		t.Errorf("call.ended srtp = %q", end.SRTP)
	}
}

// srtpCases are the encrypted pairings: our setting against baresip's
// mediaenc (srtp-mand offers RTP/SAVP; srtp is best-effort SDES, RTP/AVP
// with a=crypto, which diago answers with RTP/SAVP and baresip takes).
var srtpCases = []struct{ setting, mediaEnc string }{
	{config.SRTPMandatory, "srtp-mand"},
	{config.SRTPOptional, "srtp-mand"},
	{config.SRTPMandatory, "srtp"},
}

// (1) We call baresip with SRTP: the call is encrypted and audio flows both ways.
func TestSRTPCallToBaresipSRTPMand(t *testing.T) {
	for _, tc := range srtpCases {
		t.Run(tc.setting+"-"+tc.mediaEnc, func(t *testing.T) {
			p, events, _, far := srtpPeers(t, tc.setting, tc.mediaEnc)
			heard := audio.NewCaptureSink()
			c, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: toneMedia(440, heard)})
			if err != nil {
				t.Fatal(err)
			}
			ans := next(t, events, CallAnswered)
			far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
			talkAndHangUp(t, c, heard, far)
			wantEncrypted(t, ans, c)
		})
	}
}

// (2) baresip with SRTP calls us: answered encrypted, audio both ways.
func TestSRTPCallFromBaresipSRTPMand(t *testing.T) {
	for _, tc := range srtpCases {
		t.Run(tc.setting+"-"+tc.mediaEnc, func(t *testing.T) {
			p, events, listen, far := srtpPeers(t, tc.setting, tc.mediaEnc)
			if err := far.Dial("sip:1001@" + listen); err != nil {
				t.Fatal(err)
			}
			heard := audio.NewCaptureSink()
			c := answerNext(t, p, events, toneMedia(440, heard))
			ans := next(t, events, CallAnswered)
			far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
			talkAndHangUp(t, c, heard, far)
			wantEncrypted(t, ans, c)
		})
	}
}

// (3) mandatory against a plain baresip: refused both ways, with 488 and a
// reason that names SRTP. This is also the test that fails when SRTP is
// off: a plain call would connect.
func TestSRTPMandatoryRefusesPlainBaresip(t *testing.T) {
	p, events, listen, far := srtpPeers(t, config.SRTPMandatory, "")

	c, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: toneMedia(440, nil)})
	if err != nil {
		t.Fatal(err)
	}
	end := next(t, events, CallEnded)
	t.Logf("outgoing: %s %d %s", end.Result, end.Code, end.Reason)
	if end.CallID != c.ID || end.Code != 488 || end.Result == ResultAnswered {
		t.Errorf("outgoing call to plain baresip ended %s %d %q, want refused with 488", end.Result, end.Code, end.Reason)
	}

	if err := far.Dial("sip:1001@" + listen); err != nil {
		t.Fatal(err)
	}
	end = next(t, events, CallEnded)
	t.Logf("incoming: %s %d %s", end.Result, end.Code, end.Reason)
	if end.Direction != Inbound || end.Code != 488 || end.Result != ResultRejected || !strings.Contains(end.Reason, "SRTP") {
		t.Errorf("incoming plain call ended %s %d %q, want rejected 488 naming SRTP", end.Result, end.Code, end.Reason)
	}
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
}

// (4) optional against a plain baresip: plain calls both ways, audio flows.
func TestSRTPOptionalTalksToPlainBaresip(t *testing.T) {
	p, events, listen, far := srtpPeers(t, config.SRTPOptional, "")

	heard := audio.NewCaptureSink()
	c, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: toneMedia(440, heard)})
	if err != nil {
		t.Fatal(err)
	}
	ans := next(t, events, CallAnswered)
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	if ans.SRTP != "" {
		t.Errorf("outgoing call.answered srtp = %q, want plain", ans.SRTP)
	}
	talkAndHangUp(t, c, heard, far)

	if err := far.Dial("sip:1001@" + listen); err != nil {
		t.Fatal(err)
	}
	heard = audio.NewCaptureSink()
	c = answerNext(t, p, events, toneMedia(440, heard))
	if ans := next(t, events, CallAnswered); ans.SRTP != "" {
		t.Errorf("incoming call.answered srtp = %q, want plain", ans.SRTP)
	}
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	talkAndHangUp(t, c, heard, far)
}

// exchangedSDP returns our SDP and the far end's of an answered call.
func exchangedSDP(t *testing.T, c *Call) (local, remote []byte) {
	t.Helper()
	c.mu.Lock()
	d := c.dialog
	c.mu.Unlock()
	switch d := d.(type) {
	case *diago.DialogClientSession:
		return d.InviteRequest.Body(), d.InviteResponse.Body()
	case *diago.DialogServerSession:
		return d.InviteResponse.Body(), d.InviteRequest.Body()
	}
	t.Fatalf("call %s has no dialog (%T)", c.ID, d)
	return nil, nil
}

// baresip srtp-mandf (RTP/SAVPF) cannot be answered by diago v0.31.0, and
// it refuses our RTP/SAVP: refused both ways, whatever our setting.
func TestSRTPBaresipSAVPFRefused(t *testing.T) {
	p, events, listen, far := srtpPeers(t, config.SRTPMandatory, "srtp-mandf")
	if _, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: toneMedia(440, nil)}); err != nil {
		t.Fatal(err)
	}
	if end := next(t, events, CallEnded); end.Code != 488 {
		t.Errorf("outgoing call to srtp-mandf ended %s %d %q, want 488", end.Result, end.Code, end.Reason)
	}
	if err := far.Dial("sip:1001@" + listen); err != nil {
		t.Fatal(err)
	}
	if end := next(t, events, CallEnded); end.Code != 488 || !strings.Contains(end.Reason, "RTP/SAVPF") {
		t.Errorf("incoming call from srtp-mandf ended %s %d %q, want 488 naming RTP/SAVPF", end.Result, end.Code, end.Reason)
	}
}

// Hold and re-INVITEs would lose the encryption (diago v0.31.0 re-offers
// from a media session without the keys; seen against best-effort baresip,
// which took the plain re-offer): our Hold is refused, baresip's hold and
// resume re-INVITEs are answered 488, and the call talks on, encrypted.
func TestSRTPCallRefusesRenegotiation(t *testing.T) {
	p, events, _, far := srtpPeers(t, config.SRTPMandatory, "srtp")
	heard := audio.NewCaptureSink()
	c, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: toneMedia(440, heard)})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Hold(ctx); !errors.Is(err, ErrSRTPRenegotiation) {
		t.Errorf("Hold on an SRTP call: %v, want ErrSRTPRenegotiation", err)
	}
	if _, err := far.Command("hold", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the re-INVITE and its answer
	if c.RemoteHeld() {
		t.Error("the call is remote-held after a refused re-INVITE")
	}
	if _, err := far.Command("resume", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	// baresip goes quiet once it asked for hold, refused or not, until it
	// resumes (also refused); its recording is never finished then. What we
	// hear after that is the proof that it still sends SRTP we decrypt.
	before := len(heard.Samples())
	time.Sleep(3 * time.Second)
	after := heard.Samples()[before:]
	if f := audio.DominantFrequency(after, 8000); f < 990 || f > 1010 || len(after) < 2*8000 {
		t.Errorf("after the refusals we heard %.0f Hz for %.1f s, want baresip's 1000 Hz for at least 2 s", f, float64(len(after))/8000)
	}
	c.mu.Lock()
	d := c.dialog
	c.mu.Unlock()
	if secure := d.Media().MediaSession().SecureRTP; secure != 1 {
		t.Errorf("media session after the refused re-INVITEs has SecureRTP %d, want 1", secure)
	}
	c.Hangup()
	<-c.Done()
}
