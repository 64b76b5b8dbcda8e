package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
)

func (a *app) contactsCommand() *cobra.Command {
	cmd := groupCommand("contacts", "Add, find, show, edit, remove, import and export contacts")
	cmd.AddCommand(a.contactsAddCommand(), a.contactsFindCommand(), a.contactsShowCommand(), a.contactsEditCommand(),
		a.contactsRemoveCommand(), a.contactsImportCommand(), a.contactsExportCommand())
	return cmd
}

// contactFlags are the flags that describe a contact, for add and edit.
type contactFlags struct {
	name, company, email, note, timeZone, responsible string
	phones, removePhones, tags                        []string
	asJSON                                            bool
}

func (f *contactFlags) register(fl *pflag.FlagSet, editing bool) {
	fl.StringVar(&f.name, "name", "", "the contact's name")
	fl.StringArrayVar(&f.phones, "phone", nil, "a number in any format, optionally with a label: '+7 495 123-45-67:mobile' (repeatable)")
	fl.StringVar(&f.company, "company", "", "company (found or added by name)")
	fl.StringVar(&f.email, "email", "", "e-mail address")
	fl.StringVar(&f.note, "note", "", "notes")
	fl.StringVar(&f.timeZone, "tz", "", "the contact's time zone (IANA name such as Europe/Moscow), if not the number's")
	fl.StringVar(&f.responsible, "responsible", "", "responsible operator (default: the current operator)")
	tagHelp := "a tag (repeatable)"
	if editing {
		tagHelp = "a tag; the tags given replace all others (repeatable; --tag '' removes every tag)"
		fl.StringArrayVar(&f.removePhones, "remove-phone", nil, "a number to remove, in any format (repeatable)")
	}
	fl.StringArrayVar(&f.tags, "tag", nil, tagHelp)
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
}

// parsePhone reads NUM[:label]. A colon followed by a word is a label; the
// colons of "sip:1001@pbx" and "tel:+7…" are part of the number.
func parsePhone(text string) crm.PhoneInput {
	if i := strings.LastIndexByte(text, ':'); i > 0 {
		label := strings.TrimSpace(text[i+1:])
		if label != "" && !strings.ContainsAny(label, "0123456789@+;/") {
			return crm.PhoneInput{Number: strings.TrimSpace(text[:i]), Label: label}
		}
	}
	return crm.PhoneInput{Number: strings.TrimSpace(text)}
}

func parsePhones(texts []string) []crm.PhoneInput {
	phones := make([]crm.PhoneInput, 0, len(texts))
	for _, text := range texts {
		phones = append(phones, parsePhone(text))
	}
	return phones
}

func (a *app) contactsAddCommand() *cobra.Command {
	var f contactFlags
	cmd := &cobra.Command{
		Use:     "add --name NAME [--phone NUMBER[:LABEL]]... [flags]",
		Short:   "Add a contact",
		Example: `  switchboard contacts add --name "Ann Smith" --phone "+7 495 123-45-67" --phone "8 916 000-00-00:mobile" --company Acme`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(f.name) == "" {
				return usageErrorf("contacts add needs --name")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				contact, err := c.AddContact(cmd.Context(), crm.ContactInput{
					Name: f.name, Company: f.company, Numbers: parsePhones(f.phones), Email: f.email, Notes: f.note,
					TimeZone: f.timeZone, Responsible: f.responsible, Tags: f.tags,
				})
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(a.stdout, contact)
				}
				_, err = fmt.Fprintln(a.stdout, strings.TrimSpace(fmt.Sprintf("added contact #%d %s %s", contact.ID, contact.Name, phoneList(contact.Numbers))))
				return err
			})
		},
	}
	f.register(cmd.Flags(), false)
	return cmd
}

func (a *app) contactsFindCommand() *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:     "find QUERY",
		Short:   "Find contacts by a number in any format or a part of the name, company or e-mail",
		Example: "  switchboard contacts find '8 (495) 123-45-67'\n  switchboard contacts find smith --json",
		Args:    exactArgs(1, "contacts find needs one QUERY (a number or a part of a name)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 || limit > 1000 {
				return usageErrorf("--limit must be from 1 to 1000")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				contacts, err := c.FindContacts(cmd.Context(), args[0], limit)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, orEmpty(contacts))
				}
				if len(contacts) == 0 {
					_, err := fmt.Fprintf(a.stdout, "no contact matches %q\n", args[0])
					return err
				}
				return printContacts(a.stdout, contacts)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the contacts as a JSON array")
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many contacts")
	return cmd
}

func printContacts(w io.Writer, contacts []crm.Contact) error {
	rows := make([][]string, 0, len(contacts))
	for _, contact := range contacts {
		rows = append(rows, []string{fmt.Sprint(contact.ID), contact.Name, contact.Company, phoneList(contact.Numbers),
			contact.Email, contact.Responsible})
	}
	return printTable(w, []string{"ID", "NAME", "COMPANY", "NUMBERS", "E-MAIL", "RESPONSIBLE"}, rows)
}

// phoneList shows numbers as entered, with their labels.
func phoneList(phones []crm.Phone) string {
	parts := make([]string, 0, len(phones))
	for _, phone := range phones {
		if phone.Label != "" {
			parts = append(parts, phone.Raw+" ("+phone.Label+")")
		} else {
			parts = append(parts, phone.Raw)
		}
	}
	return strings.Join(parts, ", ")
}

// contactView is everything `contacts show` knows about a contact.
type contactView struct {
	Contact crm.Contact   `json:"contact"`
	Card    crm.Card      `json:"card"`
	Cases   []crm.Case    `json:"cases"`
	Tasks   []crm.Task    `json:"tasks"`
	Calls   []crm.CallRef `json:"calls"`
}

func (a *app) contactsShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a contact: its caller card, numbers, cases, open tasks and last calls",
		Args:  exactArgs(1, "contacts show needs the contact's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "contact")
			if err != nil {
				return err
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				view, err := loadContactView(cmd.Context(), c, id)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, view)
				}
				return printContactView(a.stdout, view, crmLocation(c))
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the contact as JSON")
	return cmd
}

func loadContactView(ctx context.Context, c *crm.CRM, id int64) (contactView, error) {
	contact, err := c.GetContact(ctx, id)
	if err != nil {
		return contactView{}, err
	}
	view := contactView{Contact: contact}
	request := crm.CardRequest{ContactID: id}
	if len(contact.Numbers) > 0 {
		request.Number = contact.Numbers[0].Raw
	}
	if view.Card, err = c.CompleteCard(ctx, request); err != nil {
		return contactView{}, err
	}
	if view.Cases, err = c.ListCases(ctx, crm.CaseFilter{ContactID: id}); err != nil {
		return contactView{}, err
	}
	if view.Tasks, err = c.ListTasks(ctx, crm.TaskFilter{ContactID: id}); err != nil {
		return contactView{}, err
	}
	if view.Calls, err = c.ContactCalls(ctx, id, 10); err != nil {
		return contactView{}, err
	}
	view.Cases, view.Tasks, view.Calls = orEmpty(view.Cases), orEmpty(view.Tasks), orEmpty(view.Calls)
	return view, nil
}

func (a *app) contactsEditCommand() *cobra.Command {
	var f contactFlags
	cmd := &cobra.Command{
		Use:     "edit ID [flags]",
		Short:   "Change a contact: only the flags given are changed",
		Example: "  switchboard contacts edit 12 --email ann@example.com --phone '+7 916 000-00-00:mobile' --remove-phone '+7 495 123-45-67'",
		Args:    exactArgs(1, "contacts edit needs the contact's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "contact")
			if err != nil {
				return err
			}
			patch := contactPatch(cmd.Flags(), f)
			if reflect.ValueOf(patch).IsZero() {
				return usageErrorf("contacts edit: nothing to change; give at least one flag (see --help)")
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				contact, err := c.EditContact(cmd.Context(), id, patch)
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(a.stdout, contact)
				}
				_, err = fmt.Fprintln(a.stdout, strings.TrimSpace(fmt.Sprintf("changed contact #%d %s %s", contact.ID, contact.Name, phoneList(contact.Numbers))))
				return err
			})
		},
	}
	f.register(cmd.Flags(), true)
	return cmd
}

// contactPatch turns the flags that were given into a patch.
func contactPatch(fl *pflag.FlagSet, f contactFlags) crm.ContactPatch {
	patch := crm.ContactPatch{RemoveNumbers: f.removePhones}
	if len(f.phones) > 0 {
		patch.AddNumbers = parsePhones(f.phones)
	}
	for flag, field := range map[string]**string{
		"name": &patch.Name, "company": &patch.Company, "email": &patch.Email, "note": &patch.Notes,
		"tz": &patch.TimeZone, "responsible": &patch.Responsible,
	} {
		if fl.Changed(flag) {
			value, _ := fl.GetString(flag)
			*field = &value
		}
	}
	if fl.Changed("tag") {
		patch.Tags, patch.SetTags = f.tags, true
	}
	return patch
}

func (a *app) contactsRemoveCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rm ID",
		Short: "Remove a contact with its numbers; its calls, cases and tasks stay, unlinked",
		Args:  exactArgs(1, "contacts rm needs the contact's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "contact")
			if err != nil {
				return err
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				if err := c.DeleteContact(cmd.Context(), id); err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, map[string]any{"id": id, "removed": true})
				}
				_, err := fmt.Fprintf(a.stdout, "removed contact #%d\n", id)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// orEmpty makes a nil list print as [] rather than null in JSON.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
