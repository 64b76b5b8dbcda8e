package phone

import (
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// The guard protects a phone listening on a SIP port from scanners and
// floods ([security] in the configuration). It sits first in the request
// middleware (indialog.go) and looks only at requests from outside a dialog:
//
//   - A new INVITE beyond invites_per_minute/invite_burst from one source
//     address is refused 503 with Retry-After before anything rings.
//   - Any other out-of-dialog request beyond requests_per_second is dropped
//     unanswered: an answer would only tell a scanner that someone is here,
//     and costs us a transaction.
//   - An account with accept_calls_from = "registrar" refuses (403) calls
//     whose packets do not come from its registrar's address.
//   - A new INVITE whose offer we cannot use is refused before it rings:
//     415 for a body that is not SDP, 488 for an SDP without a usable audio
//     stream. diago would ring first and fail at the answer.
//
// Sources are keyed by IP, not IP:port: a flood comes from one host on as
// many ports as it likes. Requests inside one of our calls pass untouched;
// a request with a To tag that names no call of ours (anyone can add a To
// tag to dodge the INVITE limit) counts as an other request.
//
// OPTIONS is answered (diago: 200 with Allow): registrars and proxies use
// it to see that we are alive, and a 403 or silence would break that. It
// only tells a scanner what the port already told it; the Server header
// says no more than "switchboard".

// reportEvery bounds the notices about one source: at most one
// security.rate_limited (or security.rejected) per source in this period,
// carrying the count of requests refused since the last one.
const reportEvery = 10 * time.Second

type guard struct {
	invites  *sourceLimiter // new INVITEs per source IP
	requests *sourceLimiter // other out-of-dialog requests per source IP
	// rejected paces the notices about calls refused by accept_calls_from;
	// its rate is never used.
	rejected *sourceLimiter
	// callsFrom holds the registrar addresses of accounts that take calls
	// from their registrar only.
	callsFrom map[string]*registrarSource
	// server is our Server header (softwareName).
	server  string
	publish func(Event)
	log     *slog.Logger
	// knownDialog reports whether an in-dialog request belongs to one of
	// our calls (Phone.callForRequest); nil trusts every To tag.
	knownDialog func(account string, req *sip.Request) bool
	now         func() time.Time
}

func newGuard(sec config.Security, version string, accounts []config.Account, publish func(Event), log *slog.Logger) *guard {
	g := &guard{
		callsFrom: map[string]*registrarSource{},
		server:    softwareName(sec, version),
		publish:   publish,
		log:       log,
		now:       time.Now,
		rejected:  newSourceLimiter(0, 1, maxTrackedSources),
	}
	if sec.InvitesPerMinute > 0 {
		g.invites = newSourceLimiter(float64(sec.InvitesPerMinute)/60, sec.InviteBurst, maxTrackedSources)
	}
	if sec.RequestsPerSecond > 0 {
		g.requests = newSourceLimiter(float64(sec.RequestsPerSecond), sec.RequestsPerSecond, maxTrackedSources)
	}
	for _, acct := range accounts {
		if acct.AcceptCallsFrom == config.AcceptCallsFromRegistrar {
			g.callsFrom[acct.Name] = newRegistrarSource(acct.Registrar, defaultLookupIP)
		}
	}
	return g
}

// admit decides on one request before diago sees it. false: the guard has
// answered it (503, 403, 415, 488) or dropped it, and nothing else may.
func (g *guard) admit(account string, req *sip.Request, tx sip.ServerTransaction) bool {
	if g == nil || req.IsAck() { // ACKs are never answered: nothing to save
		return true
	}
	stray := inDialog(req) && g.knownDialog != nil && !g.knownDialog(account, req)
	if inDialog(req) && !stray {
		return true
	}
	ip := sourceIP(req)
	if !req.IsInvite() || stray {
		d := g.requests.allow(ip, g.now(), reportEvery)
		if !d.allowed {
			g.report(SecurityRateLimited, account, ip, req, d.report, 0, "too many requests; dropped")
		}
		return d.allowed
	}
	if d := g.invites.allow(ip, g.now(), reportEvery); !d.allowed {
		res := sip.NewResponseFromRequest(req, sip.StatusServiceUnavailable, "Service Unavailable", nil)
		res.AppendHeader(sip.NewHeader("Retry-After", strconv.Itoa(retryAfterSeconds(d.retryAfter))))
		g.respond(tx, res)
		g.report(SecurityRateLimited, account, ip, req, d.report, sip.StatusServiceUnavailable, "too many calls; refused")
		return false
	}
	if from, ok := g.callsFrom[account]; ok && !from.matches(ip, g.now()) {
		g.respond(tx, sip.NewResponseFromRequest(req, sip.StatusForbidden, "Forbidden", nil))
		g.report(SecurityRejected, account, ip, req, g.rejected.refuse(ip, g.now(), reportEvery),
			sip.StatusForbidden, "call not from the registrar")
		return false
	}
	if code, reason, err := checkOffer(req); code != 0 {
		g.log.Debug("INVITE offer refused", "source", ip, "code", code, "error", err)
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		if code == sip.StatusUnsupportedMediaType {
			res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
		}
		g.respond(tx, res)
		return false
	}
	return true
}

func (g *guard) respond(tx sip.ServerTransaction, res *sip.Response) {
	if err := tx.Respond(res); err != nil {
		g.log.Debug("guard response not sent", "code", res.StatusCode, "error", err)
	}
}

// report publishes a notice covering count refused requests; count 0 means
// this source was reported on recently and the refusal only adds to the next
// notice.
func (g *guard) report(kind Kind, account, ip string, req *sip.Request, count, code int, reason string) {
	if count == 0 {
		return
	}
	g.log.Info("security notice", "event", kind, "account", account, "source", ip, "method", req.Method.String(), "count", count)
	g.publish(Event{Kind: kind, Time: g.now(), Account: account, Source: ip,
		Method: req.Method.String(), Count: count, Code: code, Reason: reason})
}

// retryAfterSeconds rounds up: Retry-After counts whole seconds, and 0 would
// invite an immediate retry.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// sourceIP is the address a request's packet came from, without the port.
func sourceIP(req *sip.Request) string {
	src := req.Source()
	if ap, err := netip.ParseAddrPort(src); err == nil {
		return ap.Addr().Unmap().String()
	}
	if a, err := netip.ParseAddr(strings.Trim(src, "[]")); err == nil {
		return a.Unmap().String()
	}
	return src
}
