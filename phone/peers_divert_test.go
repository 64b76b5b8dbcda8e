package phone

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// baresip calls us while we are in do-not-disturb: it is told 486.
func TestBaresipCallsUsInDND(t *testing.T) {
	requirePeers(t, "baresip")
	caller := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003"})
	_, events, listen := startPhoneAccount(t, "1001", Options{}, func(a *config.Account) { a.DND = true })
	if err := caller.Dial("sip:1001@" + listen); err != nil {
		t.Fatal(err)
	}
	closed := caller.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	if param := fmt.Sprint(closed["param"]); !strings.Contains(param, "486") {
		t.Errorf("baresip's call closed with %q, want 486 Busy Here", param)
	}
	if end := next(t, events, CallEnded); end.Code != 486 || end.Reason != "do not disturb" {
		t.Errorf("we recorded %d %q, want 486 do not disturb", end.Code, end.Reason)
	}
}

// baresip calls us while we forward to baresip 1002: our 302 sends it
// there, and 1002 answers.
func TestBaresipCallsUsForwarded(t *testing.T) {
	requirePeers(t, "baresip")
	target := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
	caller := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003"})
	_, events, listen := startPhoneAccount(t, "1001", Options{}, func(a *config.Account) { a.ForwardTo = target.URI() })
	if err := caller.Dial("sip:1001@" + listen); err != nil {
		t.Fatal(err)
	}
	if end := next(t, events, CallEnded); end.Code != 302 || end.TransferTarget != target.URI() {
		t.Errorf("we recorded %d to %q, want 302 to %s", end.Code, end.TransferTarget, target.URI())
	}
	target.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	caller.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
}
