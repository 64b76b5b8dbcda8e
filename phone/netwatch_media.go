package phone

import (
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/diago/media/sdp"
	"github.com/emiago/sipgo/sip"
)

// The media address of a wildcard listener follows the network, call by call.
//
// diago v0.31.0 resolves the media address of a 0.0.0.0 (or ::) listener once,
// in NewDiago: the RTP sockets of every later call bind to it and the SDP c=
// line names it. After the network changes, that address is gone: a new call
// cannot bind its RTP socket, or offers an address nobody can reach. Building
// a new diago per change would mean handing the listener, the dialog cache and
// in-flight transactions over between two stacks. diago takes a media session
// made by the caller instead (DialogMedia.InitMediaSession), so each new call
// gets one on the watcher's current address. Calls in progress keep theirs.

// diagoMediaIP is the media address diago fixes for a listener on host, found
// the way NewDiago finds it (WithTransport): the listen address itself, or
// for a wildcard the first address of the interfaces.
func diagoMediaIP(host string) netip.Addr {
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsUnspecified() {
		return ip
	}
	network := "ip4"
	if ip.Is6() {
		network = "ip6"
	}
	found, _, err := sip.ResolveInterfacesIP(network, nil)
	if err != nil {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(found)
	return a.Unmap()
}

// movedMediaIP is the address a new call's media must use when diago's own
// would be wrong: a wildcard listener whose address toward the registrar (kept
// by the network watcher) is not the one diago resolved at start. It is
// invalid when diago's choice stands.
func (l *line) movedMediaIP() netip.Addr {
	bind, err := netip.ParseAddr(l.bindHost)
	if err != nil || !bind.IsUnspecified() {
		return netip.Addr{}
	}
	cur := l.netAddr.get()
	if !cur.IsValid() || cur == l.startMediaIP {
		return netip.Addr{}
	}
	return cur
}

// mediaSessionOn makes the media session diago would make, on ip.
func (l *line) mediaSessionOn(ip netip.Addr) (*media.MediaSession, error) {
	sess := &media.MediaSession{
		Codecs:     slices.Clone(l.codecs),
		Laddr:      net.UDPAddr{IP: ip.AsSlice()},
		ExternalIP: ip.AsSlice(),
		Mode:       sdp.ModeSendrecv,
		SecureRTP:  mediaSRTP(l.acct.SRTP),
	}
	if err := sess.Init(); err != nil {
		return nil, fmt.Errorf("media socket on %s: %w", ip, err)
	}
	return sess, nil
}

// followNetworkOut gives an outgoing dialog, before its INVITE, media and a
// Contact on the current address when the network moved since the start.
func (l *line) followNetworkOut(d *diago.DialogClientSession) error {
	ip := l.movedMediaIP()
	if !ip.IsValid() {
		return nil
	}
	sess, err := l.mediaSessionOn(ip)
	if err != nil {
		return err
	}
	d.InitMediaSession(sess, nil, nil)
	d.UA.ContactHDR.Address = l.contactURI()
	l.log.Debug("outgoing call on the new network address", "address", ip)
	return nil
}

// answer answers an incoming call. When the network moved since the start,
// the media session is made on the current address. diago answers a media
// session made beforehand only as early media (it skips the offer otherwise),
// so the answer goes as a 183 and then the 200 with the same SDP; the 200
// carries a Contact on the current address too, or the ACK and BYE would be
// sent to the old one.
func (l *line) answer(d *diago.DialogServerSession) error {
	ip := l.movedMediaIP()
	if !ip.IsValid() {
		return d.Answer()
	}
	sess, err := l.mediaSessionOn(ip)
	if err != nil {
		return err
	}
	d.InitMediaSession(sess, nil, nil)
	if err := d.ProgressMediaOptions(diago.ProgressMediaOptions{}); err != nil {
		return fmt.Errorf("media on %s: %w", ip, err)
	}
	contact := &sip.ContactHeader{Address: l.contactURI(), Params: sip.NewParams()}
	// Like diago's Answer, this blocks until the ACK.
	if err := d.DialogServerSession.Respond(sip.StatusOK, "OK", sess.LocalSDP(),
		sip.NewHeader("Content-Type", "application/sdp"), contact); err != nil {
		return fmt.Errorf("answer on %s: %w", ip, err)
	}
	l.log.Debug("call answered on the new network address", "address", ip)
	return nil
}

// answerFor answers d for the account named; a call replacing another
// (replaces.go) knows its account only by name.
func (p *Phone) answerFor(account string, d *diago.DialogServerSession) error {
	l, err := p.line(account)
	if err != nil {
		return d.Answer()
	}
	return l.answer(d)
}
