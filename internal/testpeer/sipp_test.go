package testpeer

import (
	"context"
	"testing"
	"time"
)

func TestSIPpUACCallsBaresip(t *testing.T) {
	phone := StartBaresip(t, BaresipOptions{User: "1002", AutoAnswer: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	result, err := RunSIPp(t, ctx, "-sn", "uac", "-s", "1002", loopbackAddr(phone.SIPPort), "-m", "1", "-trace_stat", "-trace_err")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sipp exit %d in %v, stats %s", result.ExitCode, result.Duration, result.StatsCSV)
	if result.ExitCode != 0 {
		t.Fatalf("sipp exit %d, want 0\n%s\nbaresip log %s", result.ExitCode, result.Stderr, phone.LogPath)
	}
	phone.WaitEvent(t, "CALL_CLOSED", 5*time.Second)
}

// SIPp's built-in uac ignores Record-Route and sends BYE to the proxy with
// R-URI sip:1003@proxy: this proves the lookup("location") fallback.
func TestSIPpUACThroughKamailioWithoutAuth(t *testing.T) {
	k := StartKamailio(t, KamailioOptions{NoAuth: true})
	StartBaresip(t, BaresipOptions{User: "1003", Registrar: k.Addr("udp"), AutoAnswer: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	result, err := RunSIPp(t, ctx, "-sn", "uac", "-s", "1003", k.Addr("udp"), "-timeout", "15s")
	if err != nil {
		t.Fatal(err)
	}
	if result.ExitCode != 0 {
		t.Fatalf("sipp exit %d, want 0\n%s\nkamailio log %s", result.ExitCode, result.Stderr, k.LogPath)
	}
}

func TestSIPpRefusesNonLoopbackTarget(t *testing.T) {
	Require(t, "sipp")
	_, err := RunSIPp(t, context.Background(), "-sn", "uac", "192.0.2.1:5060")
	if err == nil {
		t.Fatal("RunSIPp accepted a non-loopback remote host")
	}
}

// A SIPp that never gets an answer must be killed when ctx ends.
func TestSIPpIsKilledWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	silent := loopbackAddr(FreePort(t, "udp"))
	started := time.Now()
	_, err := RunSIPp(t, ctx, "-sn", "uac", "-s", "1001", silent, "-timeout", "60s", "-recv_timeout", "60000")
	if err == nil {
		t.Fatalf("RunSIPp returned no error after its context ended")
	}
	if elapsed := time.Since(started); elapsed > 6*time.Second {
		t.Fatalf("RunSIPp took %v to give up", elapsed)
	}
}
