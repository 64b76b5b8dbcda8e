// Package keys is the console's one keymap. Every key the console reacts to
// is defined here, once, with its help text; the root model enables the
// bindings that work in the current context and the help overlay lists
// exactly those, so a key that does nothing is never shown.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding of the console, grouped by where it works.
type KeyMap struct {
	// Everywhere.
	Quit       key.Binding
	ForceQuit  key.Binding
	Help       key.Binding
	NextScreen key.Binding
	PrevScreen key.Binding
	Back       key.Binding
	ToggleDND  key.Binding

	// Calls screen.
	FocusDialer key.Binding
	Dial        key.Binding
	Redial      key.Binding
	NextAccount key.Binding
	Up          key.Binding
	Down        key.Binding
	Answer      key.Binding
	Reject      key.Binding
	Hangup      key.Binding
	Hold        key.Binding
	Mute        key.Binding
	Keypad      key.Binding
	Transfer    key.Binding
	Notes       key.Binding

	// Incoming-call popup.
	TogglePopup key.Binding
	Callback10  key.Binding
	Callback30  key.Binding
	Callback60  key.Binding
	AddContact  key.Binding
	AddCase     key.Binding
	OpenContact key.Binding
	OpenHistory key.Binding

	// Wrap-up and disposition picker.
	Choose       key.Binding
	ChooseNumber key.Binding

	// History and tasks screens.
	CallBack      key.Binding
	PlayRecording key.Binding
	EditNote      key.Binding
	Dispose       key.Binding
	NextPage      key.Binding
	PrevPage      key.Binding
	MissedOnly    key.Binding
	Refresh       key.Binding
	TaskDone      key.Binding
	TaskSnooze    key.Binding
	CallFromTask  key.Binding

	// Contacts screen and the contact form.
	Search      key.Binding
	OpenCard    key.Binding
	NewContact  key.Binding
	EditContact key.Binding
	CallNumber  key.Binding
	NextField   key.Binding
	PrevField   key.Binding
	NumberLabel key.Binding
	Save        key.Binding
}

// New returns the console's keymap with every binding enabled; the root
// model narrows it to the current context.
func New() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Quit:       b("q", "quit", "q"),
		ForceQuit:  b("ctrl+c", "quit now", "ctrl+c"),
		Help:       b("?", "help", "?", "f1"),
		NextScreen: b("tab", "next screen", "tab"),
		PrevScreen: b("shift+tab", "previous screen", "shift+tab"),
		Back:       b("esc", "back", "esc"),
		ToggleDND:  b("D", "do not disturb", "D"),

		FocusDialer: b("d", "dial", "d", "/"),
		Dial:        b("enter", "call", "enter"),
		Redial:      b("R", "redial", "R"),
		NextAccount: b("alt+a", "next account", "alt+a"),
		Up:          b("↑", "up", "up", "ctrl+p"),
		Down:        b("↓", "down", "down", "ctrl+n"),
		Answer:      b("a", "answer", "a"),
		Reject:      b("r", "reject", "r"),
		Hangup:      b("e", "end call", "e"),
		Hold:        b("h", "hold/resume", "h"),
		Mute:        b("m", "mute/unmute", "m"),
		Keypad:      b("k", "DTMF keypad", "k"),
		Transfer:    b("t", "transfer", "t"),
		Notes:       b("n", "notes", "n"),

		TogglePopup: b("p", "expand/collapse card", "p"),
		Callback10:  b("1", "call back in 10 min", "1"),
		Callback30:  b("2", "call back in 30 min", "2"),
		Callback60:  b("3", "call back in 60 min", "3"),
		AddContact:  b("c", "+ contact", "c"),
		AddCase:     b("l", "+ lead/case", "l"),
		OpenContact: b("o", "open contact", "o"),
		OpenHistory: b("H", "their history", "H"),

		Choose:       b("enter", "choose", "enter"),
		ChooseNumber: b("1-9", "choose by number", "1", "2", "3", "4", "5", "6", "7", "8", "9"),

		CallBack:      b("enter", "call back", "enter"),
		PlayRecording: b("P", "play/stop recording", "P"),
		EditNote:      b("n", "edit note", "n"),
		Dispose:       b("w", "wrap-up code", "w"),
		NextPage:      b("]", "next page", "]"),
		PrevPage:      b("[", "previous page", "["),
		MissedOnly:    b("f", "missed only", "f"),
		Refresh:       b("ctrl+r", "refresh", "ctrl+r"),
		TaskDone:      b("x", "done", "x"),
		TaskSnooze:    b("s", "snooze 10 min", "s"),
		CallFromTask:  b("enter", "call", "enter"),

		Search:      b("/", "search", "/"),
		OpenCard:    b("enter", "open card", "enter"),
		NewContact:  b("+", "new contact", "+"),
		EditContact: b("e", "edit contact", "e"),
		CallNumber:  b("enter", "call this number", "enter"),
		NextField:   b("tab", "next field", "tab", "down"),
		PrevField:   b("shift+tab", "previous field", "shift+tab", "up"),
		NumberLabel: b("ctrl+l", "label (mobile, work…)", "ctrl+l"),
		Save:        b("enter", "save", "enter", "ctrl+s"),
	}
}

// Context is the set of bindings that work right now, in groups for the
// help overlay. It implements bubbles' help.KeyMap.
type Context struct {
	Short  []key.Binding
	Groups [][]key.Binding
}

// ShortHelp is the footer's one-line hint.
func (c Context) ShortHelp() []key.Binding { return enabled(c.Short) }

// FullHelp is the overlay's columns; disabled bindings and empty groups
// are left out.
func (c Context) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, group := range c.Groups {
		if kept := enabled(group); len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}

func enabled(bindings []key.Binding) []key.Binding {
	out := make([]key.Binding, 0, len(bindings))
	for _, b := range bindings {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// Only returns b enabled when on is true, disabled otherwise: the one way
// the root model narrows a binding to its context.
func Only(b key.Binding, on bool) key.Binding {
	b.SetEnabled(on)
	return b
}
