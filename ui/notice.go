package ui

import (
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// noticeFor is how long a notice stays in the footer: longer than a
// toast, since nobody pressed a key to expect it.
const noticeFor = 12 * time.Second

// toast is the footer's message: a toast (the answer to a key) or a
// notice (what the program has to say).
type toast struct {
	text   string
	err    bool
	notice bool
	until  time.Time
}

// notifyDoneMsg ends a desktop notification.
type notifyDoneMsg struct{ Err error }

func (m *Model) showToast(text string) { m.setToast(toast{text: text}) }

func (m *Model) showError(text string) { m.setToast(toast{text: text, err: true}) }

// setToast shows the answer to a key at once. A notice it covers goes
// back to the head of the queue, to be read in full afterwards.
func (m *Model) setToast(t toast) {
	if m.toast.notice && m.toast.text != "" {
		m.notices = append([]toast{m.toast}, m.notices...)
	}
	t.until = m.common.Now().Add(toastFor)
	m.toast = t
}

// queueNotice shows n now if the footer is free, else after what is
// before it.
func (m *Model) queueNotice(n Notice) {
	if n.Text == "" {
		return
	}
	m.notices = append(m.notices, toast{text: n.Text, err: n.Err, notice: true})
	if m.toast.text == "" {
		m.nextNotice()
	}
}

func (m *Model) nextNotice() {
	if len(m.notices) == 0 {
		m.toast = toast{}
		return
	}
	m.toast = m.notices[0]
	m.toast.until = m.common.Now().Add(noticeFor)
	m.notices = m.notices[1:]
}

// expireToast clears the footer's message once its time is up, and shows
// the next notice.
func (m *Model) expireToast(now time.Time) {
	if m.toast.text != "" && !m.toast.until.IsZero() && now.After(m.toast.until) {
		m.nextNotice()
	}
}

// toastLine is the footer's message, with how many notices wait.
func (m Model) toastLine(width int) string {
	st := m.common.Styles
	style := st.OK
	switch {
	case m.toast.err:
		style = st.Error
	case m.toast.notice:
		style = st.Warn
	}
	more := ""
	if n := len(m.notices); n > 0 {
		more = st.Subtle.Render(" (+" + strconv.Itoa(n) + " more)")
	}
	moreW := ansi.StringWidth(more)
	if moreW >= width {
		more, moreW = "", 0
	}
	return ansi.Truncate(style.Render(m.toast.text), width-moreW, "…") + more
}

// alert draws the operator's attention away from another window: the
// terminal bell and a desktop notification, as configured. urgent is an
// incoming call (the notification stays until it is seen).
func (m Model) alert(title, body string, urgent bool) tea.Cmd {
	var cmds []tea.Cmd
	if m.settings.Bell {
		cmds = append(cmds, tea.Raw(string(rune(ansi.BEL))))
	}
	if n := m.settings.Notifier; n != nil {
		ctx := m.cmds.ctx
		cmds = append(cmds, func() tea.Msg { return notifyDoneMsg{Err: n.Notify(ctx, title, body, urgent)} })
	}
	return tea.Batch(cmds...)
}
