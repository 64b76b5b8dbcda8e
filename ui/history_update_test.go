package ui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
)

func historyHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarnessWith(t, 132, 43, ui.Settings{Dispositions: []string{"resolved", "callback", "sale"}})
	calls := sampleHistory()
	calls[0].Recording = "/rec/h1.wav"
	calls[0].Account = "work"
	h.backend.Calls = calls
	h.press("tab")
	return h
}

func TestHistoryCallBackDialsTheNumber(t *testing.T) {
	h := historyHarness(t)
	h.press("enter")
	h.expectCall("Dial", "work", "+442079460000")
}

func TestHistoryEditNoteSavesOnClose(t *testing.T) {
	h := historyHarness(t)
	h.press("n", "!")
	h.expectNoCall("SetNotes")
	h.expectNoCall("TypeNotes") // a past call's notes are not the saver's
	h.backend.Reset()
	h.press("esc")
	h.expectCall("SetNotes", "h1", "asked about the invoice!")
	h.expectPage("") // the row shows the new notes

	// Closing without a change writes nothing.
	h.backend.Reset()
	h.press("n", "esc")
	h.expectNoCall("SetNotes")
}

func TestHistoryDisposition(t *testing.T) {
	h := historyHarness(t)
	h.press("down", "w")
	if !strings.Contains(ansi.Strip(asciiView(t, h)), "Disposition · +447700900123") {
		t.Fatal("no disposition picker for the selected call")
	}
	h.press("2")
	h.expectCall("SetDisposition", "h2", "callback")
	h.expectPage("")
}

func TestHistoryPaging(t *testing.T) {
	h := historyHarness(t)
	h.press("[") // first page: nothing before it
	h.press("]") // no next page
	if got, _ := h.backend.Last("History"); got.Args[1] != "" {
		t.Fatalf("paged without a cursor: %v", got)
	}
	h.backend.Next = "page-2"
	h.press("ctrl+r")
	h.backend.Next = "page-3"
	h.press("]")
	h.expectPage("page-2")
	h.press("]")
	h.expectPage("page-3")
	h.press("[")
	h.expectPage("page-2")
	h.press("[")
	h.expectPage("")
	// A new filter starts at the first page.
	h.press("]", "f")
	h.expectPage("")
}

func TestHistoryPlayAndStopRecording(t *testing.T) {
	h := historyHarness(t)
	h.backend.Playing = make(chan struct{})
	// The command plays until the recording ends: run it by hand.
	model, cmd := h.model.Update(keyMsg("P"))
	h.model = model
	if cmd == nil {
		t.Fatal("P on a call with a recording returned no command")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	if !strings.Contains(asciiView(t, h), "▶ playing") {
		t.Error("the screen does not show the playback")
	}
	h.press("P") // stops it
	select {
	case msg := <-done:
		h.send(msg)
	case <-time.After(5 * time.Second):
		t.Fatal("the playback did not stop")
	}
	h.expectCall("PlayRecording", "h1")
	if text, _ := h.root().Toast(); text != "Playback stopped" {
		t.Errorf("footer %q", text)
	}

	// Played to the end.
	h.backend.Playing, h.backend.Played = nil, 83*time.Second
	h.press("P")
	if text, _ := h.root().Toast(); text != "Played 1:23" {
		t.Errorf("footer %q", text)
	}
}

func TestHistoryPlayNeedsARecordingAndAnIdleLine(t *testing.T) {
	h := historyHarness(t)
	h.press("down", "P") // h2 has no recording
	h.expectNoCall("PlayRecording")

	h.press("up")
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	h.press("esc", "esc", "P") // a live call has the sound card
	h.expectNoCall("PlayRecording")
}

// expectPage checks that the history was last asked for the page at cursor.
func (h *harness) expectPage(cursor string) {
	h.t.Helper()
	got, ok := h.backend.Last("History")
	if !ok || got.Args[1] != cursor {
		h.t.Fatalf("history asked as %v, want the page at %q", got, cursor)
	}
}
