package phone

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// talkingPair is a call between two in-process phones, both sides capturing
// what they hear: alice sends 440 Hz, bob 1000 Hz.
type talkingPair struct {
	aliceCall, bobCall     *Call
	aliceEvents, bobEvents *Subscription
	aliceHeard, bobHeard   *audio.CaptureSink
}

func startTalkingPair(t *testing.T, opts Options) talkingPair {
	t.Helper()
	opts.Codecs = []string{"PCMU"} // the tones are checked at 8 kHz
	alice, aliceEvents, _ := startPhone(t, "alice", opts)
	bob, bobEvents, bobAddr := startPhone(t, "bob", opts)
	tp := talkingPair{aliceEvents: aliceEvents, bobEvents: bobEvents,
		aliceHeard: audio.NewCaptureSink(), bobHeard: audio.NewCaptureSink()}
	var err error
	tp.aliceCall, err = alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{Media: Media{
		Source: fixedSource(audio.NewToneSource(440, 8000, 0.5)), Sink: fixedSink(tp.aliceHeard)}})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, bobEvents, CallIncoming)
	tp.bobCall, _ = bob.Call(in.CallID)
	if err := tp.bobCall.Answer(Media{Source: fixedSource(audio.NewToneSource(1000, 8000, 0.5)), Sink: fixedSink(tp.bobHeard)}); err != nil {
		t.Fatal(err)
	}
	next(t, aliceEvents, CallAnswered)
	next(t, bobEvents, CallAnswered)
	return tp
}

// samplesDuring returns what sink captured while fn ran for d, skipping the
// first 300 ms (audio in flight and the jitter buffer's delay).
func samplesDuring(sink *audio.CaptureSink, d time.Duration) []int16 {
	start := len(sink.Samples())
	time.Sleep(d)
	s := sink.Samples()[start:]
	skip := min(len(s), 8000*300/1000)
	return s[skip:]
}

// Either side holds the other and resumes: the held side hears silence (or
// the hold music), the holder hears nothing, both see their events, and the
// audio comes back after the resume.
func TestHoldAndResumeBetweenTwoPhones(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	for _, tc := range []struct {
		name        string
		callerHolds bool
		music       func(int) (audio.Source, error)
	}{
		{"caller holds with silence", true, nil},
		{"callee holds with music", false, HoldToneMusic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := startTalkingPair(t, Options{HoldMusic: tc.music})
			holder, held := tp.aliceCall, tp.bobCall
			holderEvents, heldEvents := tp.aliceEvents, tp.bobEvents
			holderHeard, heldHeard, holderTone := tp.aliceHeard, tp.bobHeard, 440.0
			if !tc.callerHolds {
				holder, held = tp.bobCall, tp.aliceCall
				holderEvents, heldEvents = tp.bobEvents, tp.aliceEvents
				holderHeard, heldHeard, holderTone = tp.bobHeard, tp.aliceHeard, 1000
			}
			if f := audio.DominantFrequency(samplesDuring(heldHeard, time.Second), 8000); f < holderTone-10 || f > holderTone+10 {
				t.Fatalf("before the hold the held side hears %.0f Hz, want %.0f", f, holderTone)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := holder.Hold(ctx); err != nil {
				t.Fatal(err)
			}
			next(t, holderEvents, CallHeld)
			if ev := next(t, heldEvents, CallRemoteHold); ev.Reason != "a=sendonly" {
				t.Errorf("call.remote_hold reason %q, want a=sendonly", ev.Reason)
			}
			if !holder.Held() || !held.RemoteHeld() || holder.RemoteHeld() || held.Held() {
				t.Errorf("hold state: holder held=%v remote=%v, held side held=%v remote=%v",
					holder.Held(), holder.RemoteHeld(), held.Held(), held.RemoteHeld())
			}
			if err := holder.Hold(ctx); err != nil { // a second hold is a no-op
				t.Fatal(err)
			}
			if err := held.SendDTMF(ctx, "1"); err == nil {
				t.Error("DTMF sent to a far end that holds us")
			}
			heldSent, holderSent := packetsWritten(t, held), packetsWritten(t, holder)
			duringHold := samplesDuring(heldHeard, 1500*time.Millisecond)
			// RFC 3264: the held side answered recvonly and sends nothing; the
			// holder goes on sending (silence or music).
			if n := packetsWritten(t, held) - heldSent; n > 2 {
				t.Errorf("the held side wrote %d RTP packets during the hold, want none", n)
			}
			if n := packetsWritten(t, holder) - holderSent; n < 50 {
				t.Errorf("the holder wrote %d RTP packets in 1.5 s of hold, want about 75", n)
			}
			if tc.music == nil {
				if rms := audio.RMS(duringHold); rms > 0.01 {
					t.Errorf("held side hears RMS %.3f during a silent hold", rms)
				}
			} else {
				chime := audio.ToneLevel(duringHold, 8000, 523.25) + audio.ToneLevel(duringHold, 8000, 659.25) + audio.ToneLevel(duringHold, 8000, 783.99)
				if mic := audio.ToneLevel(duringHold, 8000, holderTone); chime < 0.01 || mic > 0.1*chime {
					t.Errorf("during the hold: chime level %.3f, microphone tone %.3f; want the chime only", chime, mic)
				}
			}

			if err := holder.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			next(t, holderEvents, CallResumed)
			if ev := next(t, heldEvents, CallRemoteResumed); ev.Reason != "a=sendrecv" {
				t.Errorf("call.remote_resumed reason %q, want a=sendrecv", ev.Reason)
			}
			if holder.Held() || held.RemoteHeld() {
				t.Error("still held after the resume")
			}
			if f := audio.DominantFrequency(samplesDuring(heldHeard, time.Second), 8000); f < holderTone-10 || f > holderTone+10 {
				t.Errorf("after the resume the held side hears %.0f Hz, want %.0f", f, holderTone)
			}
			heldTone := map[bool]float64{true: 1000, false: 440}[tc.callerHolds]
			if f := audio.DominantFrequency(samplesDuring(holderHeard, time.Second), 8000); f < heldTone-10 || f > heldTone+10 {
				t.Errorf("after the resume the holder hears %.0f Hz, want %.0f", f, heldTone)
			}
			tp.aliceCall.Hangup()
			next(t, tp.aliceEvents, CallEnded)
		})
	}
}

// Mute and unmute publish one event per change and none for a repeat.
func TestMuteEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	tp := startTalkingPair(t, Options{})
	for _, muted := range []bool{true, true, false, false, true} {
		if err := tp.aliceCall.SetMuted(muted); err != nil {
			t.Fatal(err)
		}
	}
	tp.aliceCall.Hangup()
	var kinds []Kind
	for _, k := range kindsUntilEnd(t, tp.aliceEvents, tp.aliceCall.ID) {
		if k == CallMuted || k == CallUnmuted {
			kinds = append(kinds, k)
		}
	}
	want := []Kind{CallMuted, CallUnmuted, CallMuted}
	if len(kinds) != len(want) || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] {
		t.Errorf("mute events %v, want %v", kinds, want)
	}
}

// packetsWritten counts the RTP packets the call handed to diago's session.
func packetsWritten(t *testing.T, c *Call) uint64 {
	t.Helper()
	pump, err := c.mediaPump()
	if err != nil {
		t.Fatal(err)
	}
	return pump.packets.RTPSession().WriteStats().PacketsCount
}
