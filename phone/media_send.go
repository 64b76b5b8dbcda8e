package phone

import (
	"context"
	"io"
	"time"

	"github.com/switchboard/switchboard/audio"
)

// frameInterval is diago's fixed packet time.
const frameInterval = 20 * time.Millisecond

// pacedLead is how far ahead of real time a paced source (a sound card)
// may run before the send loop waits: a device hands audio over in bursts,
// and the capture side trims what piles up beyond about this much anyway.
const pacedLead = 3 * frameInterval

// startSending lets the sending goroutine go (at the answer).
func (p *mediaPump) startSending() { p.gateOnce.Do(func() { close(p.sending) }) }

// send is the only writer of the call's RTP stream: audio frames and RFC 4733
// digits alike, because diago's writer is not safe from two goroutines. It
// reads the source (mute applied; music or silence instead while we hold the
// far end), records it, encodes and writes one frame per 20 ms. A sound card
// paces the loop by itself (its ReadFrame waits for the next captured frame);
// other sources are paced by a timer. diago's own 20 ms writer clock is not
// used: a second wake-up per frame is what a call's CPU time is made of.
// While the far end holds us it writes nothing.
func (p *mediaPump) send(ctx context.Context) {
	defer p.wg.Done()
	select {
	case <-p.sending:
	case <-p.quit:
		return
	case <-ctx.Done():
		return
	}
	s := sender{p: p, pcm: make([]int16, p.codec.FrameSamples()), paced: audio.IsPaced(p.muted), wasSilent: true}
	s.payload = make([]byte, 2*len(s.pcm)) // G.711 needs one byte per sample, Opus far less
	defer s.abandonDTMF()
	defer s.retireMusic(nil)
	for ctx.Err() == nil {
		select {
		case <-p.quit:
			return
		default:
		}
		if s.dtmfDue() {
			if !s.sendDigit() {
				return
			}
			continue
		}
		if !s.sendFrame() {
			return
		}
	}
}

// sender is the state of the sending goroutine.
type sender struct {
	p       *mediaPump
	pcm     []int16
	payload []byte

	dtmf        *dtmfRequest // digits being sent, nil when none
	dtmfNext    int          // index into dtmf.digits
	nextDigitAt time.Time    // the gap after the previous digit ends here
	wasSilent   bool         // nothing was written for a while (start, remote hold, DTMF)
	music       *heldSource  // the hold music last read, closed when replaced

	paced  bool        // the source waits for its own clock (a sound card)
	due    time.Time   // when the loop's next frame is due in real time
	nextTS time.Time   // when the frame after the last one written would play
	clock  *time.Timer // paces the loop when the source does not; reused
}

// retireMusic closes the hold music last read when the call moved on to next
// (nil: resumed or ended). Only this goroutine reads the source, so only it
// may close it.
func (s *sender) retireMusic(next *heldSource) {
	if s.music == next {
		return
	}
	if s.music != nil {
		if c, ok := s.music.Source.(io.Closer); ok {
			_ = c.Close()
		}
	}
	s.music = next
}

// dtmfDue takes the next request when idle and says whether a digit is due now.
func (s *sender) dtmfDue() bool {
	if s.dtmf == nil {
		select {
		case s.dtmf = <-s.p.dtmf:
			s.dtmfNext = 0
		default:
			return false
		}
	}
	return !s.p.remoteHeld.Load() && !time.Now().Before(s.nextDigitAt)
}

// sendDigit writes one telephone event (about 140 ms of packets); false ends
// the loop.
func (s *sender) sendDigit() bool {
	req := s.dtmf
	if err := req.ctx.Err(); err != nil {
		s.finishDTMF(err)
		return true
	}
	d := rune(req.digits[s.dtmfNext])
	if c, err := audio.DTMFCadence(d); err == nil {
		s.p.playFeedback(c) // the operator hears the key they pressed
	}
	if err := s.p.writer.WriteDTMF(d); err != nil {
		s.finishDTMF(err)
		return false
	}
	// diago writes the event packets without advancing the RTP clock; the
	// next audio frame would carry a timestamp 140 ms in the past.
	s.wasSilent = true
	s.dtmfNext++
	s.nextDigitAt = time.Now().Add(s.p.dtmfGap)
	if s.dtmfNext == len(req.digits) {
		s.finishDTMF(nil)
	}
	return true
}

func (s *sender) finishDTMF(err error) {
	s.dtmf.done <- err
	s.dtmf = nil
}

// abandonDTMF fails what is still queued when sending stops.
func (s *sender) abandonDTMF() {
	if s.dtmf != nil {
		s.finishDTMF(errCallEnded)
	}
	for {
		select {
		case req := <-s.p.dtmf:
			req.done <- errCallEnded
		default:
			return
		}
	}
}

// sendFrame reads, records and writes one 20 ms frame; false ends the loop.
func (s *sender) sendFrame() bool {
	p := s.p
	// The microphone is read even while held or muted, so that a sound card's
	// buffer keeps draining and nothing stale is sent at the resume.
	if err := p.muted.ReadFrame(s.pcm); err != nil {
		clear(s.pcm) // a failing source sends silence rather than ending the call
	}
	music := p.holdMusic.Load()
	s.retireMusic(music)
	if music != nil {
		if err := music.ReadFrame(s.pcm); err != nil {
			clear(s.pcm)
		}
	} else if leg := p.conf.Load(); leg != nil {
		leg.mixInto(s.pcm) // what the other conference members' far ends say
	}
	if p.remoteHeld.Load() {
		// RFC 3264: the far end's sendonly/inactive offer made us recvonly.
		// diago drops recvonly writes but not inactive ones, nor those of a
		// c=0.0.0.0 hold (which Linux delivers to this very host): send nothing.
		s.wasSilent = true
		return s.pace()
	}
	p.inLevel.Observe(s.pcm)
	if rec := p.recorder.Load(); rec != nil {
		rec.WriteSent(s.pcm, time.Now())
	}
	n, err := p.coder.Encode(s.payload, s.pcm)
	if err != nil {
		return false
	}
	w := p.packets.RTPPacketWriter
	now := time.Now()
	marker := s.wasSilent
	if s.wasSilent && !s.nextTS.IsZero() {
		// A new talk spurt: the RTP timestamp jumps by the time nothing was
		// written and the marker bit is set, so the far end's jitter buffer
		// does not take the pause for network delay. Only this goroutine
		// writes, which DelayTimestamp requires.
		if gap := now.Sub(s.nextTS); gap > 0 {
			w.DelayTimestamp(uint32(gap.Seconds() * float64(p.rtpRate)))
		}
	}
	s.wasSilent = false
	if _, err := w.WriteSamples(s.payload[:n], p.rtpStep, marker, p.payload); err != nil {
		return false
	}
	s.nextTS = now.Add(frameInterval)
	return s.pace()
}

// pace holds the loop to real time; false when the call ends meanwhile. A
// paced source already waited for its frame: the loop only waits when it
// runs more than pacedLead ahead — a lost device yields silence at once.
// Other sources (files, tones, silence) are sent when due, on a fixed
// schedule: a timer that wakes a little late is made up at the next frame,
// or the stream would drift slower than 50 packets a second. After a real
// stall (more than two frames) the loop does not catch up in a burst: the
// schedule restarts from now.
func (s *sender) pace() bool {
	now := time.Now()
	if now.Sub(s.due) > 2*frameInterval {
		s.due = now
	}
	s.due = s.due.Add(frameInterval)
	wait := s.due.Sub(now)
	if s.paced {
		wait -= pacedLead
	}
	if wait <= 0 {
		return true
	}
	if s.clock == nil {
		s.clock = time.NewTimer(wait)
	} else {
		s.clock.Reset(wait)
	}
	select {
	case <-s.clock.C:
		return true
	case <-s.p.quit:
		s.clock.Stop()
		return false
	}
}
