package phone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"

	"github.com/switchboard/switchboard/audio"
)

// maxReadFailures bounds how many read errors in a row the receiver tolerates.
const maxReadFailures = 50

// Media is the audio a call carries. Zero value: silence out, nothing kept.
type Media struct {
	Source     audio.Source // what we send; nil = silence
	Sink       audio.Sink   // what we receive; nil = discarded
	RecordPath string       // stereo WAV: left = sent, right = received; "" = no recording
}

// mediaPump moves audio between a call's RTP session and its Media: one goroutine
// sends (the only writer of the RTP stream, so DTMF and audio never interleave
// badly) and one receives.
type mediaPump struct {
	codec    audio.Codec
	writer   *diago.DTMFWriter
	reader   io.Reader
	recorder *audio.Recorder
	dtmf     chan rune
	sending  chan struct{} // closed when the call is answered: early media only receives
	quit     chan struct{} // closed by stop: a call that ends unanswered releases the sender
	gateOnce sync.Once
	wg       sync.WaitGroup
}

func startMedia(ctx context.Context, dm *diago.DialogMedia, m Media, onDTMF func(rune)) (*mediaPump, error) {
	var props diago.MediaProps
	dw := &diago.DTMFWriter{}
	if _, err := dm.AudioWriter(diago.WithAudioWriterMediaProps(&props), diago.WithAudioWriterDTMF(dw)); err != nil {
		return nil, fmt.Errorf("audio writer: %w", err)
	}
	codec, err := audio.CodecByName(props.Codec.Name)
	if err != nil {
		return nil, fmt.Errorf("negotiated codec: %w", err)
	}
	dr := &diago.DTMFReader{}
	reader, err := dm.AudioReader(diago.WithAudioReaderDTMF(dr))
	if err != nil {
		return nil, fmt.Errorf("audio reader: %w", err)
	}
	// diago calls the DTMF callback from the reading goroutine; a nil one panics.
	dr.OnDTMF(func(r rune) error { onDTMF(r); return nil })

	p := &mediaPump{codec: codec, writer: dw, reader: reader, dtmf: make(chan rune, 64), sending: make(chan struct{}), quit: make(chan struct{})}
	if m.RecordPath != "" {
		if p.recorder, err = audio.NewRecorder(m.RecordPath, codec.Rate); err != nil {
			return nil, fmt.Errorf("start recording: %w", err)
		}
	}
	src, sink := m.Source, m.Sink
	if src == nil {
		src = audio.NewSilenceSource()
	}
	if sink == nil {
		sink = audio.NewDiscardSink()
	}
	p.wg.Add(2)
	go p.send(ctx, src)
	go p.receive(ctx, sink)
	return p, nil
}

// startSending lets the sending goroutine go (at the answer).
func (p *mediaPump) startSending() { p.gateOnce.Do(func() { close(p.sending) }) }

func (p *mediaPump) send(ctx context.Context, src audio.Source) {
	defer p.wg.Done()
	select {
	case <-p.sending:
	case <-p.quit:
		return
	case <-ctx.Done():
		return
	}
	pcm := make([]int16, p.codec.FrameSamples())
	payload := make([]byte, len(pcm)*2) // G.711 needs one byte per sample; room to spare
	for ctx.Err() == nil {
		select {
		case d := <-p.dtmf:
			if err := p.writer.WriteDTMF(d); err != nil {
				return
			}
			continue
		case <-p.quit:
			return
		default:
		}
		if err := src.ReadFrame(pcm); err != nil {
			clear(pcm) // a failing source sends silence rather than ending the call
		}
		if p.recorder != nil {
			p.recorder.WriteSent(pcm, time.Now())
		}
		n, err := p.codec.Encode(payload, pcm)
		if err != nil {
			return
		}
		if _, err := p.writer.Write(payload[:n]); err != nil { // paced by diago's 20 ms clock
			return
		}
	}
}

func (p *mediaPump) receive(ctx context.Context, sink audio.Sink) {
	defer p.wg.Done()
	buf := make([]byte, media.RTPBufSize)
	pcm := make([]int16, media.RTPBufSize)
	failures := 0
	for ctx.Err() == nil {
		n, err := p.reader.Read(buf)
		if err != nil {
			// A bad packet is not the end of the call, a closed session is.
			failures++
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || failures > maxReadFailures {
				return
			}
			continue
		}
		failures = 0
		if n == 0 {
			continue
		}
		k, err := p.codec.Decode(pcm, buf[:n])
		if err != nil {
			continue
		}
		now := time.Now()
		_ = sink.WriteFrame(pcm[:k])
		if p.recorder != nil {
			p.recorder.WriteReceived(pcm[:k], now)
		}
	}
}

// sendDTMF queues digits for the sending goroutine.
func (p *mediaPump) sendDTMF(digits string) error {
	for _, d := range digits {
		select {
		case p.dtmf <- d:
		default:
			return fmt.Errorf("DTMF queue full")
		}
	}
	return nil
}

// stop waits for both directions to finish and closes the recording.
func (p *mediaPump) stop() error {
	close(p.quit)
	p.wg.Wait()
	if p.recorder != nil {
		return p.recorder.Close()
	}
	return nil
}
