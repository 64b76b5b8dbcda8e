package phone

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/diago"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/audio/jitter"
)

// Media is the audio a call carries. Zero value: silence out, nothing played.
type Media struct {
	// Source gives what we send at the call's codec rate (known only once the
	// codec is negotiated); nil sends silence.
	Source func(rate int) (audio.Source, error)
	// Player plays what we receive on a device that pulls frames at its own
	// clock (a sound card). Without one the phone pulls every 20 ms and hands
	// the frames to Sink.
	Player Player
	// Sink receives what we receive when there is no Player; nil discards it.
	Sink func(rate int) (audio.Sink, error)
	// RecordPath starts a stereo WAV recording at the answer: left = sent,
	// right = received. "" records nothing (Call.StartRecording can start one later).
	RecordPath string
}

// Player is a playback device: it pulls frames from src at the codec rate.
type Player interface {
	Play(src audio.Source, rate int) (stop func() error, err error)
}

// jitterBounds are the delay limits of every call's adaptive jitter buffer.
type jitterBounds struct{ min, max time.Duration }

// mediaPump moves audio between a call's RTP session and its Media. One
// goroutine sends — the only writer of the RTP stream, so DTMF and audio never
// interleave badly — one receives into the jitter buffer, and the playout side
// (the device's callback, or a 20 ms ticker) pulls from it.
type mediaPump struct {
	codec    audio.Codec
	coder    audio.FrameCodec
	payload  uint8  // negotiated payload type of the audio codec
	rtpRate  uint32 // the codec's RTP clock rate (48000 for Opus)
	rtpStep  uint32 // RTP timestamp units per 20 ms frame
	writer   *diago.DTMFWriter
	reader   io.Reader
	packets  *diago.DialogMedia // its RTPPacketReader holds each packet's header after a read
	jitter   *jitter.Buffer
	recorder atomic.Pointer[audio.Recorder]
	source   audio.Source // closed at the end when it holds a device
	muted    *audio.MutableSource
	inLevel  audio.Meter
	outLevel audio.Meter

	feedback    atomic.Pointer[audio.CadenceSource] // local key feedback mixed into the playout
	feedbackBuf []int16                             // playout side only

	dtmf    chan *dtmfRequest // digits waiting for the sending goroutine
	dtmfGap time.Duration     // audio sent between two digits (Options.DTMFGap)

	// Hold: the sending goroutine reads both on every frame.
	holdMusic  atomic.Pointer[heldSource] // non-nil while we hold the far end: sent instead of the microphone
	remoteHeld atomic.Bool                // the far end holds us: we send nothing (RFC 3264 recvonly)

	// conf is the call's leg while it is in a local conference: the
	// playout hands it what the far end said, the sender adds the other
	// members' audio from it (conference_mix.go).
	conf atomic.Pointer[conferenceLeg]

	sending    chan struct{} // closed at the answer: early media only receives
	quit       chan struct{} // closed by stop
	gateOnce   sync.Once
	stopPlayer func() error
	wg         sync.WaitGroup
}

// heldSource wraps what we send while the far end is on hold (music or
// silence), so that it fits an atomic.Pointer.
type heldSource struct{ audio.Source }

// pumpConfig is what every call's media takes from the phone's Options.
type pumpConfig struct {
	jitter  jitterBounds
	dtmfGap time.Duration
}

func startMedia(ctx context.Context, dm *diago.DialogMedia, m Media, cfg pumpConfig, onDTMF func(rune)) (*mediaPump, error) {
	var props diago.MediaProps
	dw := &diago.DTMFWriter{}
	if _, err := dm.AudioWriter(diago.WithAudioWriterMediaProps(&props), diago.WithAudioWriterDTMF(dw)); err != nil {
		return nil, fmt.Errorf("audio writer: %w", err)
	}
	codec, err := audio.CodecByName(props.Codec.Name)
	if err != nil {
		return nil, fmt.Errorf("negotiated codec: %w", err)
	}
	coder, err := codec.New()
	if err != nil {
		return nil, err
	}
	dr := &diago.DTMFReader{}
	reader, err := dm.AudioReader(diago.WithAudioReaderDTMF(dr))
	if err != nil {
		return nil, fmt.Errorf("audio reader: %w", err)
	}
	// diago calls the DTMF callback from the reading goroutine; a nil one panics.
	dr.OnDTMF(func(r rune) error { onDTMF(r); return nil })

	jb, err := jitter.New(jitter.Config{ClockRate: codec.Rate, FrameSamples: codec.FrameSamples(), MinDelay: cfg.jitter.min, MaxDelay: cfg.jitter.max})
	if err != nil {
		return nil, fmt.Errorf("jitter buffer: %w", err)
	}
	src, err := sourceOf(m, codec.Rate)
	if err != nil {
		return nil, err
	}
	p := &mediaPump{
		codec: codec, coder: coder, payload: props.Codec.PayloadType,
		rtpRate: props.Codec.SampleRate, rtpStep: props.Codec.SampleTimestamp(),
		writer: dw, reader: reader, packets: dm, jitter: jb,
		source: src, muted: audio.NewMutableSource(src),
		dtmf: make(chan *dtmfRequest, 16), dtmfGap: cfg.dtmfGap,
		sending: make(chan struct{}), quit: make(chan struct{}),
	}
	if m.RecordPath != "" {
		if err := p.startRecording(m.RecordPath); err != nil {
			return nil, err
		}
	}
	if err := p.startPlayout(m); err != nil {
		p.closeRecording()
		return nil, err
	}
	p.wg.Add(2)
	go p.send(ctx)
	go p.receive(ctx)
	return p, nil
}

func sourceOf(m Media, rate int) (audio.Source, error) {
	if m.Source == nil {
		return audio.NewSilenceSource(), nil
	}
	src, err := m.Source(rate)
	if err != nil {
		return nil, fmt.Errorf("audio source: %w", err)
	}
	return src, nil
}

// startRecording begins (or replaces) the call's recording.
func (p *mediaPump) startRecording(path string) error {
	rec, err := audio.NewRecorder(path, p.codec.Rate)
	if err != nil {
		return fmt.Errorf("start recording: %w", err)
	}
	if old := p.recorder.Swap(rec); old != nil {
		return old.Close()
	}
	return nil
}

// closeRecording stops the recording, if any, and finalises the file.
func (p *mediaPump) closeRecording() error {
	if rec := p.recorder.Swap(nil); rec != nil {
		return rec.Close()
	}
	return nil
}

// stop waits for every direction to finish and closes the recording.
func (p *mediaPump) stop() error {
	close(p.quit)
	p.wg.Wait()
	var err error
	if p.stopPlayer != nil {
		err = p.stopPlayer()
	}
	if c, ok := p.source.(io.Closer); ok {
		if cerr := c.Close(); cerr != nil {
			err = cerr
		}
	}
	if cerr := p.closeRecording(); cerr != nil {
		err = cerr
	}
	return err
}
