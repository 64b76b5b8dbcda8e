package phone

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/emiago/diago"
)

// A call cannot move to a new address: that takes a re-INVITE with a new c=
// line and new sockets, which diago v0.31.0 cannot do. So a call whose
// network went away is ended with a reason that says so, instead of both
// sides sitting in silence until someone gives up. A short outage (the
// address returns, audio resumes) is ridden out.

// defaultRTPTimeout is how long an answered call may receive no audio.
const defaultRTPTimeout = 30 * time.Second

// callDropped is why the watchdog ended a call; its text goes into call.ended.
type callDropped struct{ reason string }

func (e *callDropped) Error() string { return e.reason }

// watchCall runs while the call talks and cancels it through stop when its
// local media address has been gone, or no audio has come, for the RTP
// timeout. Audio counts only once some has arrived (peers that never send,
// like announcements and test tools, are not a network failure) and not
// while either side holds the call.
func (p *Phone) watchCall(ctx context.Context, c *Call, dm *diago.DialogMedia, stop context.CancelCauseFunc) {
	timeout := p.opts.RTPTimeout
	if timeout <= 0 || p.net == nil {
		return
	}
	tick := time.NewTicker(min(time.Second, timeout/4))
	defer tick.Stop()
	var (
		lastCount uint64
		heard     bool      // some audio has arrived
		lastAudio time.Time // last time the count moved (or a hold ended)
		goneSince time.Time // when the local media address disappeared
	)
	lastAudio = time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if ip := mediaLocalIP(dm); ip.IsValid() {
				present, known := p.net.present(ip)
				switch {
				case !known || present:
					goneSince = time.Time{}
				case goneSince.IsZero():
					goneSince = now
					p.log.Warn("call's local address is gone", "call", c.ID, "address", ip)
				case now.Sub(goneSince) >= timeout:
					stop(&callDropped{fmt.Sprintf("network changed: local address %s gone", ip)})
					return
				}
			}
			if count := rtpReceived(dm); count != lastCount {
				lastCount, heard, lastAudio = count, true, now
				continue
			}
			if c.held() {
				lastAudio = now // silence on hold is expected
				continue
			}
			if heard && now.Sub(lastAudio) >= timeout {
				stop(&callDropped{fmt.Sprintf("no audio from the far end for %s (network down?)", timeout.Round(time.Second))})
				return
			}
		}
	}
}

// held tells whether either side holds the call (no audio to expect).
func (c *Call) held() bool {
	c.mu.Lock()
	pump := c.pump
	c.mu.Unlock()
	return pump != nil && (pump.holdMusic.Load() != nil || pump.remoteHeld.Load())
}

// mediaLocalIP is the address the call's RTP socket is bound to.
func mediaLocalIP(dm *diago.DialogMedia) netip.Addr {
	ms := dm.MediaSession()
	if ms == nil {
		return netip.Addr{}
	}
	ip, ok := netip.AddrFromSlice(ms.Laddr.IP)
	if !ok {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// rtpReceived counts the packets received; a re-INVITE that replaces the
// session restarts the count, which also reads as a change.
func rtpReceived(dm *diago.DialogMedia) uint64 {
	s := dm.RTPSession()
	if s == nil {
		return 0
	}
	return s.ReadStats().PacketsCount
}
