package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
)

// File formats of import and export.
const (
	formatCSV   = "csv"
	formatVCard = "vcard"
)

// formatOf picks the format: the flag, else the file's extension, else
// fallback ("" = the caller must be told to choose).
func formatOf(flag, path, fallback string) (string, error) {
	switch strings.ToLower(flag) {
	case formatCSV, formatVCard:
		return strings.ToLower(flag), nil
	case "":
	default:
		return "", usageErrorf("--format %q: use csv or vcard", flag)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		return formatCSV, nil
	case ".vcf", ".vcard":
		return formatVCard, nil
	}
	if fallback == "" {
		return "", usageErrorf("cannot tell the format of %q from its extension; use --format csv or --format vcard", path)
	}
	return fallback, nil
}

type importFlags struct {
	format, rejects string
	skipInvalid     bool
	tags            []string
	asJSON          bool
}

func (a *app) contactsImportCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import contacts from CSV or vCard: all or nothing, unless --skip-invalid",
		Long: `Import reads contacts from a CSV file (a header row naming the columns: Name,
Company, Phone, Mobile, E-mail, Notes, Tags …) or a vCard file (3.0 or 4.0).
Rows whose numbers a contact already has are merged into that contact.

By default the import is all or nothing: if any row is bad, every bad row is
listed with its line number and reason, nothing is written and the exit code
is 1. With --skip-invalid the good rows are imported and the bad ones are
written to --rejects (CSV: line, reason, the row).`,
		Example: "  switchboard contacts import clients.csv\n  switchboard contacts import phone.vcf --skip-invalid --rejects bad.csv --json",
		Args:    exactArgs(1, "contacts import needs one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importContacts(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "", "csv or vcard (default: from the file's extension)")
	fl.BoolVar(&f.skipInvalid, "skip-invalid", false, "import the good rows and skip the bad ones")
	fl.StringVar(&f.rejects, "rejects", "", "with --skip-invalid: write the skipped rows to this CSV file")
	fl.StringArrayVar(&f.tags, "tag", nil, "add this tag to every imported contact (repeatable)")
	fl.BoolVar(&f.asJSON, "json", false, "print the import report as JSON")
	return cmd
}

func (a *app) importContacts(ctx context.Context, path string, f importFlags) error {
	format, err := formatOf(f.format, path, "")
	if err != nil {
		return err
	}
	if f.rejects != "" && !f.skipInvalid {
		return usageErrorf("--rejects needs --skip-invalid (without it nothing is imported when a row is bad)")
	}
	return a.withCRM(ctx, func(c *crm.CRM, _ *config.Config) error {
		in, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("contacts import: %w", err)
		}
		defer in.Close()
		options := crm.ImportOptions{SkipInvalid: f.skipInvalid, Tags: f.tags}
		var rejects *atomicFile
		if f.rejects != "" {
			if rejects, err = createAtomic(f.rejects); err != nil {
				return err
			}
			defer rejects.abort() // a no-op once committed
			options.Rejects = rejects
		}
		importFile := c.ImportCSV
		if format == formatVCard {
			importFile = c.ImportVCard
		}
		report, err := importFile(ctx, in, options)
		var rejected *crm.ImportError
		if errors.As(err, &rejected) {
			return a.reportRejectedImport(path, rejected, f.asJSON)
		}
		if err != nil {
			return err
		}
		if rejects != nil {
			if err := rejects.commit(); err != nil {
				return err
			}
		}
		if f.asJSON {
			return printJSON(a.stdout, report)
		}
		fmt.Fprintf(a.stdout, "%s: %d rows: %d contacts added, %d merged into existing contacts, %d skipped\n",
			path, report.Rows, report.Created, report.Merged, report.Rejected)
		if report.Rejected > 0 && f.rejects != "" {
			fmt.Fprintf(a.stdout, "skipped rows written to %s\n", f.rejects)
		}
		if len(report.IgnoredColumns) > 0 {
			fmt.Fprintf(a.stdout, "ignored columns: %s\n", strings.Join(report.IgnoredColumns, ", "))
		}
		return nil
	})
}

// reportRejectedImport lists every bad row, as FILE:LINE: reason on stderr
// (or as JSON on stdout), and fails with exit 1.
func (a *app) reportRejectedImport(path string, rejected *crm.ImportError, asJSON bool) error {
	if asJSON {
		if err := printJSON(a.stdout, map[string]any{"imported": false, "file": path, "invalid": rejected.Total,
			"rows": orEmpty(rejected.Rows)}); err != nil {
			return err
		}
	} else {
		for _, row := range rejected.Rows {
			fmt.Fprintf(a.stderr, "%s:%d: %s\n", path, row.Line, row.Reason)
		}
		if more := rejected.Total - len(rejected.Rows); more > 0 {
			fmt.Fprintf(a.stderr, "%s: … and %d more invalid rows\n", path, more)
		}
	}
	if rejected.Fatal != nil {
		return fmt.Errorf("contacts import %s: %w; nothing was imported", path, rejected.Fatal)
	}
	return fmt.Errorf("contacts import %s: %d invalid row(s); nothing was imported (--skip-invalid imports the rest)",
		path, rejected.Total)
}

func (a *app) contactsExportCommand() *cobra.Command {
	var format, output, version string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "export [-o FILE]",
		Short:   "Export every contact as CSV or vCard (to stdout, or to FILE)",
		Example: "  switchboard contacts export -o contacts.vcf\n  switchboard contacts export --format csv > contacts.csv",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			chosen, err := formatOf(format, output, formatCSV)
			if err != nil {
				return err
			}
			if version != crm.VCard3 && version != crm.VCard4 {
				return usageErrorf("--vcard-version %q: use 3.0 or 4.0", version)
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				return a.exportContacts(cmd.Context(), c, chosen, version, output, asJSON)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "", "csv or vcard (default: from the -o file's extension, else csv)")
	fl.StringVarP(&output, "output", "o", "", "write to this file (replaced only when the export is complete)")
	fl.StringVar(&version, "vcard-version", crm.VCard3, "vCard version: 3.0 or 4.0")
	fl.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func (a *app) exportContacts(ctx context.Context, c *crm.CRM, format, version, output string, asJSON bool) error {
	out, summary := a.stdout, a.stdout
	var file *atomicFile
	if output != "" {
		var err error
		if file, err = createAtomic(output); err != nil {
			return err
		}
		defer file.abort()
		out = file
	} else {
		summary = a.stderr // stdout carries the contacts
	}
	var written int
	var err error
	if format == formatVCard {
		written, err = c.ExportVCard(ctx, out, version)
	} else {
		written, err = c.ExportCSV(ctx, out)
	}
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return err
		}
	}
	if asJSON {
		return printJSON(summary, map[string]any{"exported": written, "format": format, "file": output})
	}
	where := "stdout"
	if output != "" {
		where = output
	}
	_, err = fmt.Fprintf(summary, "exported %d contacts as %s to %s\n", written, format, where)
	return err
}

// printContactView writes `contacts show`: the contact, then its cases,
// tasks and last calls.
func printContactView(w io.Writer, view contactView, location *time.Location) error {
	// The card, with all of the contact's numbers after its name.
	rows := cardRows(view.Card, location)
	for i, row := range rows {
		if row[0] == "Contact" {
			rows = slices.Insert(rows, i+1, [2]string{"Numbers", or(phoneList(view.Contact.Numbers), "none")})
			break
		}
	}
	if err := printLabelled(w, rows); err != nil {
		return err
	}
	if view.Contact.Notes != "" && view.Contact.Notes != view.Card.Contact.NotesExcerpt {
		fmt.Fprintf(w, "\nNotes:\n%s\n", view.Contact.Notes)
	}
	sections := []struct {
		title string
		empty bool
		print func() error
	}{
		{"Cases", len(view.Cases) == 0, func() error { return printCases(w, view.Cases, location) }},
		{"Tasks", len(view.Tasks) == 0, func() error { return printTasks(w, view.Tasks, location) }},
		{"Last calls", len(view.Calls) == 0, func() error { return printCalls(w, view.Calls, location) }},
	}
	for _, section := range sections {
		if section.empty {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", section.title)
		if err := section.print(); err != nil {
			return err
		}
	}
	return nil
}

func printCalls(w io.Writer, calls []crm.CallRef, location *time.Location) error {
	rows := make([][]string, 0, len(calls))
	for _, call := range calls {
		rows = append(rows, []string{formatTime(call.StartedAt, location), call.Direction, call.RemoteNumber, call.Result})
	}
	return printTable(w, []string{"TIME", "DIRECTION", "NUMBER", "RESULT"}, rows)
}
