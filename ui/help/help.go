// Package help is the help overlay: every key that works in the current
// context, and only those (the root model hands over a keys.Context whose
// dead bindings are disabled).
package help

import (
	"charm.land/bubbles/v2/help"

	"github.com/switchboard/switchboard/ui/common"
	"github.com/switchboard/switchboard/ui/keys"
)

// Model draws the overlay and the footer's short hint.
type Model struct {
	common *common.Common
	help   help.Model
}

// New returns the help view with the theme's colours.
func New(c *common.Common) Model {
	h := help.New()
	st := help.DefaultStyles(c.Styles.IsDark)
	st.ShortKey = c.Styles.Key
	st.FullKey = c.Styles.Key
	h.Styles = st
	return Model{common: c, help: h}
}

// Short is the footer's one-line hint, cut to width.
func (m Model) Short(ctx keys.Context, width int) string {
	m.help.SetWidth(width)
	return m.help.ShortHelpView(ctx.ShortHelp())
}

// Overlay is the full help, framed, at most width cells wide.
func (m Model) Overlay(ctx keys.Context, title string, width int) string {
	st := m.common.Styles
	frame := st.Overlay.GetHorizontalFrameSize()
	m.help.SetWidth(max(20, width-frame))
	body := st.Title.Render("Keys · "+title) + "\n\n" + m.help.FullHelpView(ctx.FullHelp()) +
		"\n\n" + st.Subtle.Render("esc or ? closes")
	return st.Overlay.MaxWidth(width).Render(body)
}
