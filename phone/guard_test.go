package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// Unit tests of the guard: its limiter, the registrar check, the offer
// check and what it answers. Traffic with real peers is in
// peers_hostile_test.go.

func TestSourceLimiterBurstThenRate(t *testing.T) {
	l := newSourceLimiter(2, 3, 16) // 2 per second, burst 3
	start := time.Unix(1000, 0)
	allowed := 0
	for range 10 {
		if l.allow("10.0.0.1", start, time.Minute).allowed {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("allowed %d of 10 at once, want the burst of 3", allowed)
	}
	d := l.allow("10.0.0.1", start, time.Minute)
	if d.allowed || d.retryAfter <= 0 || d.retryAfter > 500*time.Millisecond {
		t.Errorf("refused request: %+v, want a retry within one token (500 ms)", d)
	}
	if !l.allow("10.0.0.2", start, time.Minute).allowed {
		t.Error("another source was refused: buckets must be per source")
	}
	// One second later two tokens are back, not more.
	later := start.Add(time.Second)
	allowed = 0
	for range 5 {
		if l.allow("10.0.0.1", later, time.Minute).allowed {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("allowed %d after one second at 2/s, want 2", allowed)
	}
}

func TestSourceLimiterReportsPaced(t *testing.T) {
	l := newSourceLimiter(1, 1, 16)
	now := time.Unix(1000, 0)
	l.allow("a", now, 10*time.Second) // the burst
	var reports []int
	for i := range 25 { // one refused request a second for 25 s
		if d := l.allow("a", now.Add(time.Duration(i)*time.Second/2), 10*time.Second); d.report > 0 {
			reports = append(reports, d.report)
		}
	}
	// 25 requests at 2/s against 1/s: about half refused. Reported: the first
	// at once, then what piled up, once per 10 s.
	total := 0
	for _, n := range reports {
		total += n
	}
	if len(reports) < 2 || len(reports) > 3 || reports[0] != 1 {
		t.Errorf("reports %v: want the first refusal at once, then one per 10 s", reports)
	}
	if total < 10 || total > 13 {
		t.Errorf("reports %v cover %d refusals; want about half of 25", reports, total)
	}
}

func TestSourceLimiterTableIsBounded(t *testing.T) {
	l := newSourceLimiter(1, 1, 100)
	now := time.Unix(1000, 0)
	for i := range 10000 {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now, time.Minute)
		if i%50 == 0 {
			l.allow("keeper", now, time.Minute) // seen often: never the oldest
		}
	}
	if n := l.tracked(); n != 100 {
		t.Fatalf("table holds %d sources after 10000, want its cap of 100", n)
	}
	if l.allow("keeper", now, time.Minute).allowed {
		t.Error("a source seen recently was evicted: its empty bucket came back full")
	}
}

func TestSourceLimiterOff(t *testing.T) {
	var l *sourceLimiter
	for range 100 {
		if !l.allow("a", time.Now(), time.Minute).allowed {
			t.Fatal("no limiter must allow everything")
		}
	}
}

func TestRegistrarSourceLiteralAndName(t *testing.T) {
	now := time.Unix(1000, 0)
	literal := newRegistrarSource("192.0.2.7:5060", func(context.Context, string) ([]netip.Addr, error) {
		t.Error("an IP literal was looked up")
		return nil, nil
	})
	if !literal.matches("192.0.2.7", now) || literal.matches("192.0.2.8", now) {
		t.Errorf("literal registrar: %s", literal)
	}

	var lookups int
	answer := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	var lookupErr error
	named := newRegistrarSource("pbx.example:5060", func(_ context.Context, host string) ([]netip.Addr, error) {
		lookups++
		if host != "pbx.example" {
			t.Errorf("looked up %q, want the host without port", host)
		}
		return answer, lookupErr
	})
	if !named.matches("192.0.2.1", now) || lookups != 1 {
		t.Fatalf("first call: lookups %d, %s", lookups, named)
	}
	// A stranger within the refresh period costs no lookup.
	if named.matches("198.51.100.9", now.Add(time.Second)) || lookups != 1 {
		t.Errorf("stranger: lookups %d, want still 1", lookups)
	}
	// The PBX moved: after the refresh period a call from the new address
	// makes us look again and is taken.
	answer = []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	if !named.matches("192.0.2.2", now.Add(registrarRefresh)) || lookups != 2 {
		t.Errorf("moved registrar: lookups %d, %s", lookups, named)
	}
	// DNS fails: the last answer stands.
	lookupErr = errors.New("no DNS")
	if !named.matches("192.0.2.2", now.Add(3*registrarRefresh)) {
		t.Errorf("a failed lookup forgot the registrar: %s", named)
	}
	if named.matches("not an ip", now) {
		t.Error("an unparsable source matched")
	}
}

const validOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

func TestCheckOffer(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"valid", "application/sdp", validOffer, 0},
		{"valid without trailing newline", "application/sdp", strings.TrimSuffix(validOffer, "\r\n"), 0},
		{"content type case and parameters", "Application/SDP; charset=utf-8", validOffer, 0},
		{"no offer", "", "", 0},
		{"text/plain", "text/plain", "hello", 415},
		{"no content type", "", validOffer, 415},
		{"multipart", "multipart/mixed;boundary=x", validOffer, 415},
		{"no c= line", "application/sdp", strings.Replace(validOffer, "c=IN IP4 127.0.0.1\r\n", "", 1), 488},
		{"no m= line", "application/sdp", strings.Replace(validOffer, "m=audio 4000 RTP/AVP 0\r\n", "", 1), 488},
		{"video only", "application/sdp", strings.Replace(validOffer, "m=audio", "m=video", 1), 488},
		{"audio declined", "application/sdp", strings.Replace(validOffer, "m=audio 4000", "m=audio 0", 1), 488},
		{"port not a number", "application/sdp", strings.Replace(validOffer, "m=audio 4000", "m=audio x", 1), 488},
		{"no formats", "application/sdp", strings.Replace(validOffer, " RTP/AVP 0", "", 1), 488},
		{"garbage", "application/sdp", "\x00\x01\x02 not sdp at all", 488},
		{"no v= line", "application/sdp", strings.Replace(validOffer, "v=0\r\n", "", 1), 488},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := testInvite("192.0.2.1:5060", tc.contentType, tc.body)
			code, _, err := checkOffer(req)
			if code != tc.want {
				t.Errorf("code %d (%v), want %d", code, err, tc.want)
			}
		})
	}
}

// recordingTx keeps what the guard answered.
type recordingTx struct {
	sip.ServerTransaction // nil: the guard may only Respond
	responses             []*sip.Response
}

func (r *recordingTx) Respond(res *sip.Response) error {
	r.responses = append(r.responses, res)
	return nil
}

func testInvite(source, contentType, body string) *sip.Request {
	req := testRequest(sip.INVITE, source)
	if contentType != "" {
		req.AppendHeader(sip.NewHeader("Content-Type", contentType))
	}
	req.SetBody([]byte(body))
	return req
}

func testRequest(method sip.RequestMethod, source string) *sip.Request {
	req := sip.NewRequest(method, sip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1", Port: 5060})
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "x", Host: "192.0.2.1"}, Params: sip.NewParams()}
	from.Params.Add("tag", "f1")
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}, Params: sip.NewParams()})
	callID := sip.CallIDHeader("c-" + source)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: method})
	req.SetSource(source)
	return req
}

type guardHarness struct {
	g      *guard
	events []Event
	now    time.Time
}

func newGuardHarness(sec config.Security, accounts ...config.Account) *guardHarness {
	h := &guardHarness{now: time.Unix(1000, 0)}
	h.g = newGuard(sec, "1.2.3", accounts, func(e Event) { h.events = append(h.events, e) }, slog.New(slog.DiscardHandler))
	h.g.now = func() time.Time { return h.now }
	return h
}

func TestGuardRefusesInviteFloodWith503(t *testing.T) {
	h := newGuardHarness(config.Security{InvitesPerMinute: 6, InviteBurst: 2})
	var admitted, refused int
	for i := range 20 {
		tx := &recordingTx{}
		if h.g.admit("acct", testInvite("192.0.2.1:"+strconv.Itoa(5000+i), "application/sdp", validOffer), tx) {
			admitted++
			continue
		}
		refused++
		if len(tx.responses) != 1 || tx.responses[0].StatusCode != 503 {
			t.Fatalf("refused INVITE answered %v, want one 503", tx.responses)
		}
		ra := tx.responses[0].GetHeader("Retry-After")
		if ra == nil {
			t.Fatal("503 without Retry-After")
		}
		if secs, err := strconv.Atoi(ra.Value()); err != nil || secs < 1 || secs > 10 {
			t.Errorf("Retry-After %q, want 1..10 s at 6/min", ra.Value())
		}
	}
	// Different source ports of one host share a bucket.
	if admitted != 2 || refused != 18 {
		t.Errorf("admitted %d refused %d, want the burst of 2 then 18 refused", admitted, refused)
	}
	if len(h.events) != 1 || h.events[0].Kind != SecurityRateLimited || h.events[0].Source != "192.0.2.1" ||
		h.events[0].Method != "INVITE" || h.events[0].Count != 1 || h.events[0].Code != 503 {
		t.Errorf("events %+v, want one security.rate_limited for 192.0.2.1 (count 1, code 503)", h.events)
	}
	// Ten seconds later the next refusal reports what piled up meanwhile.
	h.now = h.now.Add(reportEvery)
	for range 5 {
		h.g.admit("acct", testInvite("192.0.2.1:5000", "application/sdp", validOffer), &recordingTx{})
	}
	if len(h.events) != 2 || h.events[1].Count != 17+1 {
		t.Errorf("second event %+v, want count 18 (17 earlier + this one)", h.events[len(h.events)-1])
	}
	if !h.g.admit("acct", testInvite("198.51.100.1:5060", "application/sdp", validOffer), &recordingTx{}) {
		t.Error("another host was refused")
	}
}

func TestGuardDropsOtherRequestsUnanswered(t *testing.T) {
	h := newGuardHarness(config.Security{RequestsPerSecond: 5})
	var dropped int
	for range 20 {
		tx := &recordingTx{}
		if !h.g.admit("acct", testRequest(sip.OPTIONS, "192.0.2.1:5060"), tx) {
			dropped++
			if len(tx.responses) != 0 {
				t.Fatalf("dropped OPTIONS was answered %d", tx.responses[0].StatusCode)
			}
		}
	}
	if dropped != 15 {
		t.Errorf("dropped %d of 20 OPTIONS at 5/s, want 15", dropped)
	}
	if len(h.events) != 1 || h.events[0].Method != "OPTIONS" || h.events[0].Code != 0 {
		t.Errorf("events %+v, want one security.rate_limited for OPTIONS", h.events)
	}
	// In-dialog requests belong to calls we took: never limited.
	bye := testRequest(sip.BYE, "192.0.2.1:5060")
	bye.To().Params.Add("tag", "ours")
	if !h.g.admit("acct", bye, &recordingTx{}) {
		t.Error("an in-dialog BYE was refused")
	}
}

func TestGuardZeroRatesLimitNothing(t *testing.T) {
	h := newGuardHarness(config.Security{})
	for range 200 {
		if !h.g.admit("acct", testInvite("192.0.2.1:5060", "application/sdp", validOffer), &recordingTx{}) ||
			!h.g.admit("acct", testRequest(sip.MESSAGE, "192.0.2.1:5060"), &recordingTx{}) {
			t.Fatal("refused with all limits off")
		}
	}
}

func TestGuardAcceptCallsFromRegistrarOnly(t *testing.T) {
	h := newGuardHarness(config.Security{},
		config.Account{Name: "pbx", Registrar: "192.0.2.50:5060", AcceptCallsFrom: config.AcceptCallsFromRegistrar},
		config.Account{Name: "open", Registrar: "192.0.2.50:5060", AcceptCallsFrom: config.AcceptCallsFromAny})
	if !h.g.admit("pbx", testInvite("192.0.2.50:5060", "application/sdp", validOffer), &recordingTx{}) {
		t.Error("a call from the registrar was refused")
	}
	for range 3 {
		tx := &recordingTx{}
		if h.g.admit("pbx", testInvite("203.0.113.9:5060", "application/sdp", validOffer), tx) {
			t.Fatal("a call from a stranger was admitted")
		}
		if len(tx.responses) != 1 || tx.responses[0].StatusCode != 403 {
			t.Fatalf("stranger answered %v, want 403", tx.responses)
		}
	}
	if len(h.events) != 1 || h.events[0].Kind != SecurityRejected || h.events[0].Account != "pbx" || h.events[0].Source != "203.0.113.9" {
		t.Errorf("events %+v, want one security.rejected for the stranger", h.events)
	}
	if !h.g.admit("open", testInvite("203.0.113.9:5060", "application/sdp", validOffer), &recordingTx{}) {
		t.Error("accept_calls_from = any refused a stranger")
	}
	if !h.g.admit("pbx", testRequest(sip.OPTIONS, "203.0.113.9:5060"), &recordingTx{}) {
		t.Error("an OPTIONS from elsewhere was refused: only calls are restricted")
	}
}

func TestGuardRefusesUnusableOffer(t *testing.T) {
	h := newGuardHarness(config.Security{})
	tx := &recordingTx{}
	if h.g.admit("acct", testInvite("192.0.2.1:5060", "text/plain", "hello"), tx) {
		t.Fatal("a text/plain INVITE was admitted")
	}
	if len(tx.responses) != 1 || tx.responses[0].StatusCode != 415 || tx.responses[0].GetHeader("Accept") == nil {
		t.Errorf("text/plain INVITE answered %v, want 415 with Accept", tx.responses)
	}
}

func TestSoftwareNameAndStamp(t *testing.T) {
	if got := softwareName(config.Security{}, "1.2.3"); got != "switchboard" {
		t.Errorf("default name %q, want no version", got)
	}
	if got := softwareName(config.Security{ShowVersion: true}, "1.2.3"); got != "switchboard/1.2.3" {
		t.Errorf("show_version name %q", got)
	}
	res := sip.NewResponseFromRequest(testInvite("192.0.2.1:5060", "", ""), 200, "OK",
		[]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Sip Go Media\r\nc=IN IP4 127.0.0.1\r\n"))
	stampResponse(res, "switchboard")
	if h := res.GetHeader("Server"); h == nil || h.Value() != "switchboard" {
		t.Errorf("Server header %v", h)
	}
	if body := string(res.Body()); strings.Contains(body, "Sip Go") || !strings.Contains(body, "\r\ns=-\r\n") {
		t.Errorf("SDP still names the stack: %q", body)
	}
	if cl := res.ContentLength(); cl == nil || int(*cl) != len(res.Body()) {
		t.Errorf("Content-Length %v for a body of %d", cl, len(res.Body()))
	}
}

// A To tag naming no call of ours does not dodge the limits: such requests
// (INVITEs too) count as other requests and are dropped beyond the rate.
func TestGuardLimitsStrayInDialogRequests(t *testing.T) {
	h := newGuardHarness(config.Security{InvitesPerMinute: 1000, InviteBurst: 1000, RequestsPerSecond: 3})
	ours := "ours"
	h.g.knownDialog = func(_ string, req *sip.Request) bool {
		tag, _ := req.To().Params.Get("tag")
		return tag == ours
	}
	var passed, dropped int
	for range 10 {
		req := testInvite("192.0.2.1:5060", "application/sdp", validOffer)
		req.To().Params.Add("tag", "forged")
		tx := &recordingTx{}
		if h.g.admit("acct", req, tx) {
			passed++
		} else if len(tx.responses) == 0 {
			dropped++
		}
	}
	if passed != 3 || dropped != 7 {
		t.Errorf("forged in-dialog INVITEs: %d passed, %d dropped unanswered; want 3 and 7", passed, dropped)
	}
	for range 10 {
		req := testRequest(sip.BYE, "192.0.2.1:5060")
		req.To().Params.Add("tag", ours)
		if !h.g.admit("acct", req, &recordingTx{}) {
			t.Fatal("a request of one of our calls was refused")
		}
	}
}

// The SIP stack's log is paced and cut short: a garbage flood cannot fill
// the log, and says how much it dropped.
func TestThrottledLoggerPacesRecords(t *testing.T) {
	var lines []string
	handler := slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		lines = append(lines, string(p))
		return len(p), nil
	}), nil)
	log := newThrottledLogger(slog.New(handler))
	for range 500 {
		log.Error("failed to parse", "data", strings.Repeat("A", 10000))
	}
	if len(lines) < logRecordsBurst || len(lines) > logRecordsBurst+logRecordsPerSecond+2 {
		t.Errorf("%d log lines for 500 records; want about the burst of %d", len(lines), logRecordsBurst)
	}
	for _, l := range lines {
		if len(l) > maxLoggedValue+200 {
			t.Fatalf("a log line of %d bytes: long values must be cut", len(l))
		}
	}
	if !strings.Contains(strings.Join(lines, ""), "dropped=") {
		t.Error("no line says records were dropped")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
