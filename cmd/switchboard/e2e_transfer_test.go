package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// `dial 1002 --transfer-to 1003`: we call baresip 1002 through Kamailio and
// hand it over to baresip 1003; the command exits 0 once transferred, and
// 1003 hears 1002's tone.
func TestDialTransferTo(t *testing.T) {
	requirePeers(t, "kamailio", "baresip", "sox")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	from := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 1000})
	to := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 600})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})

	code, out, errText := runSB(t, 40*time.Second, "--config", cfg, "dial", "1002",
		"--transfer-to", "1003", "--transfer-after", "500ms", "--json")
	if code != exitOK {
		t.Fatalf("dial --transfer-to: exit %d\n%v\n%s", code, out, errText)
	}
	evs := parseEvents(t, out)
	kinds := eventKinds(evs)
	for _, want := range []string{"call.answered", "call.held", "call.transferring", "call.transferred", "call.ended"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("events %v lack %s", kinds, want)
		}
	}
	if last := evs[len(evs)-1]; last.Result != "transferred" {
		t.Errorf("call.ended result %q, want transferred", last.Result)
	}
	to.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	time.Sleep(2 * time.Second)
	if err := from.Hangup(); err != nil {
		t.Fatal(err)
	}
	to.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	assertPeerHeard(t, to, 1000)
}

// A transfer the far end cannot complete (the target does not exist): exit
// code 5 and the reason on stderr.
func TestDialTransferToFails(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})
	code, out, errText := runSB(t, 40*time.Second, "--config", cfg, "dial", "1002",
		"--transfer-to", "1009", "--transfer-after", "300ms", "--json")
	if code != exitRejected {
		t.Fatalf("dial --transfer-to an unknown number: exit %d, want %d\n%v\n%s", code, exitRejected, out, errText)
	}
	kinds := eventKinds(parseEvents(t, out))
	if !slices.Contains(kinds, "call.transfer_failed") || !slices.Contains(kinds, "call.resumed") {
		t.Errorf("events %v, want call.transfer_failed and call.resumed", kinds)
	}
	t.Logf("stderr: %s", errText)
}

// `dial 1002 --dtmf 123#`: baresip reports the four digits, in order.
func TestDialDTMFReachesBaresip(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})
	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "dial", "1002",
		"--dtmf", "123#", "--dtmf-delay", "300ms", "--hangup-after", "3s", "--json")
	if code != exitOK {
		t.Fatalf("dial --dtmf: exit %d\n%v\n%s", code, out, errText)
	}
	var heard string
	for range 4 {
		ev := far.WaitEvent(t, "CALL_DTMF_START", 5*time.Second)
		heard += fmt.Sprint(ev["param"])
	}
	if heard != "123#" {
		t.Errorf("baresip heard %q, want 123#", heard)
	}
}
