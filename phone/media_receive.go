package phone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emiago/diago/media"

	"github.com/switchboard/switchboard/audio"
)

// maxReadFailures bounds how many read errors in a row the receiver tolerates.
const maxReadFailures = 50

// receive decodes every audio packet into the jitter buffer. DTMF packets come
// through the same reader (diago hands them to the DTMF callback) and are skipped.
func (p *mediaPump) receive(ctx context.Context) {
	defer p.wg.Done()
	buf := make([]byte, media.RTPBufSize)
	pcm := make([]int16, 4*p.codec.FrameSamples()) // room for a 60 ms packet
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
		hdr := p.packets.RTPPacketReader.PacketHeader
		if n == 0 || hdr.PayloadType != p.payload {
			continue
		}
		k, err := p.coder.Decode(pcm, buf[:n])
		if err != nil {
			continue
		}
		p.jitter.Push(hdr.SequenceNumber, hdr.Timestamp, pcm[:k], time.Now())
	}
}

// playout is the Source a playback device pulls: the jitter buffer's output,
// metered and recorded as what the user hears. Local key feedback is mixed in
// only on a device (withFeedback): a sink is a file or a script's capture of
// what the far end sent, and a local tone does not belong there.
type playout struct {
	p            *mediaPump
	withFeedback bool
}

func (o playout) ReadFrame(frame []int16) error {
	err := o.p.jitter.ReadFrame(frame)
	if leg := o.p.conf.Load(); leg != nil {
		leg.heard(frame) // the other conference members hear it too
	}
	o.p.outLevel.Observe(frame)
	if rec := o.p.recorder.Load(); rec != nil {
		rec.WriteReceived(frame, time.Now())
	}
	if o.withFeedback {
		o.p.mixFeedback(frame)
	}
	return err
}

// playFeedback mixes a short local tone (a pressed key's DTMF) into what the
// user hears, without opening a second stream on the headset.
func (p *mediaPump) playFeedback(c audio.Cadence) {
	p.feedback.Store(audio.NewCadenceSource(c, p.codec.Rate))
}

// mixFeedback adds the feedback tone, if one plays, to frame. Only the playout
// side calls it, so the scratch buffer needs no lock. The feedback is mixed
// after the recorder: the recording keeps what the far end sent.
func (p *mediaPump) mixFeedback(frame []int16) {
	fb := p.feedback.Load()
	if fb == nil {
		return
	}
	if cap(p.feedbackBuf) < len(frame) {
		p.feedbackBuf = make([]int16, len(frame))
	}
	buf := p.feedbackBuf[:len(frame)]
	_ = fb.ReadFrame(buf)
	for i, s := range buf {
		frame[i] = int16(max(-32768, min(32767, int32(frame[i])+int32(s))))
	}
	if fb.Done() {
		p.feedback.CompareAndSwap(fb, nil)
	}
}

// startPlayout hands the received audio to the device, or pulls it every 20 ms
// into the sink when there is no device.
func (p *mediaPump) startPlayout(m Media) error {
	if m.Player != nil {
		stop, err := m.Player.Play(playout{p: p, withFeedback: true}, p.codec.Rate)
		if err != nil {
			return fmt.Errorf("playback: %w", err)
		}
		p.stopPlayer = stop
		return nil
	}
	var sink audio.Sink = audio.NewDiscardSink()
	if m.Sink != nil {
		s, err := m.Sink(p.codec.Rate)
		if err != nil {
			return fmt.Errorf("audio sink: %w", err)
		}
		sink = s
	}
	p.wg.Add(1)
	go p.tick(playout{p: p}, sink)
	return nil
}

// tick is the playout clock of calls without a sound card.
func (p *mediaPump) tick(src audio.Source, sink audio.Sink) {
	defer p.wg.Done()
	frame := make([]int16, p.codec.FrameSamples())
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			if c, ok := sink.(io.Closer); ok {
				_ = c.Close()
			}
			return
		case <-t.C:
			_ = src.ReadFrame(frame)
			_ = sink.WriteFrame(frame)
		}
	}
}
