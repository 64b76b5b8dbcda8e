package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/history"
)

func (a *app) historyNoteCommand() *cobra.Command {
	var appendText bool
	cmd := &cobra.Command{
		Use:   "note CALLID (TEXT | -)",
		Short: `Set a call's notes ("-" reads them from standard input; "" clears them)`,
		Example: `  switchboard history note 3f2a… "asked for the price list"
  switchboard history note 3f2a… --append "sent it"`,
		Args: exactArgs(2, "give the call's ID and the notes (or - to read them from standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := args[1]
			if text == "-" {
				read, err := io.ReadAll(io.LimitReader(os.Stdin, maxNotesBytes+1))
				if err != nil {
					return fmt.Errorf("read notes: %w", err)
				}
				text = strings.TrimRight(string(read), "\n")
			}
			if len(text) > maxNotesBytes {
				return usageErrorf("notes longer than %d bytes", maxNotesBytes)
			}
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				if appendText {
					call, err := h.calls.Get(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if call.Notes != "" {
						text = call.Notes + "\n" + text
					}
				}
				return h.calls.SetNotes(cmd.Context(), args[0], text)
			})
		},
	}
	cmd.Flags().BoolVar(&appendText, "append", false, "add a line to the notes instead of replacing them")
	return cmd
}

// maxNotesBytes keeps a pasted log file out of the notes index.
const maxNotesBytes = 64 << 10

func (a *app) historyDisposeCommand() *cobra.Command {
	var clear bool
	cmd := &cobra.Command{
		Use:   "dispose CALLID CODE",
		Short: "Give a call its wrap-up code (one of history.dispositions in the configuration)",
		Args: func(cmd *cobra.Command, args []string) error {
			if clear {
				return exactArgs(1, "give the call's ID")(cmd, args)
			}
			return exactArgs(2, "give the call's ID and a wrap-up code")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				code := ""
				if !clear {
					allowed := h.cfg.History.Dispositions
					i := slices.IndexFunc(allowed, func(known string) bool { return strings.EqualFold(known, args[1]) })
					if i < 0 {
						return usageErrorf("%q is not a wrap-up code; the configuration allows: %s", args[1], strings.Join(allowed, ", "))
					}
					code = allowed[i]
				}
				return h.calls.SetDisposition(cmd.Context(), args[0], code)
			})
		},
	}
	cmd.Flags().BoolVar(&clear, "clear", false, "remove the call's wrap-up code")
	return cmd
}

func (a *app) historyTagCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "tag CALLID TAG...",
		Short: "Add tags to a call",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editTags(cmd, args, (*history.Repo).AddTag)
		},
	}
}

func (a *app) historyUntagCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "untag CALLID TAG...",
		Short: "Remove tags from a call",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editTags(cmd, args, (*history.Repo).RemoveTag)
		},
	}
}

// editTags checks every tag before changing any, so a typo in the third
// tag does not leave the first two applied.
func (a *app) editTags(cmd *cobra.Command, args []string, edit func(*history.Repo, context.Context, string, string) error) error {
	for _, tag := range args[1:] {
		if _, err := history.NormaliseTag(tag); err != nil {
			return withExit(exitUsage, err)
		}
	}
	return a.withHistory(cmd.Context(), func(h *historyEnv) error {
		if _, err := h.calls.Get(cmd.Context(), args[0]); err != nil {
			return err
		}
		for _, tag := range args[1:] {
			if err := edit(h.calls, cmd.Context(), args[0], tag); err != nil {
				return err
			}
		}
		return nil
	})
}
