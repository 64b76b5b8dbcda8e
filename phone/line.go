package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// line is one account's SIP stack: its own user agent, listener, diago instance and
// the client used for REGISTER and keepalives. Accounts never share state.
type line struct {
	acct      config.Account
	password  string
	transport string // udp | tcp | tls
	bindHost  string
	bindPort  int

	divert divertState // do-not-disturb and forwarding (divert.go)
	// userAgent is our User-Agent header (softwareName in guard_headers.go).
	userAgent string
	// netAddr is our address toward the registrar, kept by the network
	// watcher (netwatch.go); a 0.0.0.0 listener's Contact follows it.
	netAddr localAddr
	// startMediaIP is the media address diago fixed at start, and codecs
	// what it offers: a call made after the network moved gets a media
	// session of its own on the new address (netwatch_media.go).
	startMediaIP netip.Addr
	codecs       []media.Codec

	ua     *sipgo.UserAgent
	dg     *diago.Diago
	client *sipgo.Client
	log    *slog.Logger
}

// middleware goes in front of diago's request handlers (see indialog.go).
func newLine(acct config.Account, codecs []media.Codec, log *slog.Logger,
	middleware func(sipgo.RequestHandler) sipgo.RequestHandler) (*line, error) {
	password, err := acct.Secret()
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", acct.Name, err)
	}
	transport := strings.ToLower(acct.Transport)
	if transport == "" {
		transport = "udp"
	}
	host, portStr, err := net.SplitHostPort(acct.Listen)
	if err != nil {
		return nil, fmt.Errorf("account %s: listen address %q: %w", acct.Name, acct.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("account %s: listen port %q: %w", acct.Name, portStr, err)
	}

	// The SIP stack's own log (bad packets) goes to our log, paced (guard_log.go).
	stackLog := newThrottledLogger(log.With("account", acct.Name))
	uaOpts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent(acct.User),
		sipgo.WithUserAgentHostname(domainHost(acct.Domain)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(stackLog)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(stackLog)),
	}
	if transport == "tls" {
		clientConf, err := clientTLSConfig(acct.TLS)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", acct.Name, err)
		}
		if w := InsecureTLSWarning(acct); w != "" {
			log.Warn(w)
		}
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(clientConf))
	}
	ua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		return nil, fmt.Errorf("account %s: create user agent: %w", acct.Name, err)
	}

	tran := diago.Transport{
		ID:           acct.Name,
		Transport:    transport,
		BindHost:     host,
		BindPort:     port,
		TLSURINoSIPS: true, // a sip: Contact with transport=tls is what registrars expect
		MediaSRTP:    mediaSRTP(acct.SRTP),
	}
	if transport == "tls" {
		if tran.TLSConf, err = listenerTLSConfig(host); err != nil {
			return nil, fmt.Errorf("account %s: %w", acct.Name, err)
		}
	}
	agentLog := log.With("account", acct.Name)
	srv, err := guardedServer(ua, sipgo.WithServerLogger(agentLog), middleware)
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("account %s: create SIP server: %w", acct.Name, err)
	}
	dg := diago.NewDiago(ua,
		diago.WithServer(srv), // methods diago does not handle go through middleware too
		diago.WithTransport(tran),
		diago.WithMediaConfig(diago.MediaConfig{Codecs: codecs}),
		diago.WithLogger(agentLog),
		diago.WithServerRequestMiddleware(middleware),
	)

	clientOpts := []sipgo.ClientOption{sipgo.WithClientLogger(agentLog), sipgo.WithClientHostname(host)}
	if transport == "udp" {
		// Send REGISTER and OPTIONS from the listening socket, so that the registrar
		// sees the same address it will send calls to.
		clientOpts = append(clientOpts, sipgo.WithClientConnectionAddr(udpSocketAddr(host, port)))
	}
	client, err := sipgo.NewClient(ua, clientOpts...)
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("account %s: create SIP client: %w", acct.Name, err)
	}
	l := &line{
		acct: acct, password: password, transport: transport,
		bindHost: host, bindPort: port,
		startMediaIP: diagoMediaIP(host), codecs: codecs,
		ua: ua, dg: dg, client: client, log: agentLog,
	}
	l.divert.dnd, l.divert.voicemail, l.divert.forwardTo = acct.DND, acct.DNDVoicemail, acct.ForwardTo
	return l, nil
}

// serve starts the listener; handle runs for every INVITE that opens a new dialog.
func (l *line) serve(ctx context.Context, handle diago.ServeDialogFunc) error {
	if err := l.dg.ServeBackground(ctx, handle); err != nil {
		return fmt.Errorf("account %s: listen on %s %s: %w", l.acct.Name, l.transport, l.acct.Listen, err)
	}
	if l.transport == "udp" {
		return l.awaitUDPSocket(ctx)
	}
	return nil
}

// awaitUDPSocket waits until the listening socket is in sipgo's connection pool.
// diago reports "ready" a moment before that, and a request sent in between would
// try to bind the listening port a second time (EADDRINUSE).
func (l *line) awaitUDPSocket(ctx context.Context) error {
	addr := udpSocketAddr(l.bindHost, l.bindPort)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Second)
	for {
		if c, _ := l.ua.TransportLayer().GetConnection("udp", addr); c != nil {
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("account %s: UDP listener on %s did not come up", l.acct.Name, addr)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *line) close() error {
	return errors.Join(l.client.Close(), l.ua.Close())
}

// contactURI is where the registrar and peers reach this account.
func (l *line) contactURI() sip.Uri {
	u := sip.Uri{Scheme: "sip", User: l.acct.User, Host: l.contactHost(), Port: l.bindPort,
		UriParams: sip.NewParams(), Headers: sip.NewParams()}
	if l.transport != "udp" {
		u.UriParams.Add("transport", l.transport)
	}
	return u
}

// aor is the account's address of record, sip:user@domain.
func (l *line) aor() sip.Uri {
	host, port := l.acct.Domain, 0
	if h, p, err := net.SplitHostPort(l.acct.Domain); err == nil {
		host = h
		port, _ = strconv.Atoi(p)
	}
	return sip.Uri{Scheme: "sip", User: l.acct.User, Host: host, Port: port}
}

// registrarAddr is host:port of the registrar with the transport's default port.
func (l *line) registrarAddr() string {
	r := l.acct.Registrar
	if _, _, err := net.SplitHostPort(r); err == nil {
		return r
	}
	if l.transport == "tls" {
		return net.JoinHostPort(r, "5061")
	}
	return net.JoinHostPort(r, "5060")
}

func (l *line) upperTransport() string { return sip.NetworkToUpper(l.transport) }

func domainHost(domain string) string {
	if h, _, err := net.SplitHostPort(domain); err == nil {
		return h
	}
	return domain
}
