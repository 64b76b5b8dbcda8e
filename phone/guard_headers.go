package phone

import (
	"bytes"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// What the phone says about itself. sipgo and diago put no User-Agent or
// Server header on their messages, but diago names itself in the SDP
// session name ("s=Sip Go Media"), which fingerprints the stack for a
// scanner as well as a version would. The phone names itself neutrally,
// "switchboard", and adds its version only with show_version = true.

// productName is the neutral name in User-Agent and Server headers.
const productName = "switchboard"

// diagoSessionName is the SDP session name diago v0.31.0 writes.
var diagoSessionName = []byte("\r\ns=Sip Go Media\r\n")

// softwareName is the User-Agent/Server value.
func softwareName(sec config.Security, version string) string {
	if sec.ShowVersion && version != "" {
		return productName + "/" + version
	}
	return productName
}

// stampingTx puts our Server header (and a neutral SDP session name) on
// every response to a request, whoever sends it: diago, the guard or the
// phone's own handlers.
type stampingTx struct {
	sip.ServerTransaction
	server string
}

func (t *stampingTx) Respond(res *sip.Response) error {
	stampResponse(res, t.server)
	return t.ServerTransaction.Respond(res)
}

func stampResponse(res *sip.Response, server string) {
	if res.GetHeader("Server") == nil {
		res.AppendHeader(sip.NewHeader("Server", server))
	}
	if body := res.Body(); bytes.Contains(body, diagoSessionName) {
		res.SetBody(bytes.Replace(body, diagoSessionName, []byte("\r\ns=-\r\n"), 1))
	}
}

// methodNotAllowed answers the methods no handler takes (REGISTER, MESSAGE,
// SUBSCRIBE, ... as scanners send): the same 405 for every user, like
// sipgo's default, but through our middleware so that the guard counts them
// and the Server header is ours, and without sipgo's warning per request
// (a scan would fill the log).
func methodNotAllowed(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusMethodNotAllowed, "Method Not Allowed", nil)
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY"))
	_ = tx.Respond(res) // nothing to do about a lost 405
}

// guardedServer is the SIP server of one line: diago registers its handlers
// on it, and every method it does not handle goes through middleware too.
func guardedServer(ua *sipgo.UserAgent, log sipgo.ServerOption,
	middleware func(sipgo.RequestHandler) sipgo.RequestHandler) (*sipgo.Server, error) {
	srv, err := sipgo.NewServer(ua, log)
	if err != nil {
		return nil, err
	}
	srv.OnNoRoute(middleware(methodNotAllowed))
	return srv, nil
}
