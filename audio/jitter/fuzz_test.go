package jitter

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzPush feeds arbitrary sequences of packets (any sequence number,
// timestamp, length and arrival time) and reads of any size. Nothing may
// panic, every read must fill its whole buffer, and the figures must stay sane.
func FuzzPush(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 0, 160, 0, 1, 1, 160, 0, 0, 1, 2, 160, 0, 40, 1, 2, 160, 0})
	f.Add([]byte{3, 200, 0, 0, 0, 255, 255, 0, 1, 0, 0, 0, 0, 0, 1, 100, 100, 100, 100, 100, 100})
	f.Add([]byte{1, 1, 0, 255, 255, 255, 255, 0xff, 2, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2})
	f.Add([]byte("\x02\x00\x10\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07\x01\xb9\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		cfgs := []Config{
			{ClockRate: 8000, FrameSamples: 160},
			{ClockRate: 48000, FrameSamples: 960, MaxDelay: 100 * time.Millisecond},
			{ClockRate: 16000, FrameSamples: 320, MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond},
			{ClockRate: 1000, FrameSamples: 1},
		}
		cfg := cfgs[int(data[0])%len(cfgs)]
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		data = data[1:]
		now := time.Unix(1_700_000_000, 0)
		var seq uint16
		var ts uint32
		pcm := fuzzPCM
		frame := make([]int16, 1<<14)
		for len(data) >= 7 {
			op, a, c := data[0], data[1:3], data[3:7]
			data = data[7:]
			switch op % 4 {
			case 0: // the next packet, more or less
				seq += uint16(int8(a[0]))
				ts += uint32(int32(int16(binary.LittleEndian.Uint16(c))))
				n := int(a[1]) * 4
				b.Push(seq, ts, pcm[:n], now)
			case 1: // a read of any size
				n := int(binary.LittleEndian.Uint16(a)) % len(frame)
				out := frame[:n]
				for i := range out {
					out[i] = 32767
				}
				if err := b.ReadFrame(out); err != nil {
					t.Fatal(err)
				}
				for i, v := range out {
					if v == 32767 {
						t.Fatalf("ReadFrame(%d) left sample %d unwritten", n, i)
					}
				}
				now = now.Add(time.Duration(n) * time.Second / time.Duration(cfg.ClockRate))
			case 2: // anything at all
				seq = binary.LittleEndian.Uint16(a)
				ts = binary.LittleEndian.Uint32(c)
				b.Push(seq, ts, pcm[:int(a[0]^c[0])*int(a[1]%8+1)], now.Add(time.Duration(int8(c[1]))*time.Millisecond))
			case 3: // time passes, or goes backwards
				now = now.Add(time.Duration(int16(binary.LittleEndian.Uint16(a))) * time.Millisecond)
			}
			st := b.Stats()
			if st.Target < b.p.dur(float64(b.p.lo)) || st.Target > b.p.dur(float64(b.p.hi)) {
				t.Fatalf("target %v outside [%v, %v]", st.Target, b.p.dur(float64(b.p.lo)), b.p.dur(float64(b.p.hi)))
			}
			if st.Depth < 0 || st.Depth > b.p.dur(float64(b.p.maxAhead)) {
				t.Fatalf("depth %v", st.Depth)
			}
			if st.Late+st.Duplicates > st.Received || st.Reordered > st.Received {
				t.Fatalf("stats %+v", st)
			}
		}
	})
}

// fuzzPCM is what fuzzed packets carry: |v| <= 1000, so a 32767 in the
// output can only be the sentinel ReadFrame failed to overwrite.
var fuzzPCM = func() []int16 {
	pcm := make([]int16, 1<<16)
	for i := range pcm {
		pcm[i] = int16(i%2001 - 1000)
	}
	return pcm
}()
