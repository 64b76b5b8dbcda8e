package testpeer

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
)

// Ports are drawn from below Linux's default ephemeral range (32768–60999)
// so that client sockets the kernel hands out meanwhile cannot take them
// between our probe and the peer binding them.
const (
	portRangeLow  = 20000
	portRangeHigh = 32000
	portAttempts  = 200
)

// FreePort returns a port on 127.0.0.1 that is currently free for network
// "udp", "tcp" or "udp+tcp" (free in both, for SIP listeners).
func FreePort(t testing.TB, network string) int {
	t.Helper()
	ports, err := freePorts(network, 1, 1)
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	return ports[0]
}

// freePorts returns count distinct base ports; for each base, span
// consecutive ports (base .. base+span-1) are free on network. Holding the
// probe sockets until all are chosen keeps the results distinct.
func freePorts(network string, count, span int) ([]int, error) {
	var (
		held   []func()
		result []int
	)
	defer func() {
		for _, release := range held {
			release()
		}
	}()
	for attempt := 0; len(result) < count; attempt++ {
		if attempt >= portAttempts {
			return nil, fmt.Errorf("no free %s port on 127.0.0.1 after %d attempts", network, portAttempts)
		}
		base := portRangeLow + rand.IntN(portRangeHigh-portRangeLow-span)
		releases, err := holdPorts(network, base, span)
		if err != nil {
			continue
		}
		held = append(held, releases...)
		result = append(result, base)
	}
	return result, nil
}

// holdPorts binds base..base+span-1 on the networks and returns the closers.
func holdPorts(network string, base, span int) ([]func(), error) {
	var releases []func()
	fail := func(err error) ([]func(), error) {
		for _, release := range releases {
			release()
		}
		return nil, err
	}
	wantUDP, wantTCP, err := parseNetwork(network)
	if err != nil {
		return fail(err)
	}
	for port := base; port < base+span; port++ {
		addr := net.JoinHostPort(loopback, strconv.Itoa(port))
		if wantUDP {
			conn, err := net.ListenPacket("udp4", addr)
			if err != nil {
				return fail(fmt.Errorf("udp %s busy: %w", addr, err))
			}
			releases = append(releases, func() { conn.Close() })
		}
		if wantTCP {
			listener, err := net.Listen("tcp4", addr)
			if err != nil {
				return fail(fmt.Errorf("tcp %s busy: %w", addr, err))
			}
			releases = append(releases, func() { listener.Close() })
		}
	}
	return releases, nil
}

func parseNetwork(network string) (wantUDP, wantTCP bool, err error) {
	switch network {
	case "udp":
		return true, false, nil
	case "tcp":
		return false, true, nil
	case "udp+tcp", "both":
		return true, true, nil
	default:
		return false, false, fmt.Errorf("unsupported network %q (want udp, tcp or udp+tcp)", network)
	}
}

// loopback is the only address any peer may bind or send to.
const loopback = "127.0.0.1"

func loopbackAddr(port int) string {
	return net.JoinHostPort(loopback, strconv.Itoa(port))
}
