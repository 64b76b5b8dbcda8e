package main

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// A real network change, in two network namespaces this test creates and
// removes, joined by a veth pair (the 10.77.0.x addresses exist only in
// them; nothing leaves the machine): Kamailio in one at 10.77.0.1, switchboard in the other listening on
// 0.0.0.0 with 10.77.0.2. The binding is granted for an hour, so every new
// REGISTER below comes from the network watcher, not from a refresh.
//   - The address changes to 10.77.0.3: the console says so, Kamailio
//     holds the new Contact and not the old one, and a call answered then
//     offers media on the new address.
//   - The link goes down: the console says the address is gone and the
//     registration fails.
//   - The link comes back: switchboard registers again at once, not after
//     the back-off (retry_interval is a minute here).
func TestNetworkChangeInNamespace(t *testing.T) {
	testpeer.RequireNetNS(t)
	requirePeers(t, "kamailio")
	reg := testpeer.NewNetNS(t, "r")
	ph := testpeer.NewNetNS(t, "p")
	link := "sbnc" + ph.Name[2:] // unique per test process, at most 15 bytes
	if len(link) > 14 {
		link = link[:14]
	}
	testpeer.LinkVeth(t, ph, link+"p", "10.77.0.2/24", reg, link+"r", "10.77.0.1/24")
	// Removing the first address of a subnet removes the others too, unless
	// secondaries are promoted: a DHCP renumbering does the same.
	ph.Sysctl("net.ipv4.conf."+link+"p.promote_secondaries", "1")
	k := testpeer.StartKamailioInNetNS(t, reg, "10.77.0.1")

	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Registrar: "10.77.0.1:5060",
		Listen: "0.0.0.0:5070", Register: true, AutoAnswer: true,
		Extra: "expires = \"3600s\"\nretry_interval = \"60s\"\nkeepalive = \"0s\""})
	sb := startSBWrapped(t, ph.Exec(), nil, "--config", cfg)
	sb.waitLine("registered at", 10*time.Second)
	if got := k.Registered("1001"); len(got) != 1 || got[0] != "sip:1001@10.77.0.2:5070" {
		t.Fatalf("bindings after start: %v, want [sip:1001@10.77.0.2:5070]", got)
	}

	ph.IP("addr", "add", "10.77.0.3/24", "dev", link+"p")
	ph.IP("addr", "del", "10.77.0.2/24", "dev", link+"p")
	sb.waitLine("network changed: local address changed from 10.77.0.2 to 10.77.0.3", 10*time.Second)
	sb.waitLine("registered at", 10*time.Second)
	if got := k.Registered("1001"); len(got) != 1 || got[0] != "sip:1001@10.77.0.3:5070" {
		t.Fatalf("bindings after the address change: %v, want only [sip:1001@10.77.0.3:5070]", got)
	}
	// A call taken after the change must offer the new address for media:
	// the old one is gone, and a stale c= line means one-way audio.
	if got := callInNetNS(t, reg, "10.77.0.1", "1001"); got != "10.77.0.3" {
		t.Fatalf("SDP c= address of a call answered after the change: %s, want 10.77.0.3", got)
	}

	ph.IP("link", "set", link+"p", "down")
	sb.waitLine("network changed: local address 10.77.0.3 gone", 10*time.Second)
	sb.waitLine("registration failed", 10*time.Second)
	time.Sleep(3 * time.Second) // down for a while
	ph.IP("link", "set", link+"p", "up")
	sb.waitLine("network changed: network back", 10*time.Second)
	sb.waitLine("registered at", 10*time.Second)
	if got := k.Registered("1001"); len(got) != 1 || got[0] != "sip:1001@10.77.0.3:5070" {
		t.Fatalf("bindings after the link came back: %v, want [sip:1001@10.77.0.3:5070]", got)
	}
	sb.interrupt()
	if code := sb.wait(15 * time.Second); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
}
