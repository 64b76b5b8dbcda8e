package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
)

func (a *app) blacklistCommand() *cobra.Command {
	cmd := groupCommand("blacklist", "Refuse calls from numbers or number prefixes before they ring")
	cmd.AddCommand(a.blacklistAddCommand(), a.blacklistRemoveCommand(), a.blacklistListCommand())
	return cmd
}

// blockPattern reads NUMBER or PREFIX*: a trailing '*' makes a prefix.
func blockPattern(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if pattern, found := strings.CutSuffix(text, "*"); found {
		return strings.TrimSpace(pattern), true
	}
	return text, false
}

func (a *app) blacklistAddCommand() *cobra.Command {
	var reason, expires string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add NUMBER|PREFIX* [--reason TEXT] [--expires DURATION|TIME]",
		Short: "Blacklist a number, or every number starting with a prefix (PREFIX*)",
		Long: `Calls from a blacklisted number are refused with 603 Decline before they ring
and are recorded as "blacklisted". The number may be written in any format;
with a trailing * it is a prefix ("+7 800*" or "8 800*" refuse all of +7 800).
Blacklisting the same number again replaces its reason and expiry.`,
		Example: "  switchboard blacklist add '+7 495 000-66-66' --reason spam\n  switchboard blacklist add '8 800*' --expires 30d",
		Args:    exactArgs(1, "blacklist add needs one NUMBER or PREFIX*"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pattern, prefix := blockPattern(args[0])
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				input := crm.BlockInput{Pattern: pattern, Prefix: prefix, Reason: reason}
				if expires != "" {
					var err error
					if input.ExpiresAt, err = parseExpiry(expires, time.Now(), crmLocation(c)); err != nil {
						return err
					}
				}
				entry, err := c.Block(cmd.Context(), input)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, entry)
				}
				_, err = fmt.Fprintf(a.stdout, "blacklisted %s (entry #%d)%s\n", describeEntry(entry), entry.ID,
					expiryText(entry, crmLocation(c)))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (shown to operators, never to the caller)")
	cmd.Flags().StringVar(&expires, "expires", "", `lift the block after a while ("2h", "30d") or at a time ("2025-03-05 16:30")`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entry as JSON")
	return cmd
}

// parseExpiry reads --expires: a span from now, else a time.
func parseExpiry(text string, now time.Time, location *time.Location) (time.Time, error) {
	if at, err := parseLater("--expires", text, now, location); err == nil {
		return at, nil
	}
	at, err := parseWhen("--expires", text, now, location)
	if err != nil {
		return time.Time{}, usageErrorf(`--expires %q: use a duration ("2h", "30d") or a time ("2025-03-05 16:30")`, text)
	}
	if !at.After(now) {
		return time.Time{}, usageErrorf("--expires %q is in the past", text)
	}
	return at, nil
}

func describeEntry(entry crm.BlockEntry) string {
	if entry.Prefix {
		return "numbers starting " + entry.Pattern
	}
	return entry.Pattern
}

func expiryText(entry crm.BlockEntry, location *time.Location) string {
	if entry.ExpiresAt.IsZero() {
		return ""
	}
	return " until " + formatTime(entry.ExpiresAt, location)
}

func (a *app) blacklistRemoveCommand() *cobra.Command {
	var id int64
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "rm NUMBER|PREFIX* | rm --id ID",
		Short:   "Take a number or prefix off the blacklist",
		Example: "  switchboard blacklist rm '+7 495 000-66-66'\n  switchboard blacklist rm '8 800*'\n  switchboard blacklist rm --id 3",
		Args: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == cmd.Flags().Changed("id") || len(args) > 1 {
				return usageErrorf("blacklist rm needs one NUMBER or PREFIX*, or --id ID")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				removed := fmt.Sprintf("entry #%d", id)
				var err error
				if len(args) == 1 {
					pattern, prefix := blockPattern(args[0])
					removed = describeEntry(crm.BlockEntry{Pattern: pattern, Prefix: prefix})
					err = c.UnblockNumber(cmd.Context(), pattern, prefix)
				} else {
					err = c.Unblock(cmd.Context(), id)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, map[string]any{"removed": removed})
				}
				_, err = fmt.Fprintf(a.stdout, "removed %s from the blacklist\n", removed)
				return err
			})
		},
	}
	cmd.Flags().Int64Var(&id, "id", 0, "the entry's ID, as blacklist list shows it")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) blacklistListCommand() *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--all]",
		Short: "List the blacklist",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				now := time.Now()
				entries, err := c.Blacklist(cmd.Context(), now, all)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, orEmpty(entries))
				}
				if len(entries) == 0 {
					_, err := fmt.Fprintln(a.stdout, "the blacklist is empty")
					return err
				}
				location := crmLocation(c)
				rows := make([][]string, 0, len(entries))
				for _, entry := range entries {
					expires := formatTime(entry.ExpiresAt, location)
					if entry.Expired(now) {
						expires += " (expired)"
					}
					rows = append(rows, []string{fmt.Sprint(entry.ID), describeEntry(entry), entry.Reason, expires,
						entry.CreatedBy, formatTime(entry.CreatedAt, location)})
				}
				return printTable(a.stdout, []string{"ID", "NUMBER", "REASON", "EXPIRES", "BY", "ADDED"}, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "expired entries too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as a JSON array")
	return cmd
}
