package ui_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/popup"
)

// ringing opens the popup of call c1 from number, with card.
func ringing(t *testing.T, card *crm.Card) *harness {
	t.Helper()
	h := newHarness(t, 80, 24)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	if card != nil {
		h.send(engine.Notice{Kind: engine.NoticeCard, CallID: "c1", Card: card})
	}
	return h
}

func TestPopupActions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		card   *crm.Card
		key    string
		method string
		check  func(t *testing.T, h *harness)
	}{
		{"answer", knownCard("+442079460000"), "a", "Answer", func(t *testing.T, h *harness) { h.expectCall("Answer", "c1") }},
		{"reject", knownCard("+442079460000"), "r", "Reject", func(t *testing.T, h *harness) { h.expectCall("Reject", "c1") }},
		{"call back in 10", knownCard("+442079460000"), "1", "CreateCallbackTask", func(t *testing.T, h *harness) {
			h.expectCall("CreateCallbackTask", "c1", "+442079460000", 10*time.Minute)
		}},
		{"call back in 30", knownCard("+442079460000"), "2", "CreateCallbackTask", func(t *testing.T, h *harness) {
			h.expectCall("CreateCallbackTask", "c1", "+442079460000", 30*time.Minute)
			if text, _ := h.root().Toast(); text != "Call back +442079460000 at 14:30" {
				t.Fatalf("toast %q", text)
			}
		}},
		{"call back in 60", knownCard("+442079460000"), "3", "CreateCallbackTask", func(t *testing.T, h *harness) {
			h.expectCall("CreateCallbackTask", "c1", "+442079460000", 60*time.Minute)
		}},
		{"+ contact", unknownCard("+442079460000"), "c", "NormaliseNumber", func(t *testing.T, h *harness) {
			// The form opens prefilled with the caller; enter saves it.
			if h.root().OverlayDepth() != 2 {
				t.Fatalf("contact form not opened: depth %d", h.root().OverlayDepth())
			}
			h.press("enter")
			got, _ := h.backend.Last("CreateContact")
			input := got.Args[0].(crm.ContactInput)
			if input.Name != "Anna" || len(input.Numbers) != 1 || input.Numbers[0].Number != "+442079460000" {
				t.Fatalf("contact input %+v", input)
			}
			h.expectCall("Card", "+442079460000", "c1")
		}},
		{"+ lead/case", unknownCard("+442079460000"), "l", "CreateCase", func(t *testing.T, h *harness) {
			got, _ := h.backend.Last("CreateCase")
			input := got.Args[0].(crm.CaseInput)
			if input.Kind != crm.KindLead || input.Number != "+442079460000" || input.SourceCallID != "c1" {
				t.Fatalf("case input %+v", input)
			}
		}},
		{"open contact", knownCard("+442079460000"), "o", "ContactDetails", func(t *testing.T, h *harness) {
			h.expectCall("ContactDetails", int64(42))
			if h.root().Screen() != ui.ScreenContacts {
				t.Fatalf("screen %v, want the contact's card", h.root().Screen())
			}
			got, _ := h.backend.Last("History")
			if f := got.Args[0].(history.Filter); f.ContactID != 42 {
				t.Fatalf("card history filter %+v", f)
			}
		}},
		{"open history", knownCard("+442079460000"), "H", "History", func(t *testing.T, h *harness) {
			if h.root().Screen() != ui.ScreenHistory {
				t.Fatalf("screen %v", h.root().Screen())
			}
			got, _ := h.backend.Last("History")
			if f := got.Args[0]; f == nil {
				t.Fatal("no filter")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := ringing(t, tc.card)
			h.backend.Reset()
			h.press(tc.key)
			if _, ok := h.backend.Last(tc.method); !ok {
				t.Fatalf("key %q made no %s call; recorded %v", tc.key, tc.method, h.backend.Recorded())
			}
			tc.check(t, h)
		})
	}
}

func TestPopupOffersOnlyWhatApplies(t *testing.T) {
	h := ringing(t, knownCard("+442079460000"))
	h.press("c") // a known caller needs no new contact
	h.expectNoCall("NormaliseNumber")

	h = ringing(t, unknownCard("+442079460000"))
	h.press("o") // an unknown caller has no contact to open
	h.expectNoCall("ContactDetails")

	h = ringing(t, nil) // no card yet: "+ contact" could make a duplicate
	h.press("c")
	h.expectNoCall("NormaliseNumber")

	a := popup.AvailableActions(h.root().Calls()[0])
	if !a.Answer || !a.Reject || !a.Callback || a.AddContact || a.OpenContact {
		t.Fatalf("actions without a card: %+v", a)
	}
}

func TestPopupCollapsesAfter20sAndExpandsOnKey(t *testing.T) {
	h := ringing(t, knownCard("+442079460000"))
	h.clock.Advance(popup.CollapseAfter - time.Second)
	h.send(clockTick())
	if _, expanded, _ := h.root().Popup(); !expanded {
		t.Fatal("collapsed before 20 s")
	}
	h.clock.Advance(time.Second)
	h.send(clockTick())
	if _, expanded, _ := h.root().Popup(); expanded {
		t.Fatal("still expanded after 20 s")
	}
	// Collapsed, the card's action keys do nothing...
	h.press("1")
	h.expectNoCall("CreateCallbackTask")
	// ...until it is expanded again.
	h.press("p")
	if _, expanded, _ := h.root().Popup(); !expanded {
		t.Fatal("p did not expand the popup")
	}
	h.press("1")
	h.expectCall("CreateCallbackTask", "c1", "+442079460000", 10*time.Minute)
	// esc collapses, esc again closes.
	h.press("esc")
	if _, expanded, open := h.root().Popup(); expanded || !open {
		t.Fatalf("after esc: expanded %v open %v", expanded, open)
	}
	h.press("esc")
	if _, _, open := h.root().Popup(); open {
		t.Fatal("second esc did not close the popup")
	}
}

func TestNotesAreTypedToTheBackend(t *testing.T) {
	h := ringing(t, knownCard("+442079460000"))
	h.press("a")
	h.event(phone.CallAnswered, "c1")
	h.press("n", "o", "k")
	h.expectCall("TypeNotes", "c1", "ok")
	h.press("esc")
	if h.root().Notes("c1") != "ok" {
		t.Fatalf("notes %q", h.root().Notes("c1"))
	}
}

func TestTaskDueNoticeRaisesToastAndBadge(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.backend.TaskList = []crm.Task{{ID: 1, Kind: crm.TaskCallback, DueAt: start.Add(-time.Minute), Status: crm.TaskOpen, ContactName: "Anna"}}
	due := crm.TaskDue{Task: h.backend.TaskList[0]}
	h.send(engine.Notice{Kind: engine.NoticeTaskDue, Due: &due})
	if h.root().DueTasks() != 1 {
		t.Fatalf("badge %d", h.root().DueTasks())
	}
	if text, _ := h.root().Toast(); text == "" {
		t.Fatal("no toast for a due task")
	}
}
