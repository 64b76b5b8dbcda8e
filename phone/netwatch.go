package phone

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// A laptop changes networks (Wi-Fi to cable, VPN up, DHCP lease renewed with
// another address) and a registrar keeps sending calls to the old Contact
// until the binding expires, which can be an hour. Like baresip's net module,
// the watcher polls the local addresses and the route to each registrar and
// makes the account re-register at once when the address that reaches the
// registrar changes, disappears or comes back. Polling is a few syscalls every
// couple of seconds; netlink subscriptions would save little and cost
// portability.

// defaultNetPoll is how often the watcher looks at the addresses.
const defaultNetPoll = 2 * time.Second

// addrSource is what the watcher asks of the system; tests give a fake.
type addrSource interface {
	// LocalAddrs lists the addresses of the interfaces that are up.
	LocalAddrs() ([]netip.Addr, error)
	// RouteFrom is the local address the kernel would send from to reach dst.
	RouteFrom(dst netip.AddrPort) (netip.Addr, error)
}

// systemAddrs reads the host's interfaces and routing table.
type systemAddrs struct{}

func (systemAddrs) LocalAddrs() ([]netip.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		// An interface set down keeps its addresses but carries nothing.
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue // it went away between the two calls
		}
		for _, a := range addrs {
			if pfx, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, pfx.Addr().Unmap())
			}
		}
	}
	return out, nil
}

// RouteFrom "connects" a UDP socket, which sends nothing but makes the kernel
// pick the route and the source address.
func (systemAddrs) RouteFrom(dst netip.AddrPort) (netip.Addr, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// localAddr is the address an account is reached at right now; the Contact of
// an account that listens on 0.0.0.0 follows it.
type localAddr struct {
	mu   sync.Mutex
	addr netip.Addr
}

func (a *localAddr) get() netip.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}

func (a *localAddr) set(v netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.addr = v
}

// contactHost is the host of our Contact: the listen address, or for a
// wildcard listener the address that currently reaches the registrar (a
// Contact of 0.0.0.0 would be unreachable).
func (l *line) contactHost() string {
	if ip, err := netip.ParseAddr(l.bindHost); err == nil && ip.IsUnspecified() {
		if cur := l.netAddr.get(); cur.IsValid() {
			return cur.String()
		}
	}
	return l.bindHost
}

// udpSocketAddr is how sipgo names our listening UDP socket in its pool: a
// wildcard listener is one dual-stack socket, "[::]:port", whatever the
// configuration wrote. Asking for "0.0.0.0:port" finds nothing and makes
// sipgo bind the port a second time (EADDRINUSE).
func udpSocketAddr(host string, port int) string {
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "::"
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// netTarget is one registering account as the watcher sees it.
type netTarget struct {
	account   string
	registrar string     // host:port
	bind      netip.Addr // listen address; unspecified for 0.0.0.0
	cur       *localAddr // updated by the watcher
	kick      func()     // re-register now

	resolved netip.AddrPort // the registrar's address, resolved once
	known    bool           // cur holds a first observation
}

// netWatcher polls addresses and routes; see the comment at the top.
type netWatcher struct {
	src     addrSource
	every   time.Duration
	publish func(Event)
	log     *slog.Logger
	targets []*netTarget

	mu     sync.Mutex
	addrs  map[netip.Addr]bool // the last snapshot of local addresses
	polled bool
}

func newNetWatcher(src addrSource, every time.Duration, publish func(Event), log *slog.Logger) *netWatcher {
	if every <= 0 {
		every = defaultNetPoll
	}
	return &netWatcher{src: src, every: every, publish: publish, log: log, addrs: map[netip.Addr]bool{}}
}

// watchLine adds an account whose registration follows the network.
func (w *netWatcher) watchLine(l *line, kick func()) {
	bind, err := netip.ParseAddr(l.bindHost)
	if err != nil {
		bind = netip.IPv4Unspecified() // a host name listens wherever it resolves
	}
	w.targets = append(w.targets, &netTarget{
		account: l.acct.Name, registrar: l.registrarAddr(), bind: bind.Unmap(), cur: &l.netAddr, kick: kick,
	})
}

// run polls until ctx ends. Start polls once before the first REGISTER, so
// that a wildcard listener's Contact is usable from the start.
func (w *netWatcher) run(ctx context.Context) {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.poll()
	}
}

// poll takes one snapshot and reports every account whose address changed.
func (w *netWatcher) poll() {
	list, err := w.src.LocalAddrs()
	if err != nil {
		w.log.Debug("network watch: local addresses", "error", err)
		return
	}
	addrs := make(map[netip.Addr]bool, len(list))
	for _, a := range list {
		addrs[a] = true
	}
	w.mu.Lock()
	w.addrs, w.polled = addrs, true
	w.mu.Unlock()
	for _, t := range w.targets {
		w.check(t, addrs)
	}
}

// check compares the target's address with what it was: the route's source
// address for a wildcard listener, the listen address itself otherwise (as
// long as it exists and the registrar is routable).
func (w *netWatcher) check(t *netTarget, addrs map[netip.Addr]bool) {
	now := netip.Addr{}
	if dst, err := w.resolve(t); err == nil {
		if src, err := w.src.RouteFrom(dst); err == nil {
			switch {
			case t.bind.IsUnspecified():
				now = src
			case addrs[t.bind] || t.bind.IsLoopback():
				now = t.bind
			}
		}
	}
	old := t.cur.get()
	if t.known && old == now {
		return
	}
	t.cur.set(now)
	if !t.known {
		t.known = true
		return // the first look is the baseline, not a change
	}
	ev := Event{Kind: NetChanged, Time: time.Now(), Account: t.account, Registrar: t.registrar,
		Reason: netChangeReason(old, now, t.registrar)}
	if old.IsValid() {
		ev.PrevLocalAddr = old.String()
	}
	if now.IsValid() {
		ev.LocalAddr = now.String()
	}
	w.log.Info("network changed", "account", t.account, "old", ev.PrevLocalAddr, "new", ev.LocalAddr)
	w.publish(ev)
	t.kick()
}

func netChangeReason(old, now netip.Addr, registrar string) string {
	switch {
	case !now.IsValid():
		return fmt.Sprintf("local address %s gone: no route to registrar %s (network down?)", old, registrar)
	case !old.IsValid():
		return fmt.Sprintf("network back: registrar %s reachable from %s", registrar, now)
	}
	return fmt.Sprintf("local address changed from %s to %s", old, now)
}

// resolve looks the registrar up once; a name that does not resolve is tried
// again at the next poll (DNS being down is part of a network drop).
func (w *netWatcher) resolve(t *netTarget) (netip.AddrPort, error) {
	if t.resolved.IsValid() {
		return t.resolved, nil
	}
	ua, err := net.ResolveUDPAddr("udp", t.registrar)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("resolve registrar %s: %w", t.registrar, err)
	}
	ap := ua.AddrPort()
	t.resolved = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	return t.resolved, nil
}

// present tells whether ip is one of the machine's addresses; known is false
// before the first poll. An unspecified address cannot go away. Any loopback
// address counts as present while the loopback interface is up: Linux
// answers on all of 127/8 but lists only 127.0.0.1.
func (w *netWatcher) present(ip netip.Addr) (present, known bool) {
	if !ip.IsValid() || ip.IsUnspecified() {
		return true, true
	}
	ip = ip.Unmap()
	w.mu.Lock()
	defer w.mu.Unlock()
	if ip.IsLoopback() {
		for a := range w.addrs {
			if a.IsLoopback() && a.Is4() == ip.Is4() {
				return true, w.polled
			}
		}
	}
	return w.addrs[ip], w.polled
}
