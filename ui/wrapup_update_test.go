package ui_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
)

var wrapUpSettings = ui.Settings{WrapUp: true, Dispositions: []string{"resolved", "callback", "sale"}}

// talkAndHangUp answers c1 and ends it; the popup is closed first.
func talkAndHangUp(h *harness) {
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	h.event(phone.CallAnswered, "c1")
	h.press("esc", "esc")
	h.event(phone.CallEnded, "c1", ended(phone.ResultAnswered, 0))
}

func wrapUpShown(t *testing.T, h *harness) bool {
	t.Helper()
	return strings.Contains(ansi.Strip(asciiView(t, h)), "Wrap-up · Anna")
}

func TestWrapUpAtHangUpByNumber(t *testing.T) {
	h := newHarnessWith(t, 80, 24, wrapUpSettings)
	talkAndHangUp(h)
	if !wrapUpShown(t, h) {
		t.Fatal("no wrap-up prompt after an answered call ended")
	}
	h.press("q") // not a choice: the prompt takes every key and stays
	if !wrapUpShown(t, h) {
		t.Fatal("the prompt let q through")
	}
	h.press("3")
	h.expectCall("SetDisposition", "c1", "sale")
	if wrapUpShown(t, h) || h.root().OverlayDepth() != 0 {
		t.Fatal("the prompt stayed after a choice")
	}
	if text, _ := h.root().Toast(); text != "Wrap-up code: sale" {
		t.Errorf("footer %q", text)
	}
}

func TestWrapUpByCursorAndSkip(t *testing.T) {
	h := newHarnessWith(t, 80, 24, wrapUpSettings)
	talkAndHangUp(h)
	h.press("up", "enter") // wraps round to the last code
	h.expectCall("SetDisposition", "c1", "sale")

	h = newHarnessWith(t, 80, 24, wrapUpSettings)
	talkAndHangUp(h)
	h.press("9") // no ninth code: nothing
	h.press("esc")
	h.expectNoCall("SetDisposition")
	if h.root().OverlayDepth() != 0 {
		t.Fatal("esc did not skip the wrap-up")
	}
}

// Notes can still be typed from the prompt; they go through the note
// saver, and the prompt is back when the notes close.
func TestWrapUpOpensNotes(t *testing.T) {
	h := newHarnessWith(t, 80, 24, wrapUpSettings)
	talkAndHangUp(h)
	h.press("n", "o", "k")
	h.expectCall("TypeNotes", "c1", "ok")
	h.press("esc")
	if !wrapUpShown(t, h) {
		t.Fatal("the wrap-up is not back after the notes closed")
	}
	h.press("1")
	h.expectCall("SetDisposition", "c1", "resolved")
}

func TestNoWrapUpWhenOffOrUnanswered(t *testing.T) {
	h := newHarnessWith(t, 80, 24, ui.Settings{Dispositions: wrapUpSettings.Dispositions})
	talkAndHangUp(h)
	if h.root().OverlayDepth() != 0 {
		t.Fatal("wrap-up shown with wrap_up off")
	}

	h = newHarnessWith(t, 80, 24, wrapUpSettings)
	h.event(phone.CallIncoming, "c2", incoming("+447700900123", ""))
	h.press("esc", "esc")
	h.event(phone.CallEnded, "c2", ended(phone.ResultMissed, 487))
	if h.root().OverlayDepth() != 0 {
		t.Fatal("wrap-up shown for a missed call")
	}
}

// A call ringing when another ends keeps its popup on top: it can be
// answered at once, and the wrap-up waits underneath.
func TestWrapUpWaitsUnderARingingCall(t *testing.T) {
	h := newHarnessWith(t, 80, 24, wrapUpSettings)
	h.event(phone.CallIncoming, "c1", incoming("+442079460000", "Anna"))
	h.event(phone.CallAnswered, "c1")
	h.press("esc", "esc")
	h.event(phone.CallIncoming, "c2", incoming("+447700900123", "Boris"))
	h.event(phone.CallEnded, "c1", ended(phone.ResultAnswered, 0))
	h.press("a")
	h.expectCall("Answer", "c2")
	h.expectNoCall("SetDisposition")
	h.press("esc", "esc") // collapse and close the popup
	if !wrapUpShown(t, h) {
		t.Fatal("the wrap-up is not there after the popup closed")
	}
	h.press("2")
	h.expectCall("SetDisposition", "c1", "callback")
}
