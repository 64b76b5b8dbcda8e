package phone

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/config"
)

// sdpOffer builds an audio offer with the given profile and crypto lines.
func sdpOffer(proto string, crypto ...string) []byte {
	lines := []string{"v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		"m=audio 10000 " + proto + " 0 101", "a=rtpmap:0 PCMU/8000"}
	for i, suite := range crypto {
		lines = append(lines, "a=crypto:"+string(rune('1'+i))+" "+suite+" inline:AAAA")
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestParseSDPSecurityOnlyAudio(t *testing.T) {
	body := append(sdpOffer("RTP/SAVP", "AES_CM_128_HMAC_SHA1_32", sdesSuite),
		[]byte("m=video 10002 RTP/AVP 96\r\na=crypto:9 AES_256_CM_HMAC_SHA1_80 inline:BBBB\r\n")...)
	sec := parseSDPSecurity(body)
	if sec.proto != "RTP/SAVP" || len(sec.suites) != 2 || !sec.sdes() {
		t.Errorf("got %+v, want RTP/SAVP with the two audio suites", sec)
	}
	if sec := parseSDPSecurity(nil); sec.proto != "" || sec.sdes() {
		t.Errorf("empty body: %+v", sec)
	}
}

func TestRefuseOffer(t *testing.T) {
	for _, tc := range []struct {
		setting string
		offer   []byte
		refused bool
	}{
		{config.SRTPMandatory, sdpOffer("RTP/AVP"), true},
		{config.SRTPMandatory, sdpOffer("RTP/SAVP", sdesSuite), false},
		{config.SRTPMandatory, sdpOffer("RTP/AVP", sdesSuite), false}, // best-effort SDES
		{config.SRTPMandatory, sdpOffer("RTP/SAVP", "AES_CM_128_HMAC_SHA1_32"), true},
		{config.SRTPMandatory, sdpOffer("RTP/SAVPF", sdesSuite), true},
		{config.SRTPMandatory, nil, false}, // no offer: judged at the answer
		{config.SRTPOptional, sdpOffer("RTP/AVP"), false},
		{config.SRTPOptional, sdpOffer("RTP/SAVP", sdesSuite), false},
		{config.SRTPOptional, sdpOffer("UDP/TLS/RTP/SAVP"), true},
		{config.SRTPOff, sdpOffer("RTP/AVP", sdesSuite), false}, // crypto ignored: plain
		{config.SRTPOff, sdpOffer("RTP/SAVP", sdesSuite), true},
		{"", sdpOffer("RTP/AVP"), false},
	} {
		code, reason := refuseOffer(tc.setting, tc.offer)
		if refused := code != 0; refused != tc.refused || (refused && code != 488) {
			sec := parseSDPSecurity(tc.offer)
			t.Errorf("srtp=%q offer %s %v: code %d (%s), want refused %v", tc.setting, sec.proto, sec.suites, code, reason, tc.refused)
		}
	}
}

func TestMediaSRTPSetting(t *testing.T) {
	for setting, want := range map[string]int{config.SRTPOff: 0, "": 0, config.SRTPOptional: 1, config.SRTPMandatory: 1} {
		if got := mediaSRTP(setting); got != want {
			t.Errorf("mediaSRTP(%q) = %d, want %d", setting, got, want)
		}
	}
}
