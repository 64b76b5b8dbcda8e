package phone

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

// The body we send is the dtmf-relay form our own receiver (and Cisco,
// Asterisk, FreeSWITCH) reads, for every key.
func TestInfoDTMFBody(t *testing.T) {
	if got, want := string(infoDTMFBody('5', 160*time.Millisecond)), "Signal=5\r\nDuration=160\r\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	for _, key := range "0123456789*#ABCD" {
		got, err := parseInfoDTMF(contentDTMFRelay, infoDTMFBody(key, infoDTMFDuration))
		if err != nil || got != key {
			t.Errorf("key %q: read back as %q, %v", key, got, err)
		}
	}
}

func TestDTMFMethodFor(t *testing.T) {
	cases := []struct {
		configured     string
		telephoneEvent bool
		want           string
	}{
		{config.DTMFAuto, true, DTMFMethodRFC4733},
		{config.DTMFAuto, false, DTMFMethodInfo},
		{"", true, DTMFMethodRFC4733}, // accounts built without config defaults
		{"", false, DTMFMethodInfo},
		{config.DTMFInfo, true, DTMFMethodInfo},
		{config.DTMFRFC4733, false, DTMFMethodRFC4733},
	}
	for _, tc := range cases {
		if got := dtmfMethodFor(tc.configured, tc.telephoneEvent); got != tc.want {
			t.Errorf("dtmfMethodFor(%q, telephone-event %v) = %q, want %q", tc.configured, tc.telephoneEvent, got, tc.want)
		}
	}
}
