package phone

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// registrarRefresh: how old the registrar's resolved addresses may be before
// a call from an unknown address makes us look the name up again (a PBX that
// moved to another address keeps reaching us, a scanner cannot make us
// resolve more often than this).
const registrarRefresh = time.Minute

// registrarLookupTimeout bounds one DNS lookup; the INVITE waits on it.
const registrarLookupTimeout = 2 * time.Second

// lookupIPFunc resolves a host name to addresses (net.Resolver in the phone,
// a fake in tests).
type lookupIPFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// registrarSource tells whether a packet came from an account's registrar
// (accept_calls_from = "registrar"). The registrar's name is resolved on the
// first call and again, at most once per registrarRefresh, when a call comes
// from an address not in the last answer.
type registrarSource struct {
	host   string
	lookup lookupIPFunc

	resolveMu sync.Mutex // one lookup at a time; callers meanwhile wait for its answer
	mu        sync.Mutex
	addrs     []netip.Addr
	fixed     bool // the registrar is an IP literal: nothing to resolve
	checkedAt time.Time
}

func newRegistrarSource(registrar string, lookup lookupIPFunc) *registrarSource {
	host := registrar
	if h, _, err := net.SplitHostPort(registrar); err == nil {
		host = h
	}
	r := &registrarSource{host: host, lookup: lookup}
	if a, err := netip.ParseAddr(host); err == nil {
		r.addrs, r.fixed = []netip.Addr{a.Unmap()}, true
	}
	return r
}

// matches reports whether ip (no port) is one of the registrar's addresses.
func (r *registrarSource) matches(ip string, now time.Time) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	if r.known(addr) {
		return true
	}
	if r.fixed {
		return false
	}
	r.resolveMu.Lock()
	defer r.resolveMu.Unlock()
	if !r.stale(now) { // resolved by the lookup we waited for
		return r.known(addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), registrarLookupTimeout)
	defer cancel()
	addrs, err := r.lookup(ctx, r.host)
	r.mu.Lock()
	r.checkedAt = now
	if err == nil {
		r.addrs = unmapAll(addrs)
	}
	r.mu.Unlock()
	// A failed lookup keeps the last answer: the registrar is still the
	// registrar while DNS is down.
	return r.known(addr)
}

func (r *registrarSource) known(addr netip.Addr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.addrs, addr)
}

func (r *registrarSource) stale(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.checkedAt.IsZero() || now.Sub(r.checkedAt) >= registrarRefresh
}

func (r *registrarSource) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("%s %v", r.host, r.addrs)
}

func unmapAll(addrs []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.Unmap())
	}
	return out
}
