package phone

import (
	"fmt"
	"testing"
	"time"
)

func TestBusKeepsOrderAndNeverDropsTerminalEvents(t *testing.T) {
	bus := NewBus()
	slow := bus.Subscribe()
	const flood = subscriberBuffer * 3
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < flood; i++ {
			bus.Publish(Event{Kind: CallDTMF, CallID: "c", Digit: fmt.Sprint(i % 10)})
		}
		bus.Publish(Event{Kind: CallAnswered, CallID: "c"})
		bus.Publish(Event{Kind: CallEnded, CallID: "c"})
		bus.Close()
	}()
	// Read slowly only after the flood filled the buffer.
	time.Sleep(50 * time.Millisecond)
	var kinds []Kind
	for ev := range slow.C {
		kinds = append(kinds, ev.Kind)
	}
	<-done
	if len(kinds) < 2 || kinds[len(kinds)-2] != CallAnswered || kinds[len(kinds)-1] != CallEnded {
		t.Fatalf("last events %v, want answered then ended", kinds[max(0, len(kinds)-3):])
	}
	if got := slow.Dropped(); got == 0 || got+len(kinds) != flood+2 {
		t.Errorf("dropped %d and received %d of %d: every event is either delivered or counted", got, len(kinds), flood+2)
	}
}

func TestBusClosedSubscriptionDoesNotBlockPublisher(t *testing.T) {
	bus := NewBus()
	sub := bus.Subscribe()
	for i := 0; i < subscriberBuffer; i++ {
		bus.Publish(Event{Kind: CallEnded})
	}
	published := make(chan struct{})
	go func() {
		bus.Publish(Event{Kind: CallEnded}) // blocks: the buffer is full
		close(published)
	}()
	time.Sleep(20 * time.Millisecond)
	sub.Close()
	select {
	case <-published:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish stayed blocked on a closed subscription")
	}
	bus.Close()
	bus.Publish(Event{Kind: CallEnded}) // after Close: ignored, no panic
}
