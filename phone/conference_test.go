package phone

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// A three-way conference on alice, who calls bob (PCMU, 8 kHz) and carol
// (Opus, 48 kHz): the mix runs at 48 kHz and converts for bob. Each far
// end hears alice's tone and the other's; alice hears both; when carol
// hangs up, bob and alice go on as a normal call.
func TestConferenceMixesTwoCallsAndOurMicrophone(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	if !audio.OpusAvailable() {
		t.Skip("built without Opus (tag with_opus_c)")
	}
	const aliceHz, bobHz, carolHz = 440.0, 1000.0, 1500.0
	alice, aliceEvents, _ := startPhoneAccount(t, "alice", Options{Codecs: []string{"opus", "PCMU"}}, nil)
	bob, bobEvents, bobAddr := startPhoneAccount(t, "bob", Options{Codecs: []string{"PCMU"}}, nil)
	carol, carolEvents, carolAddr := startPhoneAccount(t, "carol", Options{Codecs: []string{"opus"}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bobHeard, carolHeard := audio.NewCaptureSink(), audio.NewCaptureSink()
	aliceHeardBob, aliceHeardCarol := audio.NewCaptureSink(), audio.NewCaptureSink()

	toBob, err := alice.Dial(ctx, "", "sip:bob@"+bobAddr, DialOptions{Media: toneMedia(aliceHz, aliceHeardBob)})
	if err != nil {
		t.Fatal(err)
	}
	answerNext(t, bob, bobEvents, toneMedia(bobHz, bobHeard))
	waitAnswered(t, toBob)
	if err := toBob.Hold(ctx); err != nil { // the operator holds bob to call carol
		t.Fatal(err)
	}
	toCarol, err := alice.Dial(ctx, "", "sip:carol@"+carolAddr, DialOptions{Media: toneMedia(aliceHz, aliceHeardCarol)})
	if err != nil {
		t.Fatal(err)
	}
	carolCall := answerNext(t, carol, carolEvents, toneMedia(carolHz, carolHeard))
	waitAnswered(t, toCarol)
	if c1, c2 := codecOf(t, toBob), codecOf(t, toCarol); c1 != "PCMU" || c2 != "opus" {
		t.Fatalf("codecs: bob %s, carol %s; want PCMU and opus", c1, c2)
	}

	cf, err := alice.Conference(ctx, toBob, toCarol)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if ev := next(t, aliceEvents, CallConference); ev.Change != "joined" || ev.Conference != cf.ID {
			t.Errorf("call.conference %s of %s, want joined %s", ev.Change, ev.Conference, cf.ID)
		}
	}
	if toBob.Held() || cf.mixRate != 48000 || len(cf.Members()) != 2 {
		t.Errorf("conference: bob held %v, mix rate %d, %d members; want false, 48000, 2", toBob.Held(), cf.mixRate, len(cf.Members()))
	}
	time.Sleep(300 * time.Millisecond) // the queues fill
	bobHears := samplesDuring(bobHeard, 1500*time.Millisecond)
	carolHears := resampleTo8k(samplesDuring(carolHeard, 1500*time.Millisecond))
	for _, m := range []struct {
		who     string
		heard   []int16
		hz      float64
		present bool
	}{
		{"bob", bobHears, aliceHz, true}, {"bob", bobHears, carolHz, true}, {"bob", bobHears, bobHz, false},
		{"carol", carolHears, aliceHz, true}, {"carol", carolHears, bobHz, true}, {"carol", carolHears, carolHz, false},
	} {
		level := toneLevel(m.heard, 8000, m.hz)
		t.Logf("%s hears %.0f Hz at %.3f", m.who, m.hz, level)
		if m.present && level < 0.05 {
			t.Errorf("%s does not hear %.0f Hz (level %.3f)", m.who, m.hz, level)
		}
		if !m.present && level > 0.02 {
			t.Errorf("%s hears its own %.0f Hz back (level %.3f)", m.who, m.hz, level)
		}
	}
	if f := audio.DominantFrequency(samplesDuring(aliceHeardBob, time.Second), 8000); f < bobHz-15 || f > bobHz+15 {
		t.Errorf("alice hears %.0f Hz on bob's call, want %.0f", f, bobHz)
	}

	carolCall.Hangup()
	left := map[string]bool{}
	for range 2 {
		ev := next(t, aliceEvents, CallConference)
		if ev.Change == "left" {
			left[ev.CallID] = true
		}
	}
	if !left[toBob.ID] || !left[toCarol.ID] {
		t.Errorf("after carol hung up, left events for %v; want both calls", left)
	}
	if toBob.Conference() != nil || toBob.State() != StateActive {
		t.Fatalf("bob's call: conference %v, %s; want a normal active call", toBob.Conference(), toBob.State())
	}
	time.Sleep(200 * time.Millisecond)
	after := samplesDuring(bobHeard, time.Second)
	if a, c := toneLevel(after, 8000, aliceHz), toneLevel(after, 8000, carolHz); a < 0.1 || c > 0.02 {
		t.Errorf("after carol left bob hears alice at %.3f and carol at %.3f; want alice only", a, c)
	}
	toBob.Hangup()
	<-toBob.Done()
}

func codecOf(t *testing.T, c *Call) string {
	t.Helper()
	st, err := c.MediaStats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Codec
}

// resampleTo8k brings a 48 kHz capture to the 8 kHz the other checks use.
func resampleTo8k(s []int16) []int16 { return audio.Resample(s, 48000, 8000) }
