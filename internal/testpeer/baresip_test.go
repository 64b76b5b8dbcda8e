package testpeer

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestBaresipCallThroughKamailioCarriesTone(t *testing.T) {
	const callerToneHz = 440 // differs from the callee's default tone
	testStart := time.Now()
	t.Cleanup(func() { t.Logf("whole test incl. cleanup: %v", time.Since(testStart)) })
	k := StartKamailio(t, KamailioOptions{})
	caller := StartBaresip(t, BaresipOptions{User: "1002", Password: "secret1002", Registrar: k.Addr("udp"), ToneHz: callerToneHz})
	callee := StartBaresip(t, BaresipOptions{User: "1003", Password: "secret1003", Registrar: k.Addr("udp"), AutoAnswer: true})

	for _, user := range []string{"1002", "1003"} {
		if contacts := k.Registered(user); len(contacts) != 1 {
			t.Fatalf("bindings of %s = %v, want exactly one (log %s)", user, contacts, k.LogPath)
		}
	}

	t.Logf("peers ready after %v", time.Since(testStart))
	started := time.Now()
	if err := caller.Dial(fmt.Sprintf("sip:1003@%s", k.Addr("udp"))); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
	callee.WaitEvent(t, "CALL_ESTABLISHED", 5*time.Second)
	t.Logf("dial → established: %v", time.Since(started))

	time.Sleep(2 * time.Second)
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(t, "CALL_CLOSED", 5*time.Second)
	callee.WaitEvent(t, "CALL_CLOSED", 5*time.Second)

	wav := callee.ReceivedWAV(t)
	freq, rms := AnalyzeWAV(t, wav)
	t.Logf("call done, wav analysed after %v", time.Since(testStart))
	t.Logf("callee received %s: %.0f Hz, RMS %.3f", wav, freq, rms)
	if math.Abs(freq-callerToneHz) > callerToneHz*0.05 {
		t.Errorf("received frequency %.1f Hz, want %d Hz ±5%%", freq, callerToneHz)
	}
	if rms <= 0.05 {
		t.Errorf("received RMS %.3f, want > 0.05", rms)
	}
}
