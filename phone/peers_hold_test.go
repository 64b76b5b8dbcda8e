package phone

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// Tests against a real baresip (testpeer), on 127.0.0.1 only.

func requirePeers(t *testing.T, binaries ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("test with real peers; skipped in -short mode")
	}
	testpeer.Require(t, binaries...)
}

// callBaresip dials an auto-answering baresip directly (no registrar) and
// waits until both sides talk. We send 440 Hz, baresip 1000 Hz.
func callBaresip(t *testing.T, opts Options, peer testpeer.BaresipOptions) (*Call, *Subscription, *testpeer.Baresip) {
	t.Helper()
	peer.User, peer.AutoAnswer, peer.ToneHz = "1002", true, 1000
	far := testpeer.StartBaresip(t, peer)
	opts.Codecs = []string{"PCMU"} // baresip runs PCMU and the tones are checked at 8 kHz
	p, events, _ := startPhone(t, "1001", opts)
	call, err := p.Dial(context.Background(), "", far.URI(), DialOptions{Media: Media{
		Source: fixedSource(audio.NewToneSource(440, 8000, 0.5))}})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	t.Cleanup(call.Hangup)
	return call, events, far
}

// We hold baresip and resume: what baresip plays on its sound card (a test
// PulseAudio sink) is our tone, then the silence of the hold, then our tone
// again. baresip 1.0.0's sndfile recording cannot tell: it stops for good
// when the far end holds it (its decode filter is not set up again when the
// player restarts), so the speaker is measured instead.
func TestHoldBaresipAndResume(t *testing.T) {
	requirePeers(t, "baresip", "pulseaudio")
	pulse := testpeer.StartPulse(t)
	call, events, _ := callBaresip(t, Options{}, testpeer.BaresipOptions{SoundCard: true, Env: pulse.Env()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	played := make(chan []int16, 1)
	go func() { played <- pulse.Record(t, "spk.monitor", 6500*time.Millisecond) }()
	time.Sleep(2 * time.Second)
	if err := call.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallHeld)
	time.Sleep(2 * time.Second)
	if err := call.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallResumed)
	speaker := <-played

	got := loudness(speaker, testpeer.PulseRate, 100*time.Millisecond)
	t.Logf("baresip played (100 ms windows, L = loud, . = quiet): %s", got)
	// Expected about 2 s loud, 2 s quiet, 2.5 s loud; allow for the player's
	// start and the re-INVITE round trips.
	loud1, quiet, loud2 := runsOf(got)
	if loud1 < 10 || quiet < 15 || quiet > 25 || loud2 < 15 {
		t.Errorf("baresip played loud %d, quiet %d, loud %d windows; want ≥10, 15-25, ≥15", loud1, quiet, loud2)
	}
	if f := audio.DominantFrequency(speaker, testpeer.PulseRate); f < 430 || f > 450 {
		t.Errorf("baresip played %.0f Hz, want our 440 Hz", f)
	}
}

// baresip holds us and resumes (its ctrl_tcp commands hold / resume): we
// publish call.remote_hold and call.remote_resumed and send nothing meanwhile.
func TestBaresipHoldsUs(t *testing.T) {
	requirePeers(t, "baresip")
	call, events, far := callBaresip(t, Options{}, testpeer.BaresipOptions{})
	time.Sleep(500 * time.Millisecond)

	if _, err := far.Command("hold", ""); err != nil {
		t.Fatal(err)
	}
	ev := next(t, events, CallRemoteHold)
	t.Logf("call.remote_hold: %s", ev.Reason)
	if !call.RemoteHeld() {
		t.Error("RemoteHeld() false after call.remote_hold")
	}
	sent := packetsWritten(t, call)
	time.Sleep(time.Second)
	if n := packetsWritten(t, call) - sent; n > 2 {
		t.Errorf("we wrote %d RTP packets while baresip held us, want none", n)
	}
	if st, _ := call.MediaStats(); !st.RemoteHeld || st.Held {
		t.Errorf("media stats while held by baresip: remote_held %v, held %v", st.RemoteHeld, st.Held)
	}

	if _, err := far.Command("resume", ""); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallRemoteResumed)
	sent = packetsWritten(t, call)
	time.Sleep(time.Second)
	if n := packetsWritten(t, call) - sent; n < 35 {
		t.Errorf("we wrote %d RTP packets in the second after the resume, want about 50", n)
	}
}

// loudness renders a signal as one character per window: L loud, . quiet.
func loudness(s []int16, rate int, window time.Duration) string {
	n := int(window.Seconds() * float64(rate))
	out := make([]byte, 0, len(s)/n+1)
	for i := 0; i+n <= len(s); i += n {
		if audio.RMS(s[i:i+n]) > 0.05 {
			out = append(out, 'L')
		} else {
			out = append(out, '.')
		}
	}
	return string(out)
}

// runsOf measures the longest loud-quiet-loud shape: the first loud run, the
// quiet run after it and the loud run after that (leading quiet is set-up).
func runsOf(pattern string) (loud1, quiet, loud2 int) {
	var runs []int
	var kinds []byte
	for i := 0; i < len(pattern); i++ {
		if len(kinds) > 0 && kinds[len(kinds)-1] == pattern[i] {
			runs[len(runs)-1]++
			continue
		}
		kinds, runs = append(kinds, pattern[i]), append(runs, 1)
	}
	if len(kinds) > 0 && kinds[0] == '.' {
		kinds, runs = kinds[1:], runs[1:]
	}
	if len(runs) < 3 {
		return 0, 0, 0
	}
	return runs[0], runs[1], runs[2]
}

func TestRunsOf(t *testing.T) {
	for pattern, want := range map[string][3]int{
		"..LLL....LL.": {3, 4, 2},
		"LLLL":         {0, 0, 0},
		"":             {0, 0, 0},
		"L.L":          {1, 1, 1},
	} {
		l1, q, l2 := runsOf(pattern)
		if got := [3]int{l1, q, l2}; got != want {
			t.Errorf("runsOf(%q) = %v, want %v", pattern, got, want)
		}
	}
}

// Both holds through Kamailio, which record-routes the call: our re-INVITEs
// and baresip's must follow the route set, and the INVITE's digest
// challenge must not spill over to them.
func TestHoldThroughKamailio(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true})
	p, events := startRegisteredPhone(t, "1001", "secret1001", k.Addr("udp"))
	call, err := p.Dial(context.Background(), "", "1002", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, CallAnswered)
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	t.Cleanup(call.Hangup)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if err := call.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallHeld)
	if err := call.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallResumed)

	if _, err := far.Command("hold", ""); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallRemoteHold)
	if _, err := far.Command("resume", ""); err != nil {
		t.Fatal(err)
	}
	next(t, events, CallRemoteResumed)
	if st := call.State(); st != StateActive {
		t.Errorf("call %s after the holds, want active", st)
	}
}

// startRegisteredPhone starts a phone whose account registers at registrar
// (also its outbound proxy) and waits for reg.ok.
func startRegisteredPhone(t *testing.T, user, password, registrar string) (*Phone, *Subscription) {
	t.Helper()
	acct := config.Account{Name: user, User: user, Password: password, Domain: "127.0.0.1",
		Registrar: registrar, Register: true, Listen: freeUDP(t), Transport: "udp",
		Expires: config.Duration{Duration: time.Minute}}
	p, err := New(Options{Accounts: []config.Account{acct}, Codecs: []string{"PCMU"}})
	if err != nil {
		t.Fatal(err)
	}
	events := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	next(t, events, RegOK)
	return p, events
}
