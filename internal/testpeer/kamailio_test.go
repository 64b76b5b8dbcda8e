package testpeer

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestKamailioAnswersOptions(t *testing.T) {
	k := StartKamailio(t, KamailioOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	status, err := ProbeOptionsUDP(ctx, k.Addr("udp"))
	if err != nil {
		t.Fatalf("OPTIONS: %v (log %s)", err, k.LogPath)
	}
	if !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS status %q, want 200 (log %s)", status, k.LogPath)
	}
	if got := k.Registered("1001"); len(got) != 0 {
		t.Fatalf("fresh registrar has bindings for 1001: %v", got)
	}
}

func TestKamailioRestartKeepsPortsAndDropsRegistrations(t *testing.T) {
	k := StartKamailio(t, KamailioOptions{})
	phone := StartBaresip(t, BaresipOptions{User: "1001", Password: "secret1001", Registrar: k.Addr("udp")})
	if got := k.Registered("sip:1001@127.0.0.1"); len(got) != 1 {
		t.Fatalf("bindings before restart = %v, want one (log %s, phone log %s)", got, k.LogPath, phone.LogPath)
	}
	udp, tcp, tls, pid := k.UDPPort, k.TCPPort, k.TLSPort, k.PID()

	started := time.Now()
	k.Restart()
	t.Logf("restart took %v", time.Since(started))

	if k.UDPPort != udp || k.TCPPort != tcp || k.TLSPort != tls {
		t.Fatalf("ports changed across restart")
	}
	if k.PID() == pid {
		t.Fatalf("restart kept the same pid %d", pid)
	}
	if processAlive(pid) {
		t.Fatalf("old kamailio %d still alive", pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if status, err := ProbeOptionsUDP(ctx, k.Addr("udp")); err != nil || !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS after restart: %q, %v", status, err)
	}
	if got := k.Registered("1001"); len(got) != 0 {
		t.Fatalf("bindings after restart = %v, want none (state is in memory)", got)
	}
}

func TestKamailioRegistersOverTCP(t *testing.T) {
	k := StartKamailio(t, KamailioOptions{})
	StartBaresip(t, BaresipOptions{User: "1002", Password: "secret1002", Registrar: k.Addr("tcp"), Transport: "tcp"})
	contacts := k.Registered("1002")
	if len(contacts) != 1 || !strings.Contains(contacts[0], "transport=tcp") {
		t.Fatalf("tcp bindings = %v, want one with transport=tcp (log %s)", contacts, k.LogPath)
	}
}
