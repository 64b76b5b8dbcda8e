package calls

import (
	"testing"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui/common"
)

// The engine builds the card on its own path; when the card wins the race
// with the call's first event, the call still gets it.
func TestCardBeforeTheCallIsKept(t *testing.T) {
	m := NewModel(common.New())
	card := &crm.Card{Number: "+442079460000"}
	m.SetCard("c1", card)
	call := m.Apply(phone.Event{Kind: phone.CallIncoming, CallID: "c1", Number: "+442079460000"})
	if call.Card != card {
		t.Fatalf("the early card was not attached: %+v", call.Card)
	}
	if len(m.early) != 0 {
		t.Errorf("%d early cards left", len(m.early))
	}
	// Cards for calls that never come are bounded.
	for i := range 3 * maxEarlyCards {
		m.SetCard(string(rune('a'+i)), &crm.Card{})
	}
	if len(m.early) != maxEarlyCards {
		t.Errorf("%d early cards kept, want at most %d", len(m.early), maxEarlyCards)
	}
}
