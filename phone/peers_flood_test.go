package phone

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// An INVITE flood from one SIPp (one source address) against a phone with
// the default [security] rates, while a legitimate caller on another
// address (127.0.0.2) calls in.

// sippFloodXML: each call is one INVITE that the phone either refuses with
// 503 (the guard) or rings, and then our operator refuses 486; both are
// ACKed.
var sippFloodXML = sippScenario("flood", sippRawInvite("f", "application/sdp", "", probeSDP)+`  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="486" optional="true" next="ack" />
  <recv response="503" />
  <label id="ack" />
`+sippProbeACK)

// sippProbeACK acknowledges the final answer to the probe's INVITE.
const sippProbeACK = `  <send><![CDATA[
ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]Probef[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
`

// floodResult is what one flood did to the phone.
type floodResult struct {
	sent, got503, rings   int
	rate                  float64 // INVITEs per second SIPp achieved
	elapsed               time.Duration
	heapBefore, heapAfter uint64  // HeapInuse after a GC
	rssBefore, rssAfter   float64 // KiB of the whole test process (for the baresip ratio)
	goBefore, goAfter     int
	notices               []Event // security.rate_limited
	legitAnswered         bool
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// floodPhone starts a phone, floods it with calls INVITEs at perSecond from
// 127.0.0.1 and, when legit is set, places one normal call from 127.0.0.2
// in the middle of it. The operator answers the legitimate call and refuses
// every other call that rings.
func floodPhone(tb testing.TB, sec config.Security, calls, perSecond int, legit bool) floodResult {
	tb.Helper()
	testpeer.Require(tb, "sipp")
	p, events, listen := startHostilePhone(tb, Options{Security: sec, MaxCalls: 8, Codecs: []string{"PCMU"}})
	res := floodResult{heapBefore: heapInuse(), goBefore: runtime.NumGoroutine(), rssBefore: processRSS(tb, os.Getpid())}

	var mu sync.Mutex
	operatorDone := make(chan struct{})
	go func() { // the operator
		defer close(operatorDone)
		for ev := range events.C {
			mu.Lock()
			switch {
			case ev.Kind == SecurityRateLimited:
				res.notices = append(res.notices, ev)
			case ev.Kind == CallIncoming && ev.Number == "ivr":
				if c, ok := p.Call(ev.CallID); ok {
					_ = c.Answer(Media{})
				}
			case ev.Kind == CallIncoming:
				res.rings++
				if c, ok := p.Call(ev.CallID); ok {
					_ = c.Reject(486)
				}
			case ev.Kind == CallEnded && ev.Number == "ivr":
				res.legitAnswered = ev.Result == ResultAnswered
			}
			mu.Unlock()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(calls/perSecond)*time.Second+60*time.Second)
	defer cancel()
	started := time.Now()
	floodDone := make(chan error, 1)
	var floodRun testpeer.SIPpResult
	go func() {
		scenario := testpeer.WriteSIPpScenario(tb, "flood", sippFloodXML)
		r, err := testpeer.RunSIPp(tb, ctx, "-sf", scenario, "-r", strconv.Itoa(perSecond), "-m", strconv.Itoa(calls),
			"-l", "2000", "-timeout", fmt.Sprintf("%ds", calls/perSecond+40), "-trace_counts", "-trace_err", listen)
		floodRun = r
		if err == nil && r.ExitCode != 0 {
			err = fmt.Errorf("exit %d\n%s", r.ExitCode, tail(r.Stderr, 1500))
		}
		floodDone <- err
	}()
	if legit {
		time.Sleep(time.Duration(calls/perSecond) * time.Second / 3)
		legitXML := fmt.Sprintf(sippDialogXML, "")
		scenario := testpeer.WriteSIPpScenario(tb, "legit", legitXML)
		r, err := testpeer.RunSIPp(tb, ctx, "-sf", scenario, "-i", "127.0.0.2", "-timeout", "20s", "-trace_err", listen)
		if err != nil || r.ExitCode != 0 {
			tb.Errorf("legitimate call from 127.0.0.2 during the flood: %v exit %d\n%s", err, r.ExitCode, tail(r.Stderr, 1500))
		}
	}
	if err := <-floodDone; err != nil {
		tb.Errorf("flood: %v", err)
	}
	res.elapsed = time.Since(started)
	res.sent, res.got503 = calls, sippRecvCount(tb, floodRun.Dir, "503")
	res.rate = float64(calls) / floodRun.Duration.Seconds()
	res.goAfter = settledGoroutines(res.goBefore, 10, 60*time.Second)
	res.heapAfter = heapInuse()
	res.rssAfter = processRSS(tb, os.Getpid())
	p.Close()
	<-operatorDone
	return res
}

// startHostilePhone is startPhoneAccount for benchmarks too.
func startHostilePhone(tb testing.TB, opts Options) (*Phone, *Subscription, string) {
	tb.Helper()
	t, ok := tb.(*testing.T)
	if ok {
		return startPhoneAccount(t, "1001", opts, nil)
	}
	listen := freeUDPAddr(tb)
	opts.Accounts = []config.Account{{Name: "1001", User: "1001", Domain: "127.0.0.1", Listen: listen, Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}}
	p, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	sub := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p, sub, listen
}

// sippRecvCount sums SIPp's -trace_counts column of received responses with
// this code (the last line holds the totals).
func sippRecvCount(tb testing.TB, dir, code string) int {
	tb.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "*_counts.csv"))
	if len(matches) == 0 {
		tb.Errorf("no SIPp counts file in %s", dir)
		return -1
	}
	f, err := os.Open(matches[0])
	if err != nil {
		tb.Error(err)
		return -1
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		tb.Errorf("SIPp counts %s: %v (%d rows)", matches[0], err, len(rows))
		return -1
	}
	header, last := rows[0], rows[len(rows)-1]
	total := 0
	for i, name := range header {
		if strings.HasSuffix(name, "_"+code+"_Recv") && i < len(last) {
			n, _ := strconv.Atoi(strings.TrimSpace(last[i]))
			total += n
		}
	}
	return total
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// 200 INVITEs a second for 10 s from one address: the operator's phone rings
// at most invite_burst + the per-minute rate over the flood, everything else
// gets 503, a few paced security.rate_limited notices say so, a caller from
// another address gets through, and memory and goroutines go back to where
// they were.
func TestInviteFloodFromSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	const calls, perSecond = 2000, 200
	res := floodPhone(t, defaultSecurity, calls, perSecond, true)
	t.Logf("flood: %d INVITEs at %.0f/s in %s; rang %d, 503 %d; heap %.1f → %.1f MiB; goroutines %d → %d; %d notices",
		res.sent, res.rate, res.elapsed.Round(time.Millisecond), res.rings, res.got503,
		mib(res.heapBefore), mib(res.heapAfter), res.goBefore, res.goAfter, len(res.notices))

	// Allowed: the burst plus what the rate refills while the flood lasts.
	allowed := defaultSecurity.InviteBurst + int(math.Ceil(res.elapsed.Minutes()*float64(defaultSecurity.InvitesPerMinute)))
	if res.rings > allowed || res.rings == 0 {
		t.Errorf("the phone rang %d times; want 1..%d (burst %d + %d/min over %s)", res.rings, allowed,
			defaultSecurity.InviteBurst, defaultSecurity.InvitesPerMinute, res.elapsed.Round(time.Second))
	}
	if res.got503 < calls-allowed {
		t.Errorf("%d INVITEs got 503; want at least %d", res.got503, calls-allowed)
	}
	if !res.legitAnswered {
		t.Error("the legitimate call from 127.0.0.2 was not answered during the flood")
	}
	if len(res.notices) == 0 {
		t.Error("no security.rate_limited event")
	}
	maxNotices := int(res.elapsed/reportEvery) + 2
	counted := 0
	for _, ev := range res.notices {
		if ev.Source != "127.0.0.1" || ev.Method != "INVITE" {
			t.Errorf("notice %+v: want source 127.0.0.1, method INVITE (the legitimate caller is never limited)", ev)
		}
		counted += ev.Count
	}
	if len(res.notices) > maxNotices {
		t.Errorf("%d notices for one flooding source; want at most one per %s (%d)", len(res.notices), reportEvery, maxNotices)
	}
	if counted == 0 || counted > res.got503 {
		t.Errorf("notices count %d refusals, SIPp saw %d 503s", counted, res.got503)
	}
	if res.goAfter > res.goBefore+10 {
		t.Errorf("goroutines %d after the flood, %d before", res.goAfter, res.goBefore)
	}
	if res.heapAfter > res.heapBefore+16<<20 {
		t.Errorf("heap in use %.1f MiB after the flood, %.1f MiB before", mib(res.heapAfter), mib(res.heapBefore))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkInviteFlood reports what a 10 s flood at 200 INVITEs/s from one
// address costs the phone. Run with -bench InviteFlood -benchtime 1x.
func BenchmarkInviteFlood(b *testing.B) {
	testpeer.Require(b, "sipp")
	for range b.N {
		res := floodPhone(b, defaultSecurity, 2000, 200, false)
		b.ReportMetric(res.rate, "invites/s")
		b.ReportMetric(float64(res.rings), "rings")
		b.ReportMetric(float64(res.got503), "503s")
		b.ReportMetric(mib(res.heapBefore), "heapMiB-before")
		b.ReportMetric(mib(res.heapAfter), "heapMiB-after")
		b.ReportMetric(float64(res.goBefore), "goroutines-before")
		b.ReportMetric(float64(res.goAfter), "goroutines-after")
		b.ReportMetric(res.rssBefore/1024, "rssMiB-before")
		b.ReportMetric(res.rssAfter/1024, "rssMiB-after")
	}
}

func freeUDPAddr(tb testing.TB) string {
	tb.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// sippFloodRingingXML is the flood for a phone without a guard (baresip):
// each call rings and is cancelled, or is refused busy at once.
var sippFloodRingingXML = sippScenario("flood-cancel", sippRawInvite("f", "application/sdp", "", probeSDP)+`  <recv response="100" optional="true" />
  <recv response="486" optional="true" next="ack" />
  <recv response="180" />
  <send><![CDATA[
CANCEL sip:1001@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]Probef[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
  <recv response="487" />
  <label id="ack" />
`+sippProbeACK)

// BenchmarkInviteFloodBaresip: the same flood against baresip 1.0.0, for a
// ratio: its resident memory before and after (it has no per-source limit,
// so every INVITE rings or is refused busy).
func BenchmarkInviteFloodBaresip(b *testing.B) {
	testpeer.Require(b, "sipp", "baresip")
	for range b.N {
		peer := testpeer.StartBaresip(b, testpeer.BaresipOptions{User: "1001"})
		target := strings.TrimPrefix(strings.TrimSuffix(peer.URI(), ">"), "sip:1001@")
		before := processRSS(b, peer.PID())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		scenario := testpeer.WriteSIPpScenario(b, "flood-cancel", sippFloodRingingXML)
		r, err := testpeer.RunSIPp(b, ctx, "-sf", scenario, "-r", "200", "-m", "2000", "-l", "2000",
			"-timeout", "60s", "-trace_counts", target)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(5 * time.Second) // its transactions end
		b.ReportMetric(float64(2000)/r.Duration.Seconds(), "invites/s")
		b.ReportMetric(float64(sippRecvCount(b, r.Dir, "180")), "rings")
		b.ReportMetric(float64(sippRecvCount(b, r.Dir, "486")), "486s")
		b.ReportMetric(before/1024, "rssMiB-before")
		b.ReportMetric(processRSS(b, peer.PID())/1024, "rssMiB-after")
		peer.Stop()
	}
}

// processRSS is a process's resident memory in KiB (/proc/PID/status).
func processRSS(tb testing.TB, pid int) float64 {
	tb.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb
		}
	}
	return 0
}
