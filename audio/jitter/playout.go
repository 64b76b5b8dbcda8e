package jitter

import "math"

// Playout. The reader walks the timeline from pos. Positions are "resolved"
// in order (res is the first unresolved one): a stored sample is taken as is
// (faded in if concealment preceded it), a missing one is concealed, and the
// result is written back to the ring, so interpolation and the concealer's
// pitch search can look at what was actually played. Between the walk and
// the output sit three modes:
//
//   - slip: one sample of time is gained or lost over slip.w output samples,
//     reading at fractional positions with cubic interpolation;
//   - skip: an overflow jump forward, cross-faded over p.xfade samples;
//   - holding: nothing is stored at or beyond pos, so pos stands still and
//     the concealer plays (see Buffer.resume for how it ends).

type slipState struct {
	active bool
	dir    int64 // +1 drops a sample (plays faster), -1 repeats one
	w, k   int64
	from   int64
}

type skipState struct {
	active   bool
	from, by int64
	k        int64
}

// ReadFrame fills all of frame with the next audio to play, concealment or
// silence, and never blocks. It returns nil; the error is for the Source
// interface.
func (b *Buffer) ReadFrame(frame []int16) error {
	if len(frame) == 0 {
		return nil
	}
	b.mu.Lock()
	b.read(frame)
	b.played += uint64(len(frame))
	b.publish()
	b.mu.Unlock()
	return nil
}

func (b *Buffer) read(out []int16) {
	b.adapt.noteRead(len(out))
	if !b.started {
		clear(out)
		return
	}
	for i := 0; i < len(out); {
		switch {
		case b.holding:
			b.held += int64(len(out) - i)
			for ; i < len(out); i++ {
				out[i] = b.concealSample()
			}
		case b.skip.active:
			i += b.skipStep(out[i:])
		case b.slip.active:
			i += b.slipStep(out[i:])
		default:
			i += b.plain(out[i:])
		}
	}
}

// plain plays stored samples as they are, until a slip or skip is due or the
// buffer runs dry. It returns how many samples it wrote (0 when it only
// changed mode).
func (b *Buffer) plain(out []int16) int {
	if b.pos >= b.newestEnd {
		// Nothing stored ahead. Play what a slip's look-ahead already
		// resolved, then hold; slipping on would only stretch concealment
		// and walk the playout point away from the audio still to come.
		k := min(int64(len(out)), b.res-b.pos)
		if k <= 0 {
			b.holding, b.held, b.slipAcc, b.pendingSkip = true, 0, 0, 0
			return 0
		}
		b.copyOut(out[:k], b.pos)
		b.pos += k
		return int(k)
	}
	if b.pendingSkip > 0 && b.startSkip() {
		return 0
	}
	r := b.adapt.slipRate(b.feedForward())
	if r == 0 || r*b.slipAcc < 0 {
		b.slipAcc = 0
	}
	if math.Abs(b.slipAcc) >= 1 {
		b.startSlip(r)
		return 0
	}
	k := min(int64(len(out)), max(b.newestEnd, b.res)-b.pos)
	if r != 0 {
		if due := math.Ceil((1 - math.Abs(b.slipAcc)) / math.Abs(r)); due < float64(k) {
			k = max(int64(due), 1)
		}
	}
	b.resolveTo(b.pos + k)
	b.copyOut(out[:k], b.pos)
	b.pos += k
	b.slipAcc += r * float64(k)
	return int(k)
}

// feedForward is the measured drift, applied before any error shows.
func (b *Buffer) feedForward() float64 { return b.drift.ratio() }

// startSlip begins gaining (r > 0) or losing one sample of time, spread over
// 1/|r| samples so back-to-back slips make a steady speed change.
func (b *Buffer) startSlip(r float64) {
	dir := int64(1)
	if b.slipAcc < 0 {
		dir = -1
	}
	b.slipAcc -= float64(dir)
	w := min(max(math.Round(1/math.Abs(r)), minSlipLen), maxSlipLen) // 1/0 = +Inf clamps too
	b.slip = slipState{active: true, dir: dir, w: int64(w), from: b.pos}
}

// slipStep plays output sample k of the slip from position
// from + k*(w+dir)/w, which ends exactly one sample ahead of (or behind)
// where plain playback would be.
func (b *Buffer) slipStep(out []int16) int {
	s := &b.slip
	r := b.adapt.slipRate(b.feedForward())
	i := 0
	for ; i < len(out) && s.k < s.w; i++ {
		num := s.k * (s.w + s.dir)
		ip, rem := s.from+num/s.w, num%s.w
		if rem == 0 {
			b.resolveTo(ip + 1)
			out[i] = b.ring[ip&b.mask]
		} else {
			b.resolveTo(ip + 3)
			out[i] = b.cubic(ip, float64(rem)/float64(s.w))
		}
		s.k++
	}
	// The accumulator keeps running during a slip so that the slip rate,
	// not the slip length, sets the spacing.
	b.slipAcc += r * float64(i)
	if s.k == s.w {
		b.pos = s.from + s.w + s.dir
		s.active = false
	}
	return i
}

// cubic interpolates between ip and ip+1 (Catmull-Rom): exact at whole
// positions and much flatter in the voice band than linear interpolation.
func (b *Buffer) cubic(ip int64, t float64) int16 {
	y0, y1 := b.hist(ip-1), float64(b.ring[ip&b.mask])
	y2, y3 := float64(b.ring[(ip+1)&b.mask]), float64(b.ring[(ip+2)&b.mask])
	v := y1 + 0.5*t*(y2-y0+t*(2*y0-5*y1+4*y2-y3+t*(3*(y1-y2)+y3-y0)))
	return clamp16(v)
}

// hist reads a played position, clamped to where valid history starts.
func (b *Buffer) hist(q int64) float64 {
	return float64(b.ring[max(q, b.base)&b.mask])
}

// startSkip drops pendingSkip samples of buffered audio (the buffer grew
// past MaxDelay), cross-fading from the old position to the new one.
func (b *Buffer) startSkip() bool {
	by := b.pendingSkip
	b.pendingSkip = 0
	l := b.p.xfade
	by = min(by, b.newestEnd-b.pos-l)
	if by < l {
		return false
	}
	b.resolveTo(b.pos + by + l)
	by = b.alignSkip(by)
	b.adapt.skipped(float64(by))
	b.discard(b.res, b.pos+by)
	b.res = max(b.res, b.pos+by)
	b.base = b.pos + by // the skipped stretch is not history for the concealer
	b.resolveTo(b.pos + by + l)
	b.skip = skipState{active: true, from: b.pos, by: by}
	return true
}

func (b *Buffer) skipStep(out []int16) int {
	s := &b.skip
	l := b.p.xfade
	i := 0
	for ; i < len(out) && s.k < l; i++ {
		w := float64(s.k+1) / float64(l+1)
		a := float64(b.ring[(s.from+s.k)&b.mask])
		c := float64(b.ring[(s.from+s.by+s.k)&b.mask])
		out[i] = clamp16(a + w*(c-a))
		s.k++
	}
	if s.k == l {
		b.pos = s.from + s.by + l
		s.active = false
	}
	return i
}

// alignSkip shortens a skip of by samples to the length whose landing point
// best continues the waveform (normalised cross-correlation over the
// cross-fade, searched over one longest pitch period). Jumping a whole number
// of pitch periods keeps voice and tones at their pitch and the cross-fade
// inaudible: what WSOLA and NetEq's "accelerate" do.
func (b *Buffer) alignSkip(by int64) int64 {
	l := b.p.xfade
	search := min(b.p.history, by-l)
	best, bestScore := by, -2.0
	for cand := by; cand >= by-search; cand-- {
		var xy, xx, yy float64
		for k := int64(0); k < l; k++ {
			x := float64(b.ring[(b.pos+k)&b.mask])
			y := float64(b.ring[(b.pos+cand+k)&b.mask])
			xy, xx, yy = xy+x*y, xx+x*x, yy+y*y
		}
		score := 0.0
		if xx > 0 && yy > 0 {
			score = xy / math.Sqrt(xx*yy)
		}
		if score > bestScore+1e-9 {
			best, bestScore = cand, score
		}
	}
	return best
}

// moveTo moves an idle playout point forward (ending an underrun).
func (b *Buffer) moveTo(to int64) {
	if to <= b.pos {
		return
	}
	b.discard(b.res, to)
	b.pos, b.res, b.base = to, max(b.res, to), to
}

// playPosF is where playout is now, fractional during a slip.
func (b *Buffer) playPosF() float64 {
	switch {
	case b.skip.active:
		return float64(b.skip.from + b.skip.by + b.skip.k)
	case b.slip.active:
		s := b.slip
		return float64(s.from) + float64(s.k*(s.w+s.dir))/float64(s.w)
	}
	return float64(b.pos)
}

func (b *Buffer) playPos() int64 { return int64(math.Floor(b.playPosF())) }

// copyOut copies resolved positions from on into out.
func (b *Buffer) copyOut(out []int16, from int64) {
	i := int(from & b.mask)
	n := copy(out, b.ring[i:])
	copy(out[n:], b.ring)
}

// resolveTo makes every position below end final.
func (b *Buffer) resolveTo(end int64) {
	for ; b.res < end; b.res++ {
		i := b.res & b.mask
		if i&63 == 0 && end-b.res >= 64 && b.have[i>>6] == ^uint64(0) && !b.concealing && b.fadeLeft == 0 {
			// Steady state: 64 stored samples in a row are final as they are.
			b.have[i>>6] = 0
			b.res += 63
			continue
		}
		if b.have[i>>6]&(1<<(i&63)) == 0 {
			b.ring[i] = b.concealSample()
			continue
		}
		b.have[i>>6] &^= 1 << (i & 63)
		if b.concealing {
			// Real audio is back: cross-fade from the concealment, which
			// keeps running underneath (silent if it had faded out).
			b.concealing, b.fadeLeft = false, b.p.xfade
		}
		if b.fadeLeft > 0 {
			w := float64(b.p.xfade-b.fadeLeft+1) / float64(b.p.xfade+1)
			c := float64(b.conc.next(false))
			b.ring[i] = clamp16(c + w*(float64(b.ring[i])-c))
			if b.fadeLeft--; b.fadeLeft == 0 {
				b.conc.stop()
			}
		}
	}
}

// concealSample returns the next concealed sample, starting a concealment
// from the recent history if one is not running.
func (b *Buffer) concealSample() int16 {
	if !b.concealing {
		b.concealing, b.fadeLeft = true, 0
		h := b.conc.scratch()
		from := max(b.res-int64(len(h)), b.base)
		h = h[:max(b.res-from, 0)]
		for k := range h {
			h[k] = b.ring[(from+int64(k))&b.mask]
		}
		b.conc.start(h)
	}
	return b.conc.next(true)
}

func clamp16(v float64) int16 {
	return int16(max(-32768, min(math.Round(v), 32767)))
}
