package sound

import (
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/phone"
)

const (
	toneRate = 16000 // enough for every tone and the ringtone
	// Busy and error tones tell the operator what happened, then stop by themselves.
	shortToneDuration = 3 * time.Second
)

// tonePlayer plays one tone at a time: the ring on the ring device, every other
// tone on the output device (the headset).
type tonePlayer struct {
	plan  audio.TonePlan
	cards *cards
	log   *slog.Logger

	mu      sync.Mutex
	playing phone.ToneKind
	stop    func() error
	timer   *time.Timer
}

func newTonePlayer(plan audio.TonePlan, c *cards, log *slog.Logger) *tonePlayer {
	return &tonePlayer{plan: plan, cards: c, log: log}
}

func (t *tonePlayer) cadence(kind phone.ToneKind) audio.Cadence {
	switch kind {
	case phone.ToneRingback:
		return t.plan.Ringback
	case phone.ToneBusy:
		return t.plan.Busy
	case phone.ToneError:
		return t.plan.Error
	case phone.ToneCallWaiting:
		return t.plan.CallWaiting
	}
	return audio.RingtoneCadence()
}

// Play replaces the tone playing. The stream is opened outside the audio path.
func (t *tonePlayer) Play(kind phone.ToneKind) {
	if t.cards == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopLocked()
	dev, override := t.cards.output, t.cards.cfg.OutputRate
	if kind == phone.ToneRing {
		dev, override = t.cards.ring, t.cards.cfg.RingRate
	}
	stop, err := t.cards.play(dev, override, audio.NewCadenceSource(t.cadence(kind), toneRate), toneRate)
	if err != nil {
		t.log.Warn("tone not played", "tone", kind, "error", err)
		return
	}
	t.playing, t.stop = kind, stop
	if kind == phone.ToneBusy || kind == phone.ToneError {
		t.timer = time.AfterFunc(shortToneDuration, func() { t.Stop(kind) })
	}
}

// Stop silences the tone if kind is the one playing.
func (t *tonePlayer) Stop(kind phone.ToneKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.playing == kind {
		t.stopLocked()
	}
}

func (t *tonePlayer) stopLocked() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	if t.stop != nil {
		if err := t.stop(); err != nil {
			t.log.Debug("stop tone", "error", err)
		}
	}
	t.playing, t.stop = "", nil
}

func (t *tonePlayer) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopLocked()
}
