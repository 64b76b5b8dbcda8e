package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

func TestHoldMusicSetting(t *testing.T) {
	tone, err := holdMusic(config.HoldMusicTone)
	if err != nil || tone == nil {
		t.Errorf("tone: %v, music %v; want the generated chime", err, tone != nil)
	}
	if silence, err := holdMusic(config.HoldMusicSilence); err != nil || silence != nil {
		t.Errorf("silence: %v, music %v; want none (the phone sends silence)", err, silence != nil)
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.wav")
	if err := audio.WriteWAV(empty, 8000, 1, nil); err != nil {
		t.Fatal(err)
	}
	notWAV := filepath.Join(dir, "text.wav")
	if err := os.WriteFile(notWAV, []byte("not a WAV file at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.wav"), empty, notWAV} {
		music, err := holdMusic(path)
		if err == nil || music != nil {
			t.Errorf("%s: music %v, error %v; want a start-up error", path, music != nil, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "calls.hold_music: ") || !strings.Contains(msg, filepath.Base(path)) {
			t.Errorf("%s: error %q should name the key and the file", path, msg)
		}
	}
}

// A WAV file as music on hold reaches the held party, resampled from the
// file's 16 kHz to the call's 8 kHz and looped: the 0.7 s clip still plays
// 1.5 s into the hold, and the holder's microphone does not.
func TestWAVHoldMusicReachesTheHeldParty(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	const musicHz, micHz = 700.0, 440.0
	music, err := holdMusic(toneWAV(t, musicHz, 16000, 700*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	holder := startInProcessPhone(t, "alice", music)
	heldPhone := startInProcessPhone(t, "bob", nil)
	heldEvents := heldPhone.Subscribe()
	heard := audio.NewCaptureSink()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	call, err := holder.Dial(ctx, "", "sip:bob@"+heldPhone.listen, phone.DialOptions{Media: phone.Media{
		Source: func(int) (audio.Source, error) { return audio.NewToneSource(micHz, 8000, 0.5), nil }}})
	if err != nil {
		t.Fatal(err)
	}
	in := waitPhoneEvent(t, heldEvents, phone.CallIncoming)
	held, ok := heldPhone.Call(in.CallID)
	if !ok {
		t.Fatal("incoming call not found")
	}
	if err := held.Answer(phone.Media{Sink: func(int) (audio.Sink, error) { return heard, nil }}); err != nil {
		t.Fatal(err)
	}
	waitPhoneEvent(t, heldEvents, phone.CallAnswered)
	time.Sleep(time.Second) // a re-INVITE at once after the answer meets a sipgo UDP race (see notes)
	if f := audio.DominantFrequency(heard.Samples(), 8000); f < micHz-10 || f > micHz+10 {
		t.Fatalf("before the hold the held side hears %.0f Hz, want the microphone's %.0f", f, micHz)
	}

	if err := call.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	start := len(heard.Samples())
	time.Sleep(1800 * time.Millisecond)
	duringHold := heard.Samples()[start:]
	late := duringHold[len(duringHold)-4000:] // the last 0.5 s: past the clip's end, so only a loop plays here
	if f := audio.DominantFrequency(late, 8000); f < musicHz-10 || f > musicHz+10 {
		t.Errorf("late in the hold the held side hears %.0f Hz, want the music's %.0f", f, musicHz)
	}
	// The music alone has the RMS of its 0.5 peak sine (0.354); with the
	// microphone's tone mixed in it would be near 0.5. (A narrow Goertzel
	// level misses the few hertz the adaptive jitter buffer shifts the tone.)
	if rms := audio.RMS(late); rms < 0.28 || rms > 0.42 {
		t.Errorf("late in the hold the held side hears RMS %.3f, want the music's 0.354 alone", rms)
	}
	call.Hangup()
	<-call.Done()
}

// inProcessPhone is a started phone with one UDP account on loopback.
type inProcessPhone struct {
	*phone.Phone
	listen string
}

func startInProcessPhone(t *testing.T, user string, music func(int) (audio.Source, error)) inProcessPhone {
	t.Helper()
	listen := listenAddr(t, "udp")
	p, err := phone.New(phone.Options{
		Accounts: []config.Account{{Name: user, User: user, Domain: "127.0.0.1", Listen: listen, Transport: "udp",
			Expires: config.Duration{Duration: time.Minute}}},
		Codecs:    []string{"PCMU"}, // the tones are measured at 8 kHz
		HoldMusic: music,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return inProcessPhone{Phone: p, listen: listen}
}

func waitPhoneEvent(t *testing.T, sub *phone.Subscription, kind phone.Kind) phone.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}
