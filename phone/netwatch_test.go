package phone

import (
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// fakeAddrs is an addrSource whose addresses and route the test sets.
type fakeAddrs struct {
	mu    sync.Mutex
	addrs []netip.Addr
	route netip.Addr // invalid: no route
}

func newFakeAddrs(route string, addrs ...string) *fakeAddrs {
	f := &fakeAddrs{}
	f.set(route, addrs...)
	return f
}

func (f *fakeAddrs) set(route string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.route = netip.Addr{}
	if route != "" {
		f.route = netip.MustParseAddr(route)
	}
	f.addrs = f.addrs[:0]
	for _, a := range addrs {
		f.addrs = append(f.addrs, netip.MustParseAddr(a))
	}
}

func (f *fakeAddrs) LocalAddrs() ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]netip.Addr(nil), f.addrs...), nil
}

func (f *fakeAddrs) RouteFrom(netip.AddrPort) (netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.route.IsValid() {
		return netip.Addr{}, errors.New("network is unreachable")
	}
	return f.route, nil
}

// watchFixture is a watcher over one fake account line.
type watchFixture struct {
	w      *netWatcher
	l      *line
	events []Event
	kicks  int
}

func newWatchFixture(t *testing.T, src addrSource, listen string) *watchFixture {
	t.Helper()
	f := &watchFixture{l: &line{bindHost: listen, bindPort: 5070, transport: "udp"}}
	f.l.acct.Name, f.l.acct.User, f.l.acct.Registrar = "work", "1001", "10.77.0.1:5060"
	f.w = newNetWatcher(src, 0, func(ev Event) { f.events = append(f.events, ev) }, slog.New(slog.DiscardHandler))
	f.w.watchLine(f.l, func() { f.kicks++ })
	return f
}

// poll runs one poll and returns the events it published.
func (f *watchFixture) poll() []Event {
	n := len(f.events)
	f.w.poll()
	return f.events[n:]
}

// A wildcard listener: its Contact follows the route's source address, and
// every change, loss and return of that address is published once and makes
// the account re-register; polls without a change are silent.
func TestNetWatcherFollowsRouteOfWildcardListener(t *testing.T) {
	src := newFakeAddrs("10.77.0.2", "127.0.0.1", "10.77.0.2")
	f := newWatchFixture(t, src, "0.0.0.0")
	if evs := f.poll(); len(evs) != 0 || f.kicks != 0 {
		t.Fatalf("first poll published %v and kicked %d times; it is the baseline", evs, f.kicks)
	}
	if got := f.l.contactURI().Host; got != "10.77.0.2" {
		t.Fatalf("Contact host %q, want the route's address 10.77.0.2", got)
	}
	if evs := f.poll(); len(evs) != 0 {
		t.Fatalf("an unchanged network published %v", evs)
	}

	steps := []struct {
		name, route      string
		addrs            []string
		wantOld, wantNew string
		reason           string
	}{
		{"address changed", "10.77.0.3", []string{"127.0.0.1", "10.77.0.3"}, "10.77.0.2", "10.77.0.3", "changed from 10.77.0.2 to 10.77.0.3"},
		{"network down", "", []string{"127.0.0.1"}, "10.77.0.3", "", "10.77.0.3 gone"},
		{"network back", "10.77.0.3", []string{"127.0.0.1", "10.77.0.3"}, "", "10.77.0.3", "network back"},
	}
	for i, s := range steps {
		src.set(s.route, s.addrs...)
		evs := f.poll()
		if len(evs) != 1 || evs[0].Kind != NetChanged {
			t.Fatalf("%s: events %v, want one %s", s.name, evs, NetChanged)
		}
		ev := evs[0]
		if ev.PrevLocalAddr != s.wantOld || ev.LocalAddr != s.wantNew || !strings.Contains(ev.Reason, s.reason) {
			t.Errorf("%s: old %q new %q reason %q; want %q, %q, reason with %q",
				s.name, ev.PrevLocalAddr, ev.LocalAddr, ev.Reason, s.wantOld, s.wantNew, s.reason)
		}
		if ev.Account != "work" || ev.Registrar != "10.77.0.1:5060" {
			t.Errorf("%s: account %q registrar %q", s.name, ev.Account, ev.Registrar)
		}
		if f.kicks != i+1 {
			t.Errorf("%s: %d re-registrations asked, want %d", s.name, f.kicks, i+1)
		}
	}
	if got := f.l.contactURI().Host; got != "10.77.0.3" {
		t.Errorf("Contact host %q after the changes, want 10.77.0.3", got)
	}
}

// A listener on one address: the route's source does not matter (the socket
// sends from its own address); the address leaving the machine does.
func TestNetWatcherSpecificListenAddress(t *testing.T) {
	src := newFakeAddrs("10.77.0.9", "10.77.0.2", "10.77.0.9")
	f := newWatchFixture(t, src, "10.77.0.2")
	f.poll()
	src.set("10.77.0.2", "10.77.0.2") // another route source, same listen address
	if evs := f.poll(); len(evs) != 0 {
		t.Fatalf("a route change that leaves our address alone published %v", evs)
	}
	if got := f.l.contactURI().Host; got != "10.77.0.2" {
		t.Errorf("Contact host %q, want the listen address", got)
	}
	src.set("10.77.0.9", "10.77.0.9")
	evs := f.poll()
	if len(evs) != 1 || evs[0].LocalAddr != "" || evs[0].PrevLocalAddr != "10.77.0.2" {
		t.Fatalf("listen address removed: events %v, want one network.changed from 10.77.0.2 to none", evs)
	}
	src.set("10.77.0.2", "10.77.0.2")
	evs = f.poll()
	if len(evs) != 1 || evs[0].LocalAddr != "10.77.0.2" {
		t.Fatalf("listen address back: events %v, want network.changed to 10.77.0.2", evs)
	}
	if f.kicks != 2 {
		t.Errorf("%d re-registrations asked, want 2", f.kicks)
	}
}

// present answers for calls: unknown before the first poll, loopback while
// the loopback interface is up, others by the last snapshot.
func TestNetWatcherPresent(t *testing.T) {
	src := newFakeAddrs("10.77.0.2", "127.0.0.1", "10.77.0.2")
	w := newNetWatcher(src, 0, func(Event) {}, slog.New(slog.DiscardHandler))
	if _, known := w.present(netip.MustParseAddr("10.77.0.2")); known {
		t.Fatal("present is known before any poll")
	}
	w.poll()
	for addr, want := range map[string]bool{"10.77.0.2": true, "10.77.0.3": false, "127.0.0.5": true, "0.0.0.0": true} {
		if got, _ := w.present(netip.MustParseAddr(addr)); got != want {
			t.Errorf("present(%s) = %v, want %v", addr, got, want)
		}
	}
	src.set("", "10.77.0.2") // loopback interface down
	w.poll()
	if got, _ := w.present(netip.MustParseAddr("127.0.0.1")); got {
		t.Error("127.0.0.1 present with no loopback address up")
	}
}
