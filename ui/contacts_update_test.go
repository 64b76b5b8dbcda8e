package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/contacts"
)

func sampleContacts() []crm.Contact {
	return []crm.Contact{
		{ID: 42, Name: "Anna Petrova", Company: "Acme Ltd", Email: "anna@acme.example", Notes: "prefers e-mail after 17:00",
			Numbers: []crm.Phone{{Label: "mobile", Raw: "+44 7700 900123", Key: "+447700900123"}, {Raw: "020 7946 0000", Key: "+442079460000"}}},
		{ID: 43, Name: "Boris Ivanov", Company: "Northwind", Numbers: []crm.Phone{{Raw: "+7 495 123-45-67", Key: "+74951234567"}}},
		{ID: 44, Name: "Chen Wei", Numbers: []crm.Phone{{Label: "work", Raw: "+86 10 6552 9988", Key: "+861065529988"}}},
	}
}

func annaDetails() contacts.Details {
	anna := sampleContacts()[0]
	london := numbers.LocalTime{Zone: "Europe/London", Time: start, Certain: true}
	return contacts.Details{
		Contact: anna,
		Numbers: []contacts.NumberInfo{
			{Phone: anna.Numbers[0], Formatted: "+44 7700 900123", LocalTime: london, Place: "United Kingdom"},
			{Phone: anna.Numbers[1], Formatted: "+44 20 7946 0000", LocalTime: london, Place: "London"},
		},
		Cases: []crm.Case{{ID: 5, Title: "Order 1187", Status: "in_progress", AmountMinor: 12050, Currency: "GBP"}},
		Tasks: []crm.Task{{ID: 1, Kind: crm.TaskCallback, DueAt: start.Add(-15 * time.Minute), Status: crm.TaskOpen, Note: "price for order 1187"}},
	}
}

// contactsHarness is a console on the contacts screen with sample data.
func contactsHarness(t *testing.T, width, height int) *harness {
	t.Helper()
	h := newHarness(t, width, height)
	seedContacts(h)
	h.press("tab", "tab", "tab")
	return h
}

func seedContacts(h *harness) {
	h.backend.ContactList = sampleContacts()
	h.backend.Details[42] = annaDetails()
	for _, c := range sampleContacts() {
		h.backend.ContactByID[c.ID] = c
	}
	h.backend.Calls = sampleHistory()[:2]
}

func TestContactsSearchNarrowsTheList(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	if h.root().Screen() != ui.ScreenContacts {
		t.Fatalf("screen %v", h.root().Screen())
	}
	h.expectCall("Contacts", "", contacts.ListLimit)
	h.press("/", "n", "o", "r")
	h.expectCall("Contacts", "nor", contacts.ListLimit)
	// "q" is typed into the search, not taken for quit.
	h.press("q")
	h.expectCall("Contacts", "norq", contacts.ListLimit)
	h.press("esc")
	h.backend.Reset()
	h.press("esc", "/", "enter") // enter in the search opens the card
	// "norq" matches nobody: nothing to open.
	h.expectNoCall("ContactDetails")
}

func TestContactsOpenCardLoadsDetailsAndCalls(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	h.press("enter")
	h.expectCall("ContactDetails", int64(42))
	got, _ := h.backend.Last("History")
	if f := got.Args[0].(history.Filter); f.ContactID != 42 {
		t.Fatalf("history filter %+v", f)
	}
	h.press("down", "enter") // the second number is dialled
	h.expectCall("Dial", "", "+442079460000")
	h.press("esc")
	if view := h.root().Render(); !contains(view, "Boris Ivanov") {
		t.Fatalf("esc did not go back to the list:\n%s", view)
	}
}

func TestContactFormShowsProblemsInline(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	h.press("+")
	h.press("tab", "tab")       // to the first number
	h.press("1", "2", "x", "y") // normalised as typed: not a number
	h.expectCall("NormaliseNumber", "12xy")
	h.press("enter")
	h.expectNoCall("CreateContact")
	view := h.root().Render()
	for _, want := range []string{"a name is required", "not a phone number"} {
		if !contains(view, want) {
			t.Fatalf("%q not shown:\n%s", want, view)
		}
	}
	// Fixed, the contact is saved and its card opens.
	for range 4 {
		h.press("backspace")
	}
	h.press("+", "4", "4", "2", "0", "shift+tab", "shift+tab", "Z", "o", "e", "enter")
	got, ok := h.backend.Last("CreateContact")
	if !ok {
		t.Fatalf("not saved:\n%s", h.root().Render())
	}
	input := got.Args[0].(crm.ContactInput)
	if input.Name != "Zoe" || len(input.Numbers) != 1 || input.Numbers[0].Number != "+4420" {
		t.Fatalf("input %+v", input)
	}
	if h.root().OverlayDepth() != 0 {
		t.Fatal("form still open after saving")
	}
	h.expectCall("ContactDetails", int64(7))
}

func TestContactEditFormPatchesWhatChanged(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	h.press("e") // edit Anna from the list
	h.press("tab", "tab")
	for range len("+44 7700 900123") {
		h.press("backspace")
	}
	h.press("enter")
	got, ok := h.backend.Last("UpdateContact")
	if !ok {
		t.Fatalf("not saved:\n%s", h.root().Render())
	}
	patch := got.Args[1].(crm.ContactPatch)
	if patch.Name != nil || len(patch.AddNumbers) != 0 || len(patch.RemoveNumbers) != 1 || patch.RemoveNumbers[0] != "+44 7700 900123" {
		t.Fatalf("patch %+v", patch)
	}
}

// ctrl+l gives the focused number a label: shown in the form, saved with
// the number; relabelling a kept number replaces it with its new label.
func TestContactFormLabelsNumbers(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	h.press("+", "Z", "o", "e", "tab", "tab", "+", "4", "4", "2", "0")
	h.press("ctrl+l", "ctrl+l") // main → mobile → work
	if view := h.root().Render(); !contains(view, "Work") {
		t.Fatalf("the number's label is not shown:\n%s", view)
	}
	h.press("enter")
	got, ok := h.backend.Last("CreateContact")
	if !ok {
		t.Fatalf("not saved:\n%s", h.root().Render())
	}
	if in := got.Args[0].(crm.ContactInput); len(in.Numbers) != 1 || in.Numbers[0] != (crm.PhoneInput{Label: "work", Number: "+4420"}) {
		t.Fatalf("numbers %+v, want +4420 labelled work", in.Numbers)
	}

	h.press("esc") // back to the list
	h.press("e")   // Anna: her mobile becomes her home number
	h.press("tab", "tab", "ctrl+l", "ctrl+l")
	h.press("enter")
	got, ok = h.backend.Last("UpdateContact")
	if !ok {
		t.Fatalf("edit not saved:\n%s", h.root().Render())
	}
	patch := got.Args[1].(crm.ContactPatch)
	want := crm.PhoneInput{Label: "home", Number: "+44 7700 900123"}
	if len(patch.RemoveNumbers) != 1 || patch.RemoveNumbers[0] != want.Number || len(patch.AddNumbers) != 1 || patch.AddNumbers[0] != want {
		t.Fatalf("patch %+v, want %s relabelled home", patch, want.Number)
	}
}

func TestContactFormShowsBackendError(t *testing.T) {
	h := contactsHarness(t, 80, 24)
	h.backend.Err = errString("crm: add contact: invalid: unknown time zone")
	h.press("+", "A", "enter")
	if h.root().OverlayDepth() != 1 || !contains(h.root().Render(), "Not saved: crm: add contact") {
		t.Fatalf("error not shown in the form:\n%s", h.root().Render())
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

type errString string

func (e errString) Error() string { return string(e) }
