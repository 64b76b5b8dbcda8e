package phone

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// Mid-call controls on a real call between two phones: mute sends silence
// while RTP keeps flowing, a recording started on demand holds both sides,
// and the media figures are readable while the call runs and at its end.
func TestMuteRecordAndStatsMidCall(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	// PCMU whatever the build offers, so the figures below are at 8 kHz.
	pcmu := Options{Codecs: []string{"PCMU"}}
	alice, aliceEvents, _ := startPhone(t, "alice", pcmu)
	bob, bobEvents, bobAddr := startPhone(t, "bob", pcmu)
	heard := audio.NewCaptureSink()
	call, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{
		Media: Media{Source: fixedSource(audio.NewToneSource(440, 8000, 0.5))}})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, bobEvents, CallIncoming)
	bobCall, _ := bob.Call(in.CallID)
	if err := bobCall.Answer(Media{Source: fixedSource(audio.NewToneSource(1000, 8000, 0.5)), Sink: fixedSink(heard)}); err != nil {
		t.Fatal(err)
	}
	next(t, aliceEvents, CallAnswered)
	time.Sleep(time.Second)

	rec := filepath.Join(t.TempDir(), "on-demand.wav")
	if err := call.StartRecording(rec); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // recorded before the mute
	stats, err := call.MediaStats()
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Recording || stats.Codec != "PCMU" || stats.Input.RMS < -12 || stats.Jitter.Received == 0 {
		t.Errorf("stats while talking: %+v", stats)
	}
	before := len(heard.Samples())
	if err := call.SetMuted(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	afterMute := heard.Samples()[before:]
	received := bobStats(t, bobCall).Jitter.Received
	time.Sleep(500 * time.Millisecond)
	if more := bobStats(t, bobCall).Jitter.Received; more <= received {
		t.Errorf("muted: bob received no more packets (%d → %d); RTP must keep flowing", received, more)
	}
	// Skip what was already in flight when mute was switched on.
	if tail := afterMute[len(afterMute)/2:]; len(tail) == 0 || audio.RMS(tail) > 0.01 {
		t.Errorf("muted: bob still hears RMS %.3f", audio.RMS(tail))
	}
	if st, _ := call.MediaStats(); !st.Muted {
		t.Error("stats do not show the mute")
	}
	call.Hangup()
	end := next(t, aliceEvents, CallEnded)
	if end.Media == nil || end.Media.Codec != "PCMU" || end.Media.Jitter.Received == 0 {
		t.Errorf("call.ended media figures: %+v", end.Media)
	}
	rate, ch, err := audio.ReadWAVChannels(rec)
	if err != nil || rate != 8000 || len(ch) != 2 {
		t.Fatalf("recording: rate %d, %d channels, %v", rate, len(ch), err)
	}
	// Recorded from the middle of the call: on the left alice's tone, then
	// the silence of the mute; bob's 1 kHz on the right throughout.
	if f := audio.DominantFrequency(ch[0][:2000], 8000); f < 430 || f > 450 {
		t.Errorf("left channel %.0f Hz before the mute, want 440", f)
	}
	if rms := audio.RMS(ch[0][len(ch[0])-4000:]); rms > 0.01 {
		t.Errorf("left channel RMS %.3f while muted, want silence", rms)
	}
	if f := audio.DominantFrequency(ch[1], 8000); f < 990 || f > 1010 {
		t.Errorf("right channel %.0f Hz, want 1000", f)
	}
	if d := time.Duration(len(ch[0])) * time.Second / 8000; d < 1500*time.Millisecond || d > 4*time.Second {
		t.Errorf("recording lasts %v, want about the 2 s after it was started", d)
	}
}

func bobStats(t *testing.T, c *Call) MediaStats {
	t.Helper()
	st, err := c.MediaStats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The key feedback a user hears when pressing DTMF is local: it must not end
// up in a sink, which holds what the far end sent (a --record file, a script's
// capture).
func TestKeyFeedbackStaysOutOfTheSink(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	pcmu := Options{Codecs: []string{"PCMU"}}
	alice, aliceEvents, _ := startPhone(t, "alice", pcmu)
	bob, bobEvents, bobAddr := startPhone(t, "bob", pcmu)
	call, err := alice.Dial(context.Background(), "", "sip:bob@"+bobAddr, DialOptions{
		Media: Media{Source: fixedSource(audio.NewToneSource(440, 8000, 0.5))}})
	if err != nil {
		t.Fatal(err)
	}
	in := next(t, bobEvents, CallIncoming)
	bobCall, _ := bob.Call(in.CallID)
	heard := audio.NewCaptureSink()
	if err := bobCall.Answer(Media{Sink: fixedSink(heard)}); err != nil {
		t.Fatal(err)
	}
	next(t, aliceEvents, CallAnswered)
	next(t, bobEvents, CallAnswered)
	for range 5 {
		if err := bobCall.SendDTMF(context.Background(), "9"); err != nil { // 852 + 1477 Hz
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	call.Hangup()
	next(t, bobEvents, CallEnded)
	s := heard.Samples()
	if lvl, tone := audio.ToneLevel(s, 8000, 1477), audio.ToneLevel(s, 8000, 440); lvl > 0.05*tone {
		t.Errorf("bob's sink holds his own key feedback: 1477 Hz at %.3f next to alice's 440 Hz at %.3f", lvl, tone)
	}
}
