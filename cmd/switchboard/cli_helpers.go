package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// printJSON writes v as one line of JSON.
func printJSON(w io.Writer, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

// printTable writes rows aligned under their header.
func printTable(w io.Writer, header []string, rows [][]string) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(table, strings.Join(row, "\t"))
	}
	return table.Flush()
}

// formatTime shows a time to the minute in the CRM's zone; "" for none.
func formatTime(at time.Time, location *time.Location) string {
	if at.IsZero() {
		return ""
	}
	return at.In(location).Format("2006-01-02 15:04")
}

// groupCommand is a command that only holds sub-commands; an unknown
// sub-command is a usage error, not help and success.
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

// exactArgs requires n arguments, else fails with exit 2 and message.
func exactArgs(n int, message string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s", message)
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// parseID reads the ID of a contact, case, task or blacklist entry; "#12"
// (as the human output writes it) is accepted too.
func parseID(text, what string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(text), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("%q is not a %s ID (a positive number)", text, what)
	}
	return id, nil
}

// atomicFile is written under a temporary name next to its destination and
// renamed into place by commit, so that a failed command leaves no
// half-written file behind (and an older file of that name untouched).
type atomicFile struct {
	*os.File
	path      string
	committed bool
}

func createAtomic(path string) (*atomicFile, error) {
	// CreateTemp makes the file 0600: contact data is private.
	file, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &atomicFile{File: file, path: path}, nil
}

func (f *atomicFile) commit() error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.committed = true
	return nil
}

// abort removes the temporary file unless commit has moved it into place.
func (f *atomicFile) abort() {
	if f.committed {
		return
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
}
