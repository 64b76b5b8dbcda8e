package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// sippServer runs a SIPp UAS scenario in the background on a free port.
func sippServer(t *testing.T, name, xml string) (addr string, result <-chan testpeer.SIPpResult) {
	t.Helper()
	port := testpeer.FreePort(t, "udp")
	ch := make(chan testpeer.SIPpResult, 1)
	file := scenarioFile(t, name, xml)
	go func() {
		res, err := testpeer.RunSIPp(t, ctxTimeout(t, 60*time.Second), "-sf", file, "-p", fmt.Sprint(port), "-m", "1", "-timeout", "40s")
		if err != nil {
			res.Stderr += "\n" + err.Error()
		}
		ch <- res
	}()
	time.Sleep(300 * time.Millisecond) // SIPp binds its socket before reading the scenario's first message
	return fmt.Sprintf("127.0.0.1:%d", port), ch
}

func dialOutcome(t *testing.T, target string, extra ...string) (int, []jsonEvent) {
	t.Helper()
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	args := append([]string{"--config", cfg, "dial", target, "--json"}, extra...)
	code, out, errText := runSB(t, 40*time.Second, args...)
	if strings.Contains(errText, "panic") {
		t.Fatalf("switchboard panicked:\n%s", errText)
	}
	return code, parseEvents(t, out)
}

func TestDialOutcomesAgainstSIPp(t *testing.T) {
	requirePeers(t, "sipp")
	cases := []struct {
		name       string
		xml        string
		flags      []string
		wantExit   int
		wantResult string
		wantCode   int
	}{
		{"busy", uasRejectXML(486, "Busy Here"), nil, exitBusy, "busy", 486},
		{"decline", uasRejectXML(603, "Decline"), nil, exitRejected, "declined", 603},
		{"not found", uasRejectXML(404, "Not Found"), nil, exitRejected, "failed", 404},
		{"no answer", uasRingUntilCancelXML, []string{"--ring-timeout", "2s"}, exitNoAnswer, "no-answer", 487},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, sipp := sippServer(t, strings.ReplaceAll(tc.name, " ", "_")+".xml", tc.xml)
			code, evs := dialOutcome(t, "sip:1002@"+addr, tc.flags...)
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d; events %+v", code, tc.wantExit, evs)
			}
			last := evs[len(evs)-1]
			if last.Event != "call.ended" || last.Result != tc.wantResult || last.Code != tc.wantCode {
				t.Errorf("last event %+v, want call.ended %s %d", last, tc.wantResult, tc.wantCode)
			}
			if res := <-sipp; res.ExitCode != 0 {
				t.Errorf("the SIPp scenario failed (exit %d): our side broke the dialogue\n%s", res.ExitCode, res.Stderr)
			}
		})
	}
}

// The caller gives up while we ring: call.ended says missed, exit code 4.
func TestCallerHangsUpWhileRinging(t *testing.T) {
	requirePeers(t, "sipp")
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listen})
	sb := startSB(t, "--config", cfg, "answer", "--answer-delay", "30s", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "cancel.xml", uacXML("5551234", true)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp caller: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	if code := sb.wait(20 * time.Second); code != exitNoAnswer {
		t.Errorf("answer: exit %d, want %d", code, exitNoAnswer)
	}
	evs := parseEvents(t, sb.output())
	kinds := eventKinds(evs)
	if len(evs) != 2 || kinds[0] != "call.incoming" || evs[1].Result != "missed" || evs[1].Number != "5551234" {
		t.Errorf("events %+v, want call.incoming then call.ended missed from 5551234", evs)
	}
	calls := readHistory(t, cfg)
	if len(calls) != 1 || calls[0].Result != "missed" || calls[0].RingingAt.IsZero() {
		t.Errorf("history %+v, want one missed call with its ringing time", calls)
	}
}

// A blocked number gets 603 without ringing (SIPp fails on an unexpected 180).
func TestBlockedNumberNeverRings(t *testing.T) {
	requirePeers(t, "sipp")
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, "[screening]\nblocked = [\"+1 (555) 000-666\"]\n", account{Name: "desk", User: "1001", Listen: listen})
	sb := startSB(t, "--config", cfg, "answer", "--json")
	time.Sleep(300 * time.Millisecond)
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 40*time.Second), "-sf", scenarioFile(t, "blocked.xml", uacXML("+1555000666", false)),
		listen, "-s", "1001", "-m", "1", "-timeout", "20s")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("SIPp caller expected a 603 without ringing: exit %d, %v\n%s", res.ExitCode, err, res.Stderr)
	}
	sb.wait(20 * time.Second)
	evs := parseEvents(t, sb.output())
	if len(evs) != 1 || evs[0].Event != "call.ended" || evs[0].Result != "blacklisted" || evs[0].Code != 603 {
		t.Errorf("events %+v, want only call.ended blacklisted 603 (no call.incoming)", evs)
	}
}

// A 183 with SDP: what the far end plays before answering is heard (and recorded)
// before the answer, and the call then goes on normally.
func TestEarlyMediaIsHeardBeforeTheAnswer(t *testing.T) {
	requirePeers(t, "sipp", "sox")
	wav := filepath.Join(t.TempDir(), "ringback.wav")
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", wav, "synth", "5", "sine", "600", "vol", "0.5").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	addr, sipp := sippServer(t, "early.xml", uasEarlyMediaXML(wav))
	rec := filepath.Join(t.TempDir(), "early.wav")
	code, evs := dialOutcome(t, "sip:1002@"+addr, "--record", rec, "--hangup-after", "1s",
		"--play", toneWAV(t, 440, 8000, 5*time.Second))
	if code != exitOK {
		t.Fatalf("exit %d: %+v", code, evs)
	}
	kinds := eventKinds(evs)
	if !slices.Equal(kinds, []string{"call.outgoing", "call.ringing", "call.early_media", "call.answered", "call.ended"}) {
		t.Errorf("events %v", kinds)
	}
	rate, ch, err := readChannels(rec)
	if err != nil {
		t.Fatal(err)
	}
	// Before the answer (first second): the far end's 600 Hz on the right, nothing
	// sent on the left.
	before := rate * 11 / 10
	assertTone(t, "early media (right, before answer)", ch[1][:before], rate, 600)
	if rms := audio.RMS(ch[0][rate/2 : before]); rms > 0.01 {
		t.Errorf("we sent audio (RMS %.3f) before the call was answered", rms)
	}
	if res := <-sipp; res.ExitCode != 0 {
		t.Errorf("SIPp scenario failed (exit %d)\n%s", res.ExitCode, res.Stderr)
	}
}
