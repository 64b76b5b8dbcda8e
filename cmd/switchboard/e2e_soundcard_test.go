package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// soundCardConfig selects the PortAudio backend (the default) with PCMU.
const soundCardConfig = "[audio]\nbackend = \"portaudio\"\ncodecs = [\"PCMU\"]\n"

// The sound card is a PulseAudio null sink: a 440 Hz tone played into the
// virtual microphone reaches baresip, and baresip's 1000 Hz tone comes out of
// the virtual speaker, read back from its monitor.
func TestSoundCardCallToBaresip(t *testing.T) {
	requirePeers(t, "baresip", "pulseaudio", "pacat", "sox")
	pulse := testpeer.StartPulse(t)
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true, ToneHz: 1000})
	pulse.StartTone(t, "mic", 440)
	cfg := testConfig(t, soundCardConfig, account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})

	sb := startSBEnv(t, pulse.Env(), "--config", cfg, "dial", fmt.Sprintf("sip:1002@127.0.0.1:%d", far.SIPPort),
		"--hangup-after", "6s", "--json")
	sb.waitLine(`"call.answered"`, 15*time.Second)
	time.Sleep(1500 * time.Millisecond) // past the start of the call
	heard := pulse.Record(t, "spk.monitor", 3*time.Second)
	if code := sb.wait(30 * time.Second); code != exitOK {
		t.Fatalf("dial: exit %d\n%s\n%s", code, strings.Join(sb.output(), "\n"), sb.errText())
	}

	freq, level := audio.DominantFrequency(heard, testpeer.PulseRate), audio.RMS(heard)
	t.Logf("speaker: %.1f Hz, RMS %.3f", freq, level)
	if freq < 990 || freq > 1010 || level < 0.05 {
		t.Errorf("speaker played %.1f Hz at RMS %.3f, want baresip's 1000 Hz audible", freq, level)
	}
	if lvl := audio.ToneLevel(heard, testpeer.PulseRate, 440); lvl > 0.05*level {
		t.Errorf("our own microphone leaks into the speaker (440 Hz level %.3f)", lvl)
	}
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
	assertPeerHeard(t, far, 440)
	assertNoSoundSystemNoise(t, sb.errText())
	for _, ev := range parseEvents(t, sb.output()) {
		if ev.Event == "audio.device" {
			t.Errorf("unexpected device change in a quiet call: %+v", ev)
		}
	}
}

// An unplugged headset: the device the call plays on and records from is a
// second PulseAudio reached through an extra ALSA device. Killing that server
// mid-call must neither end the call nor crash: the streams move to the
// fallback device (the default) and an audio.device event says so.
func TestHeadsetUnpluggedMidCall(t *testing.T) {
	requirePeers(t, "baresip", "pulseaudio", "pacat", "sox")
	room := testpeer.StartPulse(t)
	headset := testpeer.StartPulse(t)
	room.AddALSADevice("headset", headset)
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true, ToneHz: 1000})
	extra := soundCardConfig + "input = \"headset\"\noutput = \"headset\"\n"
	cfg := testConfig(t, extra, account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})

	sb := startSBEnv(t, room.Env(), "--config", cfg, "dial", fmt.Sprintf("sip:1002@127.0.0.1:%d", far.SIPPort),
		"--hangup-after", "12s", "--json")
	sb.waitLine(`"call.answered"`, 15*time.Second)
	time.Sleep(time.Second)
	onHeadset := headset.Record(t, "spk.monitor", 2500*time.Millisecond)
	if f := audio.DominantFrequency(onHeadset, testpeer.PulseRate); f < 990 || f > 1010 {
		t.Fatalf("before the unplug the headset played %.1f Hz, want 1000", f)
	}
	headset.Kill()
	sb.waitLine(`"audio.device"`, 8*time.Second)
	time.Sleep(1500 * time.Millisecond)
	onSpeaker := room.Record(t, "spk.monitor", 2500*time.Millisecond)
	if code := sb.wait(30 * time.Second); code != exitOK {
		t.Fatalf("dial: exit %d\n%s\n%s", code, strings.Join(sb.output(), "\n"), sb.errText())
	}
	if f, lvl := audio.DominantFrequency(onSpeaker, testpeer.PulseRate), audio.RMS(onSpeaker); f < 990 || f > 1010 || lvl < 0.05 {
		t.Errorf("after the unplug the fallback speaker played %.1f Hz at RMS %.3f, want 1000 Hz", f, lvl)
	}
	var changes []string
	var ended *jsonEvent
	for _, ev := range parseEvents(t, sb.output()) {
		switch ev.Event {
		case "audio.device":
			changes = append(changes, ev.Change)
		case "call.ended":
			ended = &ev
		}
	}
	if !strings.Contains(strings.Join(changes, ","), "fallback") {
		t.Errorf("device events %v, want a fallback", changes)
	}
	if ended == nil || ended.Result != "answered" || ended.TalkMS < 11000 {
		t.Errorf("call.ended %+v: the call must run its full 12 s", ended)
	}
}

// A machine without any sound device: switchboard still calls, with silence,
// and says so once.
func TestNoSoundCardFallsBackToNull(t *testing.T) {
	requirePeers(t, "baresip")
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
	cfg := testConfig(t, soundCardConfig, account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	// No sound server and no sound hardware: ALSA has nothing to open.
	sb := startSBEnv(t, []string{"PULSE_SERVER=unix:/nonexistent/native"},
		"--config", cfg, "dial", fmt.Sprintf("sip:1002@127.0.0.1:%d", far.SIPPort), "--hangup-after", "1s", "--json")
	if code := sb.wait(30 * time.Second); code != exitOK {
		t.Fatalf("dial: exit %d\n%s\n%s", code, strings.Join(sb.output(), "\n"), sb.errText())
	}
	errText := sb.errText()
	if n := strings.Count(errText, "calls carry no audio"); n != 1 {
		t.Errorf("stderr says %d times that calls carry no audio, want once:\n%s", n, errText)
	}
	assertNoSoundSystemNoise(t, errText)
}

// `devices` lists the virtual cards and marks the defaults, and the sound
// system's start-up chatter never reaches the terminal.
func TestDevicesListsTheSoundCards(t *testing.T) {
	requirePeers(t, "pulseaudio", "pacat")
	pulse := testpeer.StartPulse(t)
	sb := startSBEnv(t, pulse.Env(), "devices", "--json")
	if code := sb.wait(20 * time.Second); code != exitOK {
		t.Fatalf("devices: exit %d\n%s", code, sb.errText())
	}
	out := strings.Join(sb.output(), "\n")
	for _, want := range []string{`"name":`, `"default_input":true`, `"default_output":true`} {
		if !strings.Contains(out, want) {
			t.Errorf("devices --json lacks %s:\n%s", want, out)
		}
	}
	assertNoSoundSystemNoise(t, sb.errText())
	human := startSBEnv(t, pulse.Env(), "devices")
	if code := human.wait(20 * time.Second); code != exitOK || !strings.Contains(strings.Join(human.output(), "\n"), "DEFAULT") {
		t.Errorf("devices: exit %d, output %v", code, human.output())
	}
}

func assertNoSoundSystemNoise(t *testing.T, stderr string) {
	t.Helper()
	for _, noise := range []string{"ALSA lib", "jack", "Jack", "JackShm", "pcm_", "Cannot connect to server"} {
		if strings.Contains(stderr, noise) {
			t.Errorf("sound system noise %q reached stderr:\n%s", noise, stderr)
		}
	}
}

// The ring goes to the ring device (the speakers), not to the headset the
// call will be on: while an incoming call rings, the ring device plays the
// ringtone and the output device stays quiet; after the answer the far end
// is heard on the output device.
func TestRingGoesToTheRingDevice(t *testing.T) {
	requirePeers(t, "baresip", "pulseaudio", "pacat")
	headset := testpeer.StartPulse(t)
	speakers := testpeer.StartPulse(t)
	headset.AddALSADevice("speakers", speakers)
	listen := listenAddr(t, "udp")
	cfg := testConfig(t, soundCardConfig+"ring = \"speakers\"\n", account{Name: "desk", User: "1002", Listen: listen})
	sb := startSBEnv(t, headset.Env(), "--config", cfg, "answer", "--answer-delay", "4s", "--hangup-after", "3s", "--json")
	time.Sleep(500 * time.Millisecond)
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1001", ToneHz: 700})
	if err := far.Dial("sip:1002@" + listen); err != nil {
		t.Fatal(err)
	}
	sb.waitLine(`"call.incoming"`, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	onHeadset := make(chan []int16)
	go func() { onHeadset <- headset.Record(t, "spk.monitor", 2*time.Second) }()
	ring := speakers.Record(t, "spk.monitor", 2*time.Second)
	quiet := <-onHeadset
	// The ringtone warbles between 1000+1300 Hz and 800+1100 Hz, one second
	// on, two off: its loudest stretch carries one of those tones.
	if rms, f := audio.RMS(ring), audio.DominantFrequency(loudest(ring, testpeer.PulseRate/2), testpeer.PulseRate); rms < 0.02 || f < 750 || f > 1350 {
		t.Errorf("the ring device did not ring: RMS %.3f, dominant %.0f Hz", rms, f)
	}
	if rms := audio.RMS(quiet); rms > 0.01 {
		t.Errorf("the headset played RMS %.3f while the call rang; the ring belongs on the ring device", rms)
	}
	sb.waitLine(`"call.answered"`, 10*time.Second)
	time.Sleep(time.Second)
	talk := headset.Record(t, "spk.monitor", time.Second)
	if f := audio.DominantFrequency(talk, testpeer.PulseRate); f < 690 || f > 710 {
		t.Errorf("after the answer the headset played %.0f Hz, want the caller's 700 Hz", f)
	}
	if code := sb.wait(30 * time.Second); code != exitOK {
		t.Fatalf("answer: exit %d\n%s\n%s", code, strings.Join(sb.output(), "\n"), sb.errText())
	}
}

// loudest returns the window of n samples with the most energy.
func loudest(s []int16, n int) []int16 {
	best, at := -1.0, 0
	for i := 0; i+n <= len(s); i += n / 4 {
		if e := audio.RMS(s[i : i+n]); e > best {
			best, at = e, i
		}
	}
	return s[at:min(len(s), at+n)]
}

// A far end that rings (180 without SDP) is heard as the local ringback of
// the configured tone plan, on the output device.
func TestRingbackFollowsTheTonePlan(t *testing.T) {
	requirePeers(t, "baresip", "pulseaudio", "pacat")
	for _, tc := range []struct {
		plan  string
		freqs []float64
	}{{"eu", []float64{425}}, {"us", []float64{440, 480}}} {
		t.Run(tc.plan, func(t *testing.T) {
			pulse := testpeer.StartPulse(t)
			far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002"}) // rings, never answers
			cfg := testConfig(t, soundCardConfig+fmt.Sprintf("tone_plan = %q\n", tc.plan),
				account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
			sb := startSBEnv(t, pulse.Env(), "--config", cfg, "dial", fmt.Sprintf("sip:1002@127.0.0.1:%d", far.SIPPort),
				"--ring-timeout", "4s", "--json")
			sb.waitLine(`"call.ringing"`, 10*time.Second)
			heard := loudest(pulse.Record(t, "spk.monitor", 1500*time.Millisecond), testpeer.PulseRate/2)
			for _, f := range tc.freqs {
				if lvl := audio.ToneLevel(heard, testpeer.PulseRate, f); lvl < 0.03 {
					t.Errorf("ringback: %.0f Hz at level %.3f, want it audible (RMS %.3f)", f, lvl, audio.RMS(heard))
				}
			}
			if code := sb.wait(30 * time.Second); code != exitNoAnswer {
				t.Errorf("dial: exit %d, want %d (no answer)", code, exitNoAnswer)
			}
		})
	}
}
