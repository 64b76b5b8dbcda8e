package testpeer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Network namespaces give a test a network of its own to break: addresses
// that change and links that go down, which the host's network must never
// see. Everything is created under names unique to the test process and
// removed in t.Cleanup, also when the test fails half way.

// NetNS is a network namespace created for one test.
type NetNS struct {
	Name string
	t    testing.TB
}

// RequireNetNS skips the test unless it runs as root with a working
// `ip netns` (containers without CAP_SYS_ADMIN have neither).
func RequireNetNS(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("network namespace test; skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	Require(t, "ip")
	probe := fmt.Sprintf("sbprobe%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("ip netns unavailable: %v: %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
}

// NewNetNS creates a namespace with its loopback up; it is deleted (with
// every interface in it) in t.Cleanup.
func NewNetNS(t testing.TB, suffix string) *NetNS {
	t.Helper()
	ns := &NetNS{Name: fmt.Sprintf("sb%d%s", os.Getpid(), suffix), t: t}
	if out, err := exec.Command("ip", "netns", "add", ns.Name).CombinedOutput(); err != nil {
		t.Fatalf("testpeer: ip netns add %s: %v: %s", ns.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("testpeer: ip netns del %s: %v: %s", ns.Name, err, out)
		}
	})
	ns.IP("link", "set", "lo", "up")
	return ns
}

// IP runs `ip ARGS` inside the namespace and fails the test on an error.
func (ns *NetNS) IP(args ...string) {
	ns.t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
	if err != nil {
		ns.t.Fatalf("testpeer: ip -n %s %s: %v: %s", ns.Name, strings.Join(args, " "), err, out)
	}
}

// Sysctl sets a kernel setting inside the namespace.
func (ns *NetNS) Sysctl(key, value string) {
	ns.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns.Name, "sysctl", "-qw", key+"="+value).CombinedOutput()
	if err != nil {
		ns.t.Fatalf("testpeer: sysctl %s in %s: %v: %s", key, ns.Name, err, out)
	}
}

// Exec is the command prefix that runs a program inside the namespace.
func (ns *NetNS) Exec() []string { return []string{"ip", "netns", "exec", ns.Name} }

// LinkVeth joins two namespaces with a veth pair named NAME in a and PEER in
// b (interface names: at most 15 bytes), both up, with the given addresses
// in CIDR notation. Deleting either namespace removes the pair.
func LinkVeth(t testing.TB, a *NetNS, name, addrA string, b *NetNS, peer, addrB string) {
	t.Helper()
	out, err := exec.Command("ip", "link", "add", name, "netns", a.Name, "type", "veth",
		"peer", "name", peer, "netns", b.Name).CombinedOutput()
	if err != nil {
		t.Fatalf("testpeer: veth %s/%s: %v: %s", name, peer, err, out)
	}
	a.IP("addr", "add", addrA, "dev", name)
	b.IP("addr", "add", addrB, "dev", peer)
	a.IP("link", "set", name, "up")
	b.IP("link", "set", peer, "up")
}

// StartKamailioInNetNS runs the usual test registrar (no authentication)
// inside ns, listening on host (an address of ns) at port 5060 for UDP and
// TCP and 5061 for TLS. Registered works as for StartKamailio: the control
// socket is a file, reachable from outside the namespace.
func StartKamailioInNetNS(t testing.TB, ns *NetNS, host string) *Kamailio {
	t.Helper()
	Require(t, "kamailio", "kamcmd")
	k, err := prepareKamailio(t, KamailioOptions{NoAuth: true})
	if err != nil {
		t.Fatalf("testpeer: prepare kamailio: %v", err)
	}
	cfg, err := os.ReadFile(k.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	// The template listens on 127.0.0.1 only; move the listeners, nothing else.
	text := string(cfg)
	for _, l := range []struct {
		proto    string
		from, to int
	}{
		{"udp", k.UDPPort, 5060}, {"tcp", k.TCPPort, 5060}, {"tls", k.TLSPort, 5061}} {
		old := fmt.Sprintf("listen=%s:%s:%d", l.proto, loopback, l.from)
		if !strings.Contains(text, old) {
			t.Fatalf("testpeer: kamailio config has no %q", old)
		}
		text = strings.Replace(text, old, fmt.Sprintf("listen=%s:%s:%d", l.proto, host, l.to), 1)
	}
	k.UDPPort, k.TCPPort, k.TLSPort = 5060, 5060, 5061
	if err := os.WriteFile(k.ConfigPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(k.dir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	proc, err := startProcess(processSpec{
		Name:    "kamailio",
		Binary:  "ip",
		Args:    append(ns.Exec()[1:], "kamailio", "-f", k.ConfigPath, "-DD", "-E", "-Y", runDir, "-m", "64", "-M", "8"),
		Dir:     k.dir,
		LogPath: k.LogPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	k.proc = proc
	k.mu.Unlock()
	t.Cleanup(k.Stop)
	// Ready once the control socket answers (the UDP probe of StartKamailio
	// would run outside the namespace).
	deadline := time.Now().Add(kamailioReadyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := exec.CommandContext(ctx, "kamcmd", "-s", "unix:"+k.ctlSocket, "core.uptime").Run()
		cancel()
		if err == nil {
			return k
		}
		if proc.Exited() || time.Now().After(deadline) {
			t.Fatalf("testpeer: kamailio in %s not ready: %v\nlog %s:\n%s", ns.Name, err, k.LogPath, tailFile(k.LogPath, 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
