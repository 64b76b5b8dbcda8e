package portaudio

import (
	"slices"
	"testing"
)

func TestRingWrapsAndDropsWhenFull(t *testing.T) {
	q := newRing(10)
	q.write([]int16{1, 2, 3, 4, 5, 6})
	got := make([]int16, 4)
	if n := q.readInto(got); n != 4 || !slices.Equal(got, []int16{1, 2, 3, 4}) {
		t.Fatalf("read %d %v", n, got)
	}
	q.write([]int16{7, 8, 9, 10, 11, 12, 13, 14, 15}) // 2 + 9 > 10: one dropped
	if q.dropped.Load() != 1 || q.available() != 10 {
		t.Fatalf("dropped %d, available %d", q.dropped.Load(), q.available())
	}
	q.skip(3)
	all := make([]int16, 20)
	n := q.readInto(all)
	if want := []int16{8, 9, 10, 11, 12, 13, 14}; !slices.Equal(all[:n], want) {
		t.Fatalf("after wrap and skip: %v, want %v", all[:n], want)
	}
	select {
	case <-q.notify:
	default:
		t.Error("write did not notify")
	}
}
