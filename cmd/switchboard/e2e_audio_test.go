package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// Two switchboards prefer Opus: the call runs at 48 kHz and tones cross both ways.
func TestOpusCallBetweenTwoSwitchboards(t *testing.T) {
	requirePeers(t)
	if !audio.OpusAvailable() {
		t.Skip("built without Opus (make test builds with -tags with_opus_c)")
	}
	opus := "[audio]\nbackend = \"null\"\ncodecs = [\"opus\", \"PCMU\"]\n"
	listen := listenAddr(t, "udp")
	callee := testConfig(t, opus, account{Name: "b", User: "1002", Listen: listen})
	caller := testConfig(t, opus, account{Name: "a", User: "1001", Listen: listenAddr(t, "udp")})
	dir := t.TempDir()
	inRec, outRec := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")

	sb := startSB(t, "--config", callee, "answer", "--play", toneWAV(t, 1000, 48000, 10*time.Second),
		"--record", inRec, "--json")
	time.Sleep(300 * time.Millisecond)
	code, out, errText := runSB(t, 30*time.Second, "--config", caller, "dial", "sip:1002@"+listen,
		"--play", toneWAV(t, 440, 44100, 10*time.Second), "--record", outRec, "--hangup-after", "3s", "--json")
	if code != exitOK {
		t.Fatalf("dial: exit %d\n%v\n%s", code, out, errText)
	}
	if c := sb.wait(15 * time.Second); c != exitOK {
		t.Fatalf("answer: exit %d", c)
	}
	for _, ev := range parseEvents(t, out) {
		if ev.Event == "call.answered" && ev.Codec != "opus" {
			t.Errorf("negotiated %q, want opus", ev.Codec)
		}
	}
	for _, rec := range []struct {
		path        string
		left, right float64
	}{{outRec, 440, 1000}, {inRec, 1000, 440}} {
		rate, _, err := readChannels(rec.path)
		if err != nil {
			t.Fatal(err)
		}
		if rate != 48000 {
			t.Errorf("%s recorded at %d Hz, want 48000", rec.path, rate)
		}
		assertRecording(t, rec.path, rec.left, rec.right)
	}
}
