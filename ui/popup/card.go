package popup

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/common"
	"github.com/switchboard/switchboard/ui/styles"
)

// cardLines are the caller-card part of the popup, most important first,
// so a short terminal that cuts the popup keeps who is calling.
func cardLines(st *styles.Styles, call *calls.Call, loc *time.Location) []string {
	card := call.Card
	var lines []string
	if card == nil {
		lines = append(lines, st.Title.Render(call.Name()))
		if call.Number != "" && call.Number != call.Name() {
			lines = append(lines, call.Number)
		}
		return append(lines, st.Subtle.Render("looking up the caller…"))
	}
	number := card.Formatted
	if number == "" {
		number = card.Number
	}
	switch {
	case card.Known && card.Contact != nil:
		name := card.Contact.Name
		if card.Contact.Company != "" {
			name += " (" + card.Contact.Company + ")"
		}
		lines = append(lines, st.Title.Render(name)+" "+st.OK.Render("known"))
		if len(card.Matches) > 1 {
			lines = append(lines, st.Warn.Render(fmt.Sprintf("%d contacts share this number", len(card.Matches))))
		}
	case card.Partial:
		lines = append(lines, st.Title.Render(call.Name())+" "+st.Subtle.Render("(card incomplete)"))
	default:
		name := call.DisplayName
		if name == "" {
			name = "Unknown caller"
		}
		lines = append(lines, st.Title.Render(name)+" "+st.Warn.Render("unknown"))
	}
	if where := card.Description.Location; where != "" {
		number += " · " + where
	}
	lines = append(lines, number)
	if card.Blacklisted {
		lines = append(lines, st.Error.Render("BLACKLISTED "+card.BlacklistReason))
	}
	if lt := card.LocalTime; lt.Zone != "" && !lt.Time.IsZero() {
		sure := ""
		if !lt.Certain {
			sure = "?"
		}
		lines = append(lines, fmt.Sprintf("Local time %s%s (%s)", lt.Time.Format("15:04"), sure, lt.Zone))
	}
	if c := card.OpenCase; c != nil {
		text := fmt.Sprintf("Case: %s · %s", c.Title, c.Status)
		if card.OtherOpenCases > 0 {
			text += fmt.Sprintf(" (+%d)", card.OtherOpenCases)
		}
		lines = append(lines, text)
		if c.AmountMinor != 0 {
			lines = append(lines, st.Warn.Render("Amount due: "+crm.FormatAmount(c.AmountMinor, c.Currency)))
		}
	}
	lines = append(lines, previousCalls(card.PreviousCalls, loc))
	if n := len(card.OpenTasks); n > 0 {
		lines = append(lines, fmt.Sprintf("Open tasks: %d, next %s", n, card.OpenTasks[0].DueAt.In(loc).Format("02 Jan 15:04")))
	}
	return lines
}

func previousCalls(s crm.CallSummary, loc *time.Location) string {
	if s.Count == 0 {
		return "No previous calls"
	}
	text := fmt.Sprintf("Previous calls: %d", s.Count)
	if !s.LastAt.IsZero() {
		text += ", last " + s.LastAt.In(loc).Format("02 Jan 15:04")
		if s.LastResult != "" {
			text += " " + s.LastResult
		}
	}
	return text
}

// actionLines are the key hints of the actions that work now; the others
// are left out rather than shown dead.
func actionLines(c *common.Common, a Actions, width int) []string {
	k := c.Keys
	st := c.Styles
	hint := func(keyName, desc string) string { return st.Key.Render(keyName) + " " + desc }
	var rows [][]string
	var first []string
	if a.Answer {
		first = append(first, hint(k.Answer.Help().Key, "answer"))
	}
	if a.Reject {
		first = append(first, hint(k.Reject.Help().Key, "reject"))
	}
	first = append(first, hint(k.TogglePopup.Help().Key, "collapse"))
	rows = append(rows, first)
	if a.Callback {
		rows = append(rows, []string{hint("1/2/3", "call back in 10/30/60 min")})
	}
	var crmRow []string
	if a.AddContact {
		crmRow = append(crmRow, hint(k.AddContact.Help().Key, "+contact"))
	}
	if a.AddCase {
		crmRow = append(crmRow, hint(k.AddCase.Help().Key, "+lead/case"))
	}
	if a.OpenContact {
		crmRow = append(crmRow, hint(k.OpenContact.Help().Key, "contact"))
	}
	if a.OpenHistory {
		crmRow = append(crmRow, hint(k.OpenHistory.Help().Key, "history"))
	}
	rows = append(rows, crmRow)
	var out []string
	for _, row := range rows {
		if len(row) > 0 {
			out = append(out, truncate(strings.Join(row, "  "), width))
		}
	}
	return out
}

func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

func stripStyle(s string) string { return ansi.Strip(s) }
