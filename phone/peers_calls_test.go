package phone

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// Attended transfer, conference and call waiting with real phones: baresip
// 1.0.0 registered at Kamailio (which record-routes every call). 1001 is
// us (440 Hz); 1002 (A, 1000 Hz) and 1003 (B, 600 Hz) are baresip phones.

type baresipPair struct {
	k      *testpeer.Kamailio
	a, b   *testpeer.Baresip
	phone  *Phone
	events *Subscription
}

func startBaresipPair(t *testing.T, autoAnswer bool) baresipPair {
	t.Helper()
	requirePeers(t, "kamailio", "baresip", "sox")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	a := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: autoAnswer, ToneHz: 1000})
	b := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1003", Password: "secret1003",
		Registrar: k.Addr("udp"), AutoAnswer: autoAnswer, ToneHz: 600})
	p, events := startRegisteredPhone(t, "1001", "secret1001", k.Addr("udp"))
	return baresipPair{k: k, a: a, b: b, phone: p, events: events}
}

// dialBaresip calls an auto-answering baresip with our 440 Hz tone.
func (bp baresipPair) dial(t *testing.T, number string, far *testpeer.Baresip) *Call {
	t.Helper()
	c, err := bp.phone.Dial(context.Background(), "", number, DialOptions{Media: toneMedia(440, nil)})
	if err != nil {
		t.Fatal(err)
	}
	waitAnswered(t, c)
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	t.Cleanup(c.Hangup)
	return c
}

// recordedTail reads what a baresip received (its sndfile recording) and
// returns the span [end-from, end-to) at 8 kHz.
func recordedTail(t *testing.T, path string, from, to time.Duration) []int16 {
	t.Helper()
	rate, channels, err := audio.ReadWAVChannels(path)
	if err != nil || len(channels) == 0 {
		t.Fatalf("recording %s: %v", path, err)
	}
	s := channels[0]
	lo, hi := len(s)-int(from.Seconds()*float64(rate)), len(s)-int(to.Seconds()*float64(rate))
	if lo < 0 || hi <= lo {
		t.Fatalf("recording %s is %d samples long: too short", path, len(s))
	}
	return audio.Resample(s[lo:hi], rate, 8000)
}

// We call A and B and join both calls into a conference: A hears our tone
// and B's, B hears ours and A's (their sndfile recordings, the last seconds
// of the calls).
func TestConferenceWithTwoBaresips(t *testing.T) {
	bp := startBaresipPair(t, true)
	// Neither call is held: baresip 1.0.0's recording stops for good once
	// it is held (see TestHoldBaresipAndResume).
	toA := bp.dial(t, "1002", bp.a)
	toB := bp.dial(t, "1003", bp.b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := bp.phone.Conference(ctx, toA, toB); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	toA.Hangup()
	toB.Hangup()
	bp.a.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	bp.b.WaitEvent(t, "CALL_CLOSED", 10*time.Second)

	for _, far := range []struct {
		name        string
		phone       *testpeer.Baresip
		hears, self float64
	}{{"A", bp.a, 600, 1000}, {"B", bp.b, 1000, 600}} {
		heard := recordedTail(t, far.phone.ReceivedWAV(t), 2500*time.Millisecond, 500*time.Millisecond)
		ours, other, own := toneLevel(heard, 8000, 440), toneLevel(heard, 8000, far.hears), toneLevel(heard, 8000, far.self)
		t.Logf("%s heard ours (440 Hz) at %.3f, the other's (%.0f Hz) at %.3f, its own at %.3f", far.name, ours, far.hears, other, own)
		if ours < 0.05 || other < 0.05 {
			t.Errorf("%s heard our tone at %.3f and the other phone's at %.3f; want both", far.name, ours, other)
		}
		if own > 0.02 {
			t.Errorf("%s heard its own tone back at %.3f", far.name, own)
		}
	}
}

// Attended transfer of A to B: we hold A, consult B, complete. A calls B
// (baresip 1.0.0 does not know Replaces: B takes it as a second call and
// we hang the consultation up ourselves), both our calls end as
// transferred, and B hears A's 1000 Hz.
func TestAttendedTransferBaresipToBaresip(t *testing.T) {
	bp := startBaresipPair(t, true)
	toA := bp.dial(t, "1002", bp.a)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := toA.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	consult := bp.dial(t, "1003", bp.b)
	time.Sleep(500 * time.Millisecond)
	if err := toA.TransferTo(ctx, consult); err != nil {
		t.Fatalf("TransferTo: %v\nbaresip A events %v, B events %v", err, bp.a.Events(), bp.b.Events())
	}
	for _, c := range []*Call{toA, consult} {
		<-c.Done()
		if end := c.Ended(); end.Result != ResultTransferred {
			t.Errorf("call to %s ended %s (%s), want transferred", c.RemoteURI, end.Result, end.Reason)
		}
	}
	bp.b.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second) // A's call
	time.Sleep(2 * time.Second)
	if err := bp.a.Hangup(); err != nil {
		t.Fatal(err)
	}
	bp.b.WaitEvent(t, "CALL_CLOSED", 10*time.Second) // the consultation
	bp.b.WaitEvent(t, "CALL_CLOSED", 10*time.Second) // A's call
	freq, rms := testpeer.AnalyzeWAV(t, bp.b.ReceivedWAV(t))
	t.Logf("B heard %.0f Hz at RMS %.3f", freq, rms)
	if freq < 950 || freq > 1050 || rms < 0.05 {
		t.Errorf("B heard %.0f Hz at RMS %.3f, want A's 1000 Hz tone", freq, rms)
	}
}

// Call waiting with two baresip callers: A calls, we answer; B calls during
// that call, we answer, A is held; swap holds B and resumes A; both hang
// up and our calls end cleanly.
func TestCallWaitingWithBaresips(t *testing.T) {
	bp := startBaresipPair(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bp.a.Dial("sip:1001@127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	fromA := answerNext(t, bp.phone, bp.events, toneMedia(440, nil))
	bp.a.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	if err := bp.b.Dial("sip:1001@127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	fromB := answerNext(t, bp.phone, bp.events, toneMedia(440, nil))
	bp.b.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	if fromA.Number != "1002" || fromB.Number != "1003" {
		t.Fatalf("calls from %s and %s, want 1002 and 1003", fromA.Number, fromB.Number)
	}
	if !fromA.Held() || fromB.Held() {
		t.Fatalf("after answering B: A held %v, B held %v; want true, false", fromA.Held(), fromB.Held())
	}
	// Held, A answered our sendonly with recvonly and sends nothing; after
	// the swap it talks again, and B is silent instead.
	fromAWhileHeld := packetsFrom(t, fromA, time.Second)
	if now, err := bp.phone.Swap(ctx); err != nil || now != fromA {
		t.Fatalf("swap: %v (now talking to %v)", err, now)
	}
	if fromA.Held() || !fromB.Held() {
		t.Errorf("after swap: A held %v, B held %v; want false, true", fromA.Held(), fromB.Held())
	}
	time.Sleep(300 * time.Millisecond)
	fromAAfter, fromBAfter := packetsFrom(t, fromA, time.Second), packetsFrom(t, fromB, 0)
	time.Sleep(time.Second)
	fromBAfter = packetsFrom(t, fromB, 0) - fromBAfter
	t.Logf("packets from A: %d while held, %d after the swap; from B after the swap: %d", fromAWhileHeld, fromAAfter, fromBAfter)
	if fromAWhileHeld > 5 || fromAAfter < 30 || fromBAfter > 5 {
		t.Errorf("A sent %d packets in 1 s on hold and %d after the swap, B %d after the swap; want about 0, 50, 0",
			fromAWhileHeld, fromAAfter, fromBAfter)
	}
	if err := bp.a.Hangup(); err != nil {
		t.Fatal(err)
	}
	if err := bp.b.Hangup(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Call{fromA, fromB} {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("call from %s did not end", c.Number)
		}
		if end := c.Ended(); end.Result != ResultAnswered || end.HangupBy != "remote" {
			t.Errorf("call from %s ended %s by %q, want answered by remote", c.Number, end.Result, end.HangupBy)
		}
	}
	bp.a.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	bp.b.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
}

// packetsFrom counts the audio packets a call receives during d (0: the
// total so far).
func packetsFrom(t *testing.T, c *Call, d time.Duration) int {
	t.Helper()
	count := func() int {
		st, err := c.MediaStats()
		if err != nil {
			t.Fatal(err)
		}
		return int(st.Jitter.Received)
	}
	before := count()
	if d == 0 {
		return before
	}
	time.Sleep(d)
	return count() - before
}
