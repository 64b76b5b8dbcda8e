package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

func listenAddr(t *testing.T, network string) string {
	return fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t, network))
}

func TestRegisterOnEachTransport(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) {
			network := "udp"
			if transport != "udp" {
				network = "tcp"
			}
			acct := account{Name: "desk", User: "1001", Password: "secret1001", Registrar: k.Addr(transport),
				Transport: transport, Listen: listenAddr(t, network)}
			if transport == "tls" {
				acct.CAFile = k.CAFile
			}
			cfg := testConfig(t, "", acct)
			code, out, errText := runSB(t, 20*time.Second, "--config", cfg, "register", "--json")
			if code != exitOK {
				t.Fatalf("register over %s: exit %d, want 0\n%s\n%s", transport, code, strings.Join(out, "\n"), errText)
			}
			kinds := eventKinds(parseEvents(t, out))
			if !slices.Equal(kinds, []string{"reg.ok", "reg.unregistered"}) {
				t.Errorf("events %v, want [reg.ok reg.unregistered]", kinds)
			}
			if strings.Contains(strings.Join(out, "")+errText, "secret1001") {
				t.Error("the password appears in the output")
			}
		})
	}
}

func TestRegisterWrongPasswordExits6(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "not-the-password",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})
	code, out, errText := runSB(t, 20*time.Second, "--config", cfg, "register", "--json")
	if code != exitAuth {
		t.Fatalf("exit %d, want %d (authentication failed)\n%s\n%s", code, exitAuth, out, errText)
	}
	evs := parseEvents(t, out)
	if len(evs) != 1 || evs[0].Event != "reg.failed" || evs[0].Code != 401 {
		t.Errorf("events %+v, want one reg.failed with code 401", evs)
	}
	if !strings.Contains(errText, "authentication failed") || strings.Contains(errText+strings.Join(out, ""), "not-the-password") {
		t.Errorf("stderr should explain the failure without the password: %q", errText)
	}
}

func TestRegisterUnreachableRegistrarExits1(t *testing.T) {
	requirePeers(t)
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			network := map[string]string{"udp": "udp", "tcp": "tcp"}[transport]
			nobody := listenAddr(t, network) // a free port: nothing answers there
			cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "x", Registrar: nobody,
				Transport: transport, Listen: listenAddr(t, network)})
			code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "register")
			if code != exitRuntime {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRuntime, out, errText)
			}
			if strings.Contains(errText, "panic") || !strings.Contains(errText, "unreachable") {
				t.Errorf("stderr should say the registrar is unreachable, without a panic: %q", errText)
			}
		})
	}
}

// A registrar that goes away and comes back (losing every binding, as Kamailio's
// in-memory location table does) must see us registered again.
func TestReRegistersAfterRegistrarRestart(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp"), Register: true,
		Extra: "retry_interval = \"1s\"\nkeepalive = \"1s\""})
	sb := startSB(t, "--config", cfg)
	sb.waitLine("registered at", 10*time.Second)
	if got := k.Registered("1001"); len(got) != 1 {
		t.Fatalf("bindings after start: %v, want ours", got)
	}

	k.Stop()
	sb.waitLine("registration failed", 15*time.Second)
	// The restarted registrar starts with an empty location table (the phone
	// may already be back in it by the time we could look, so we do not).
	k.Restart()
	// One retry interval (1 s, doubled at most a few times while it was down) plus
	// the REGISTER exchange.
	sb.waitLine("registered at", 15*time.Second)
	if got := k.Registered("1001"); len(got) != 1 {
		t.Fatalf("bindings after the restart: %v, want ours again", got)
	}
	sb.interrupt()
	if code := sb.wait(15 * time.Second); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
	if got := k.Registered("1001"); len(got) != 0 {
		t.Errorf("bindings after exit: %v, want none", got)
	}
}

// On exit we remove our own Contact, never "*": the user's desk phone stays.
func TestUnregisterKeepsOtherDevices(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	desk := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1001", Password: "secret1001", Registrar: k.Addr("udp")})
	before := k.Registered("1001")
	if len(before) != 1 {
		t.Fatalf("desk phone bindings: %v", before)
	}
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})
	if code, out, errText := runSB(t, 20*time.Second, "--config", cfg, "register"); code != exitOK {
		t.Fatalf("register: exit %d\n%s\n%s", code, out, errText)
	}
	after := k.Registered("1001")
	if !slices.Equal(after, before) {
		t.Errorf("bindings after our unregister: %v, want the desk phone's %v untouched", after, before)
	}
	_ = desk
}
