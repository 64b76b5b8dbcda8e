package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/crm/numbers"
)

// cardCommand prints the caller card of a number, as a ringing call gets it.
func (a *app) cardCommand() *cobra.Command {
	var asJSON bool
	var request crm.CardRequest
	cmd := &cobra.Command{
		Use:     "card NUMBER",
		Short:   "Print the caller card of a number: contact, open case, tasks, earlier calls, local time",
		Example: "  switchboard card '+7 495 123-45-67' --line 74950000000 --json",
		Args:    exactArgs(1, "card needs one NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			request.Number = args[0]
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				// The same call the engine makes while a call rings, then the
				// rest if it ran out of time: here nobody is waiting.
				card, err := c.BuildCard(cmd.Context(), request)
				if err == nil && card.Partial {
					card, err = c.CompleteCard(cmd.Context(), request)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, card)
				}
				return printCard(a.stdout, card, crmLocation(c))
			})
		},
	}
	cmd.Flags().StringVar(&request.DialledLine, "line", "", "the line (DID) the call came to")
	cmd.Flags().Int64Var(&request.ContactID, "contact", 0, "show this contact when several share the number")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the card as JSON")
	return cmd
}

// cardLine is the caller card in one line, for a session's event stream.
func cardLine(card crm.Card, location *time.Location) string {
	who := card.Formatted + " (unknown)"
	if contact := card.Contact; contact != nil {
		who = fmt.Sprintf("%s, %s #%d", card.Formatted, contact.Name, contact.ID)
		if contact.Company != "" {
			who += " (" + contact.Company + ")"
		}
	}
	parts := []string{who}
	if card.Blacklisted {
		parts = append(parts, "BLACKLISTED "+card.BlacklistReason)
	}
	if len(card.Matches) > 1 {
		parts = append(parts, fmt.Sprintf("%d contacts share this number", len(card.Matches)))
	}
	if card.OpenCase != nil {
		open := "open " + caseSummary(*card.OpenCase)
		if card.OtherOpenCases > 0 {
			open += fmt.Sprintf(" (+%d more open)", card.OtherOpenCases)
		}
		parts = append(parts, open)
	}
	if n := len(card.OpenTasks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d open task(s), next due %s", n, formatTime(card.OpenTasks[0].DueAt, location)))
	}
	if calls := card.PreviousCalls; calls.Count > 0 {
		parts = append(parts, fmt.Sprintf("%d earlier call(s), last %s %s", calls.Count, formatTime(calls.LastAt, location), calls.LastResult))
	}
	if place := describeNumber(card); place != "" {
		parts = append(parts, "from "+place)
	}
	if local := localTime(card.LocalTime); local != "" {
		parts = append(parts, "local time "+local)
	}
	if card.Partial {
		parts = append(parts, "(more to come)")
	}
	return strings.Join(parts, " · ")
}

// printCard writes the caller card as a labelled block.
func printCard(w io.Writer, card crm.Card, location *time.Location) error {
	return printLabelled(w, cardRows(card, location))
}

// cardRows are the card's lines as label and value; empty values are left
// out.
func cardRows(card crm.Card, location *time.Location) [][2]string {
	var rows [][2]string
	add := func(label, value string) {
		if value != "" {
			rows = append(rows, [2]string{label, value})
		}
	}
	number := card.Formatted
	if place := describeNumber(card); place != "" {
		number += " (" + place + ")"
	}
	add("Number", number)
	add("Line", card.DialledLine)
	if contact := card.Contact; contact != nil {
		add("Contact", fmt.Sprintf("#%d %s", contact.ID, contact.Name))
		add("Company", contact.Company)
		add("Responsible", contact.Responsible)
		add("E-mail", contact.Email)
		add("Tags", strings.Join(contact.Tags, ", "))
		add("Notes", contact.NotesExcerpt)
	} else {
		add("Contact", "unknown")
	}
	for _, match := range card.Matches {
		if card.Contact == nil || match.ContactID != card.Contact.ID {
			add("Also", fmt.Sprintf("#%d %s (same number)", match.ContactID, match.ContactName))
		}
	}
	add("Local time", localTime(card.LocalTime))
	if card.Blacklisted {
		add("Blacklisted", strings.TrimSpace("yes "+card.BlacklistReason))
	}
	if card.OpenCase != nil {
		open := caseSummary(*card.OpenCase)
		if card.OtherOpenCases > 0 {
			open += fmt.Sprintf(" and %d more open", card.OtherOpenCases)
		}
		add("Open case", open)
	}
	for _, task := range card.OpenTasks {
		add("Task", fmt.Sprintf("#%d due %s: %s", task.ID, formatTime(task.DueAt, location), taskSummary(task)))
	}
	if calls := card.PreviousCalls; calls.Count > 0 {
		add("Earlier calls", fmt.Sprintf("%d, last %s (%s)", calls.Count, formatTime(calls.LastAt, location), calls.LastResult))
	}
	add("Offer", strings.Join(card.Actions, ", "))
	return rows
}

// printLabelled writes "Label:  value" lines with the values aligned.
func printLabelled(w io.Writer, rows [][2]string) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(table, "%s:\t%s\n", row[0], row[1])
	}
	return table.Flush()
}

// describeNumber is where a number is from, as far as the data knows.
func describeNumber(card crm.Card) string {
	var parts []string
	for _, part := range []string{card.Description.Location, card.Description.Carrier} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, ", ")
}

func localTime(local numbers.LocalTime) string {
	if local.Zone == "" {
		return ""
	}
	text := local.Time.Format("15:04") + " " + local.Zone
	if !local.Certain {
		text += " (uncertain)"
	}
	return text
}
