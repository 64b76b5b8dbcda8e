package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
)

func (a *app) casesCommand() *cobra.Command {
	cmd := groupCommand("cases", "Add, list, edit and close cases (deals, leads, orders)")
	cmd.AddCommand(a.casesAddCommand(), a.casesListCommand(), a.casesEditCommand(), a.casesCloseCommand())
	return cmd
}

// caseFlags describe a case, for add and edit.
type caseFlags struct {
	kind, title, status, amount, currency, number, responsible, product, comment string
	contactID                                                                    int64
	asJSON                                                                       bool
}

func (f *caseFlags) register(fl *pflag.FlagSet, adding bool) {
	if adding {
		fl.StringVar(&f.kind, "kind", "", "kind of case: one of crm.case_kinds (default lead)")
		fl.StringVar(&f.number, "number", "", "the number the case is about, when it has no contact yet")
	}
	fl.StringVar(&f.title, "title", "", "what the case is about")
	fl.StringVar(&f.status, "status", "", "status: one of crm.case_statuses (default: the kind's first open status)")
	fl.StringVar(&f.amount, "amount", "", `amount due, e.g. "1500" or "1 234,50"`)
	fl.StringVar(&f.currency, "currency", "", "ISO 4217 currency of the amount (default crm.default_currency)")
	fl.Int64Var(&f.contactID, "contact", 0, "the contact's ID (edit: 0 detaches the case)")
	fl.StringVar(&f.responsible, "responsible", "", "responsible operator (default: the current operator)")
	fl.StringVar(&f.product, "product", "", "device or product, free text")
	fl.StringVar(&f.comment, "comment", "", "comment")
	fl.BoolVar(&f.asJSON, "json", false, "print the case as JSON")
}

// amountMinor reads --amount in the case's currency.
func amountMinor(text, currency string) (int64, error) {
	minor, err := crm.ParseAmount(text, currency)
	if err != nil {
		return 0, usageErrorf("--amount %q: %v", text, err)
	}
	return minor, nil
}

func (a *app) casesAddCommand() *cobra.Command {
	var f caseFlags
	cmd := &cobra.Command{
		Use:     "add --title TITLE [--contact ID | --number NUMBER] [flags]",
		Short:   "Add a case",
		Example: `  switchboard cases add --contact 12 --title "Repair of the boiler" --amount 1500 --currency RUB`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(f.title) == "" {
				return usageErrorf("cases add needs --title")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				input := crm.CaseInput{Kind: f.kind, Title: f.title, Status: f.status, Currency: f.currency,
					ContactID: f.contactID, Number: f.number, Responsible: f.responsible, Product: f.product, Comment: f.comment}
				if f.amount != "" {
					var err error
					if input.AmountMinor, err = amountMinor(f.amount, or(strings.ToUpper(f.currency), c.Settings().DefaultCurrency)); err != nil {
						return err
					}
				}
				record, err := c.AddCase(cmd.Context(), input)
				if err != nil {
					return err
				}
				return a.printCaseResult("added", record, f.asJSON)
			})
		},
	}
	f.register(cmd.Flags(), true)
	return cmd
}

func (a *app) printCaseResult(verb string, record crm.Case, asJSON bool) error {
	if asJSON {
		return printJSON(a.stdout, record)
	}
	_, err := fmt.Fprintf(a.stdout, "%s %s\n", verb, caseSummary(record))
	return err
}

// caseSummary is a case in a few words: lead #3 "Repair" (new, 1500.00 RUB).
func caseSummary(record crm.Case) string {
	details := record.Status
	if record.AmountMinor != 0 {
		details += ", " + crm.FormatAmount(record.AmountMinor, record.Currency)
	}
	return fmt.Sprintf("%s #%d %q (%s)", record.Kind, record.ID, record.Title, details)
}

func (a *app) casesListCommand() *cobra.Command {
	var filter crm.CaseFilter
	var state string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List cases, most recently changed first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch crm.CaseState(state) {
			case crm.CaseOpen, crm.CaseWon, crm.CaseLost:
				filter.State = crm.CaseState(state)
			case "all":
			default:
				return usageErrorf("--state %q: use open, won, lost or all", state)
			}
			if filter.Limit < 1 {
				return usageErrorf("--limit must be at least 1")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				cases, err := c.ListCases(cmd.Context(), filter)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, orEmpty(cases))
				}
				if len(cases) == 0 {
					_, err := fmt.Fprintln(a.stdout, "no cases")
					return err
				}
				return printCases(a.stdout, cases, crmLocation(c))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&state, "state", "open", "open, won, lost or all")
	fl.Int64Var(&filter.ContactID, "contact", 0, "only the cases of this contact")
	fl.StringVar(&filter.Kind, "kind", "", "only cases of this kind")
	fl.StringVar(&filter.Responsible, "responsible", "", "only cases of this operator")
	fl.IntVar(&filter.Limit, "limit", 100, "show at most this many cases")
	fl.BoolVar(&asJSON, "json", false, "print the cases as a JSON array")
	return cmd
}

func printCases(w io.Writer, cases []crm.Case, location *time.Location) error {
	rows := make([][]string, 0, len(cases))
	for _, record := range cases {
		amount := ""
		if record.AmountMinor != 0 {
			amount = crm.FormatAmount(record.AmountMinor, record.Currency)
		}
		who := record.ContactName
		if who == "" {
			who = record.NumberRaw
		}
		rows = append(rows, []string{fmt.Sprint(record.ID), record.Kind, record.Title, record.Status, amount, who,
			record.Responsible, formatTime(record.UpdatedAt, location)})
	}
	return printTable(w, []string{"ID", "KIND", "TITLE", "STATUS", "AMOUNT", "CONTACT", "RESPONSIBLE", "UPDATED"}, rows)
}

func (a *app) casesEditCommand() *cobra.Command {
	var f caseFlags
	cmd := &cobra.Command{
		Use:     "edit ID [flags]",
		Short:   "Change a case: only the flags given are changed (a closing status closes it)",
		Example: "  switchboard cases edit 3 --status in_progress --amount 2000",
		Args:    exactArgs(1, "cases edit needs the case's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "case")
			if err != nil {
				return err
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				patch, err := casePatch(cmd, c, id, f)
				if err != nil {
					return err
				}
				record, err := c.EditCase(cmd.Context(), id, patch)
				if err != nil {
					return err
				}
				return a.printCaseResult("changed", record, f.asJSON)
			})
		},
	}
	f.register(cmd.Flags(), false)
	return cmd
}

// casePatch turns the flags that were given into a patch. The amount is
// read in the currency the case will have.
func casePatch(cmd *cobra.Command, c *crm.CRM, id int64, f caseFlags) (crm.CasePatch, error) {
	var patch crm.CasePatch
	fl := cmd.Flags()
	for flag, field := range map[string]**string{
		"title": &patch.Title, "status": &patch.Status, "currency": &patch.Currency,
		"responsible": &patch.Responsible, "product": &patch.Product, "comment": &patch.Comment,
	} {
		if fl.Changed(flag) {
			value, _ := fl.GetString(flag)
			*field = &value
		}
	}
	if fl.Changed("contact") {
		patch.ContactID = &f.contactID
	}
	if fl.Changed("amount") {
		currency := strings.ToUpper(f.currency)
		if currency == "" {
			current, err := c.GetCase(cmd.Context(), id)
			if err != nil {
				return crm.CasePatch{}, err
			}
			currency = current.Currency
		}
		minor, err := amountMinor(f.amount, currency)
		if err != nil {
			return crm.CasePatch{}, err
		}
		patch.AmountMinor = &minor
	}
	if patch == (crm.CasePatch{}) {
		return crm.CasePatch{}, usageErrorf("cases edit: nothing to change; give at least one flag (see --help)")
	}
	return patch, nil
}

func (a *app) casesCloseCommand() *cobra.Command {
	var status string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "close ID --status won|lost|STATUS",
		Short:   "Close an open case as won or lost, or with a closing status of crm.case_statuses",
		Example: "  switchboard cases close 3 --status won\n  switchboard cases close 4 --status refused",
		Args:    exactArgs(1, "cases close needs the case's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "case")
			if err != nil {
				return err
			}
			if status == "" {
				return usageErrorf("cases close needs --status (won, lost or a closing status)")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				record, err := c.CloseCase(cmd.Context(), id, status)
				if err != nil {
					return err
				}
				return a.printCaseResult("closed", record, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "won, lost, or a configured closing status")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the case as JSON")
	return cmd
}
