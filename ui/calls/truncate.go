package calls

import "github.com/charmbracelet/x/ansi"

// truncate cuts styled text to width cells with an ellipsis.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}
