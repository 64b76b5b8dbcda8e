package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// We dial a baresip phone through Kamailio (digest auth on the INVITE): our tone
// must arrive at baresip and baresip's tone in our recording, and the call must be
// in the history.
func TestDialBaresipThroughKamailio(t *testing.T) {
	requirePeers(t, "kamailio", "baresip", "sox")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 1000})
	// Kamailio relays our UDP, TCP or TLS leg to baresip's UDP one.
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) { dialBaresip(t, k, far, transport) })
	}
}

func dialBaresip(t *testing.T, k *testpeer.Kamailio, far *testpeer.Baresip, transport string) {
	network := map[string]string{"udp": "udp", "tcp": "tcp", "tls": "tcp"}[transport]
	acct := account{Name: "desk", User: "1001", Password: "secret1001", Registrar: k.Addr(transport),
		Transport: transport, Listen: listenAddr(t, network)}
	if transport == "tls" {
		acct.CAFile = k.CAFile
	}
	cfg := testConfig(t, "", acct)
	rec := filepath.Join(t.TempDir(), "call.wav")

	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "dial", "1002",
		"--play", toneWAV(t, 440, 44100, 10*time.Second), "--record", rec, "--hangup-after", "3s", "--json")
	if code != exitOK {
		t.Fatalf("dial: exit %d\n%v\n%s", code, out, errText)
	}
	evs := parseEvents(t, out)
	kinds := eventKinds(evs)
	if !slices.Equal(kinds, []string{"call.outgoing", "call.ringing", "call.answered", "call.ended"}) &&
		!slices.Equal(kinds, []string{"call.outgoing", "call.answered", "call.ended"}) {
		t.Errorf("events %v, want outgoing, (ringing,) answered, ended", kinds)
	}
	last := evs[len(evs)-1]
	if last.Result != "answered" || last.TalkMS < 2500 {
		t.Errorf("call.ended %+v, want answered after about 3 s", last)
	}
	assertRecording(t, rec, 440, 1000)
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	assertPeerHeard(t, far, 440)

	calls := readHistory(t, cfg)
	if len(calls) != 1 || calls[0].Result != "answered" || calls[0].RemoteNumber != "1002" || calls[0].Recording != rec {
		t.Errorf("history %+v, want one answered call to 1002 with its recording", calls)
	}
}

// baresip calls us through Kamailio; `answer` registers, picks up and talks.
func TestBaresipCallsUs(t *testing.T) {
	requirePeers(t, "kamailio", "baresip", "sox")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	caller := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), ToneHz: 700})
	// Registered over UDP, TCP or TLS: Kamailio delivers the call to our Contact
	// on the same transport.
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) { receiveFromBaresip(t, k, caller, transport) })
	}
}

func receiveFromBaresip(t *testing.T, k *testpeer.Kamailio, caller *testpeer.Baresip, transport string) {
	network := map[string]string{"udp": "udp", "tcp": "tcp", "tls": "tcp"}[transport]
	acct := account{Name: "desk", User: "1001", Password: "secret1001", Registrar: k.Addr(transport),
		Transport: transport, Listen: listenAddr(t, network), Register: true}
	if transport == "tls" {
		acct.CAFile = k.CAFile
	}
	cfg := testConfig(t, "", acct)
	rec := filepath.Join(t.TempDir(), "in.wav")

	sb := startSB(t, "--config", cfg, "answer", "--play", toneWAV(t, 440, 8000, 10*time.Second),
		"--record", rec, "--hangup-after", "3s", "--json")
	sb.waitLine(`"reg.ok"`, 10*time.Second)
	if err := caller.Dial(fmt.Sprintf("sip:1001@%s", k.Addr("udp"))); err != nil {
		t.Fatal(err)
	}
	if code := sb.wait(30 * time.Second); code != exitOK {
		t.Fatalf("answer: exit %d", code)
	}
	evs := parseEvents(t, sb.output())
	var incoming, ended *jsonEvent
	for i := range evs {
		switch evs[i].Event {
		case "call.incoming":
			incoming = &evs[i]
		case "call.ended":
			ended = &evs[i]
		}
	}
	if incoming == nil || incoming.Number != "1003" || ended == nil || ended.Result != "answered" {
		t.Fatalf("events %+v: want an incoming call from 1003 that ended answered", evs)
	}
	assertRecording(t, rec, 440, 700)
	caller.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	assertPeerHeard(t, caller, 440)
}

// Two baresip phones call one switchboard at the same time; each call carries its
// own audio both ways.
func TestTwoSimultaneousCalls(t *testing.T) {
	requirePeers(t, "baresip", "sox")
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listen})
	dir := t.TempDir()
	rec := filepath.Join(dir, "call.wav")
	sb := startSB(t, "--config", cfg, "answer", "--calls", "2", "--play", toneWAV(t, 440, 8000, 15*time.Second),
		"--record", rec, "--hangup-after", "4s", "--json")
	time.Sleep(300 * time.Millisecond) // listener up; the dials below retry nothing
	a := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "2001", ToneHz: 700})
	b := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "2002", ToneHz: 1300})
	for _, p := range []*testpeer.Baresip{a, b} {
		if err := p.Dial("sip:1001@" + listen); err != nil {
			t.Fatal(err)
		}
	}
	if code := sb.wait(40 * time.Second); code != exitOK {
		t.Fatalf("answer --calls 2: exit %d", code)
	}
	evs := parseEvents(t, sb.output())
	answered := 0
	for _, e := range evs {
		if e.Event == "call.answered" {
			answered++
		}
	}
	if answered != 2 {
		t.Fatalf("%d calls answered, want 2: %v", answered, eventKinds(evs))
	}
	// Which caller got which file depends on arrival order; each file must hold
	// exactly one caller's tone.
	got := []float64{}
	for _, path := range []string{rec, filepath.Join(dir, "call-2.wav")} {
		rate, ch, err := readChannels(path)
		if err != nil {
			t.Fatal(err)
		}
		assertTone(t, filepath.Base(path)+" left", ch[0], rate, 440)
		got = append(got, dominant(ch[1], rate))
	}
	slices.Sort(got)
	if !(near(got[0], 700) && near(got[1], 1300)) {
		t.Errorf("the two recordings heard %v Hz, want one 700 Hz and one 1300 Hz caller", got)
	}
	for _, p := range []*testpeer.Baresip{a, b} {
		p.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
		assertPeerHeard(t, p, 440)
	}
}

func readHistory(t *testing.T, cfgPath string) []history.Call {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(filepath.Dir(cfgPath), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	calls, err := history.NewRepo(db).Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}
