package ui_test

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/phone"
)

// A flood shows as a notice naming the source; more security events while
// one waits replace it rather than pile up behind it.
func TestSecurityEventsShowAsOneNotice(t *testing.T) {
	h := newHarness(t, 100, 24)
	h.send(phone.Event{Kind: phone.RegOK, Account: "work"}) // no notice
	flood := func(source string, count int) func(*phone.Event) {
		return func(ev *phone.Event) { ev.Source, ev.Method, ev.Count, ev.Code = source, "INVITE", count, 503 }
	}
	h.event(phone.SecurityRateLimited, "", flood("203.0.113.5", 1))
	text, isErr := h.root().Toast()
	if !strings.Contains(text, "203.0.113.5") || !strings.Contains(text, "1 INVITE") || !isErr {
		t.Fatalf("footer %q (error %t), want the flood's source and count", text, isErr)
	}
	for i := range 50 {
		h.event(phone.SecurityRateLimited, "", flood("198.51.100."+string(rune('0'+i%10)), 2))
	}
	h.event(phone.SecurityRejected, "", func(ev *phone.Event) { ev.Source, ev.Method, ev.Count = "192.0.2.9", "INVITE", 1 })
	if view := asciiView(t, h); !strings.Contains(view, "(+1 more)") {
		t.Errorf("after 52 security events the footer says otherwise than one more waiting:\n%s", view)
	}
}
