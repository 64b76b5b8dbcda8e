package phone

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// startSending lets the sending goroutine go (at the answer).
func (p *mediaPump) startSending() { p.gateOnce.Do(func() { close(p.sending) }) }

// send reads the source (mute applied), records it, encodes and writes one frame
// per 20 ms; diago's RTP writer paces the loop.
func (p *mediaPump) send(ctx context.Context) {
	defer p.wg.Done()
	select {
	case <-p.sending:
	case <-p.quit:
		return
	case <-ctx.Done():
		return
	}
	pcm := make([]int16, p.codec.FrameSamples())
	payload := make([]byte, 2*len(pcm)) // G.711 needs one byte per sample, Opus far less
	for ctx.Err() == nil {
		select {
		case d := <-p.dtmf:
			if c, err := audio.DTMFCadence(d); err == nil {
				p.playFeedback(c) // the operator hears the key they pressed
			}
			if err := p.writer.WriteDTMF(d); err != nil {
				return
			}
			continue
		case <-p.quit:
			return
		default:
		}
		if err := p.muted.ReadFrame(pcm); err != nil {
			clear(pcm) // a failing source sends silence rather than ending the call
		}
		p.inLevel.Observe(pcm)
		if rec := p.recorder.Load(); rec != nil {
			rec.WriteSent(pcm, time.Now())
		}
		n, err := p.coder.Encode(payload, pcm)
		if err != nil {
			return
		}
		if _, err := p.writer.Write(payload[:n]); err != nil {
			return
		}
	}
}
