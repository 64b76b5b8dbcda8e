package phone

import (
	"context"
	"encoding/binary"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/audio/jitter"
)

// BenchmarkReceivePathLatency: the delay the receive path adds at zero
// jitter, from an RTP packet's arrival on the call's UDP socket to the moment
// its first sample is handed to the playback device. PCMU packets go out on
// loopback exactly every 20 ms into a diago media session and through the
// call's own receive loop (RTP parsing, decoding, jitter buffer at the
// default bounds); a fake device pulls 20 ms frames on its own 20 ms clock,
// as the sound card's pump does. The device's phase relative to the packets
// is unknown in a real call, so the run is repeated at several phases.
// Goal: at most two frames (40 ms) including the buffer.
func BenchmarkReceivePathLatency(b *testing.B) {
	const phases, perPhase = 4, 100 // packets per phase: 2 s
	var delays []float64
	for range b.N {
		for ph := range phases {
			delays = append(delays, receivePathDelays(b, perPhase, time.Duration(ph)*5*time.Millisecond+time.Millisecond)...)
		}
	}
	if len(delays) == 0 {
		b.Fatal("no packet was seen coming out of the receive path")
	}
	slices.Sort(delays)
	q := func(p float64) float64 { return delays[min(len(delays)-1, int(p*float64(len(delays))))] }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(delays[len(delays)-1], "max-ms")
	b.ReportMetric(float64(len(delays))/float64(b.N), "packets/op")
}

// receivePathDelays sends n marked packets and returns, for each one seen,
// the milliseconds from its send to the device read that returned its start.
// Every packet carries one constant PCMU code, cycling through 32 of them, so
// the decoded output says which packet each sample came from.
func receivePathDelays(b *testing.B, n int, phase time.Duration) []float64 {
	b.Helper()
	sess, err := media.NewMediaSession(net.IPv4(127, 0, 0, 1), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	codec := audio.PCMU()
	coder, err := codec.New()
	if err != nil {
		b.Fatal(err)
	}
	jb, err := jitter.New(jitter.Config{ClockRate: codec.Rate, FrameSamples: codec.FrameSamples(),
		MinDelay: 20 * time.Millisecond, MaxDelay: 300 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	reader := media.NewRTPPacketReader(sess, media.CodecAudioUlaw)
	p := &mediaPump{codec: codec, coder: coder, payload: audio.PayloadTypePCMU, reader: reader,
		packets: &diago.DialogMedia{RTPPacketReader: reader}, jitter: jb, quit: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.wg.Add(1)
	go p.receive(ctx)

	conn, err := net.DialUDP("udp", nil, &sess.Laddr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	// The decoded value of each marker code, and which packet index mod 32 it means.
	marks := map[int16]int{}
	pcm := make([]int16, 1)
	codeOf := func(k int) byte { return byte(0x80 + 3*(k%32)) } // positive, well apart
	for k := range 32 {
		if _, err := coder.Decode(pcm, []byte{codeOf(k)}); err != nil {
			b.Fatal(err)
		}
		marks[pcm[0]] = k
	}

	sentAt := make([]atomic.Int64, n) // UnixNano, written by the sender
	start := time.Now().Add(20 * time.Millisecond)
	go func() {
		pkt := make([]byte, 12+codec.FrameSamples())
		for k := range n {
			pkt[0], pkt[1] = 0x80, audio.PayloadTypePCMU
			binary.BigEndian.PutUint16(pkt[2:], uint16(1000+k))
			binary.BigEndian.PutUint32(pkt[4:], uint32(k*codec.FrameSamples()))
			binary.BigEndian.PutUint32(pkt[8:], 0x5eed)
			for i := 12; i < len(pkt); i++ {
				pkt[i] = codeOf(k)
			}
			time.Sleep(time.Until(start.Add(time.Duration(k) * 20 * time.Millisecond)))
			sentAt[k].Store(time.Now().UnixNano())
			_, _ = conn.Write(pkt)
		}
	}()

	// The fake device: a 20 ms clock at the given phase to the packets.
	frame := make([]int16, codec.FrameSamples())
	var delays []float64
	last, seen := -1, 0 // packet index of the last sample; packets found
	src := playout{p: p}
	for r := 0; r < n+20; r++ {
		time.Sleep(time.Until(start.Add(phase + time.Duration(r)*20*time.Millisecond)))
		_ = src.ReadFrame(frame)
		now := time.Now()
		for _, v := range frame {
			m, ok := marks[v]
			if !ok {
				continue // silence, a fade or a slip's interpolation
			}
			k := m
			if last >= 0 {
				k = last + (m-last%32+32)%32 // the next index with this mark
			}
			if k != last && k < n && (k > 0 || last < 0) {
				if k > 0 { // packet 0 is faded in from silence
					delays = append(delays, float64(now.UnixNano()-sentAt[k].Load())/float64(time.Millisecond))
				}
				seen++
			}
			last = k
		}
	}
	cancel()
	_ = sess.Close()
	p.wg.Wait()
	if seen < n*9/10 {
		b.Fatalf("only %d of %d packets came out of the receive path", seen, n)
	}
	return delays
}
