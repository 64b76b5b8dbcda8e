package phone

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// RFC 4733 both ways with baresip: the digits we send arrive as baresip's
// CALL_DTMF_START events, the digits baresip sends (ctrl_tcp sndcode) come
// out as call.dtmf events.
func TestDTMFWithBaresip(t *testing.T) {
	requirePeers(t, "baresip")
	call, events, far := callBaresip(t, Options{}, testpeer.BaresipOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	if got := call.DTMFMethod(); got != DTMFMethodRFC4733 {
		t.Errorf("DTMFMethod() = %q with baresip's telephone-event, want %q", got, DTMFMethodRFC4733)
	}
	started := time.Now()
	if err := call.SendDTMF(ctx, "123#"); err != nil {
		t.Fatal(err)
	}
	// Four digits of about 140 ms with three 100 ms gaps: SendDTMF returns
	// when the last one went out.
	if took := time.Since(started); took < 800*time.Millisecond || took > 3*time.Second {
		t.Errorf("SendDTMF took %v, want about 0.9 s", took)
	}
	var heard string
	for range 4 {
		ev := far.WaitEvent(t, "CALL_DTMF_START", 5*time.Second)
		heard += fmt.Sprint(ev["param"])
	}
	if heard != "123#" {
		t.Errorf("baresip heard %q, want 123#", heard)
	}

	if _, err := far.Command("sndcode", "4*9"); err != nil {
		t.Fatal(err)
	}
	var got string
	for range 3 {
		ev := next(t, events, CallDTMF)
		if ev.DTMFMethod != DTMFMethodRFC4733 {
			t.Errorf("call.dtmf method %q, want %s", ev.DTMFMethod, DTMFMethodRFC4733)
		}
		got += ev.Digit
	}
	if got != "4*9" {
		t.Errorf("we received %q from baresip, want 4*9", got)
	}
}
