// Package styles holds the console's one semantic theme. Components ask for
// a meaning (Error, Missed, Muted) and never for a colour, so the light and
// the dark variant stay consistent and a restyle touches one file.
package styles

import (
	"image/color"

	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"
)

// Palette is the theme's colours by meaning.
type Palette struct {
	Text, Subtle, Accent, OK, Warn, Error, Border, Highlight, OnHighlight color.Color
}

// Styles are the theme's text styles. Build them with New; the zero value
// renders plain text, which is what a test without a theme wants anyway.
type Styles struct {
	IsDark  bool
	Palette Palette

	Text      lipgloss.Style
	Subtle    lipgloss.Style
	Title     lipgloss.Style
	Accent    lipgloss.Style
	OK        lipgloss.Style
	Warn      lipgloss.Style
	Error     lipgloss.Style
	Badge     lipgloss.Style // due-task counter, DND flag
	Selected  lipgloss.Style // the chosen row of a list or table
	Key       lipgloss.Style // a key name in hints
	Missed    lipgloss.Style // a missed call in the history
	TabActive lipgloss.Style
	Tab       lipgloss.Style

	Pane        lipgloss.Style // a screen's bordered area
	PaneFocused lipgloss.Style
	Popup       lipgloss.Style // the incoming-call popup and other overlays
	PopupTitle  lipgloss.Style
	Overlay     lipgloss.Style
	StatusBar   lipgloss.Style
	Footer      lipgloss.Style
}

// New builds the theme for a dark or a light terminal background.
func New(isDark bool) *Styles {
	pick := lipgloss.LightDark(isDark)
	p := Palette{
		Text:        pick(lipgloss.Color("#1F1F24"), lipgloss.Color("#E6E6EB")),
		Subtle:      pick(lipgloss.Color("#6B6B78"), lipgloss.Color("#8C8C99")),
		Accent:      pick(lipgloss.Color("#2F5FD0"), lipgloss.Color("#7AA2F7")),
		OK:          pick(lipgloss.Color("#1E7A3C"), lipgloss.Color("#73D28C")),
		Warn:        pick(lipgloss.Color("#9A6100"), lipgloss.Color("#E0AF68")),
		Error:       pick(lipgloss.Color("#B3261E"), lipgloss.Color("#F7768E")),
		Border:      pick(lipgloss.Color("#B8B8C4"), lipgloss.Color("#45475A")),
		Highlight:   pick(lipgloss.Color("#DDE6FF"), lipgloss.Color("#2B3350")),
		OnHighlight: pick(lipgloss.Color("#0B1E4F"), lipgloss.Color("#FFFFFF")),
	}
	base := lipgloss.NewStyle().Foreground(p.Text)
	pane := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border).Padding(0, 1)
	return &Styles{
		IsDark:      isDark,
		Palette:     p,
		Text:        base,
		Subtle:      lipgloss.NewStyle().Foreground(p.Subtle),
		Title:       lipgloss.NewStyle().Foreground(p.Accent).Bold(true),
		Accent:      lipgloss.NewStyle().Foreground(p.Accent),
		OK:          lipgloss.NewStyle().Foreground(p.OK),
		Warn:        lipgloss.NewStyle().Foreground(p.Warn),
		Error:       lipgloss.NewStyle().Foreground(p.Error).Bold(true),
		Badge:       lipgloss.NewStyle().Foreground(p.OnHighlight).Background(p.Warn).Bold(true),
		Selected:    lipgloss.NewStyle().Foreground(p.OnHighlight).Background(p.Highlight).Bold(true),
		Key:         lipgloss.NewStyle().Foreground(p.Accent).Bold(true),
		Missed:      lipgloss.NewStyle().Foreground(p.Error),
		TabActive:   lipgloss.NewStyle().Foreground(p.OnHighlight).Background(p.Highlight).Bold(true).Padding(0, 1),
		Tab:         lipgloss.NewStyle().Foreground(p.Subtle).Padding(0, 1),
		Pane:        pane,
		PaneFocused: pane.BorderForeground(p.Accent),
		Popup:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1),
		PopupTitle:  lipgloss.NewStyle().Foreground(p.Accent).Bold(true),
		Overlay:     lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1),
		StatusBar:   lipgloss.NewStyle().Foreground(p.Text),
		Footer:      lipgloss.NewStyle().Foreground(p.Subtle),
	}
}

// Table is the theme's style for a table screen (history, tasks).
func (s *Styles) Table() table.Styles {
	st := table.DefaultStyles()
	st.Selected = s.Selected
	st.Header = s.Title.Padding(0, 1)
	return st
}
