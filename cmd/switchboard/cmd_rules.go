package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/rules"
	"github.com/switchboard/switchboard/phone"
)

func (a *app) rulesCommand() *cobra.Command {
	cmd := groupCommand("rules", "Check the [[rules]] of the configuration and see which would fire")
	cmd.AddCommand(a.rulesCheckCommand(), a.rulesTestCommand())
	return cmd
}

func (a *app) rulesCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the rules and print each in one line (exit 2 on problems)",
		Args:  exactArgs(0, "rules check takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig() // problems in [[rules]] come back with their lines, exit 2
			if err != nil {
				return err
			}
			compiled, err := compileRules(cfg)
			if err != nil {
				return withExit(exitUsage, err)
			}
			if len(compiled) == 0 {
				_, err = fmt.Fprintln(a.stdout, "no rules")
				return err
			}
			for _, r := range compiled {
				if _, err := fmt.Fprintln(a.stdout, r.Summary()); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func (a *app) rulesTestCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test EVENT.json",
		Short: "Show which rules an event would fire, and their actions, without performing them",
		Long: `EVENT.json holds one event as --json prints it (a call.incoming or
call.ended line, say). The rules are matched against the CRM and history as
they are now; nothing is created, tagged or sent.`,
		Args: exactArgs(1, "rules test needs one EVENT.json file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return withExit(exitUsage, fmt.Errorf("read event: %w", err))
			}
			var ev phone.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return withExit(exitUsage, fmt.Errorf("%s: not an event line: %w", args[0], err))
			}
			if ev.Kind == "" {
				// Without it no rule could match, and "no rule fires" would mislead.
				return withExit(exitUsage, fmt.Errorf(`%s: no "event" field (e.g. "event": "call.ended", as switchboard events prints)`, args[0]))
			}
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				compiled, err := compileRules(h.cfg)
				if err != nil {
					return withExit(exitUsage, err)
				}
				gatherer := rules.Gatherer{Cards: h.crm, Calls: h.calls, Location: h.location, Windows: rules.RepeatWindows(compiled)}
				facts, err := gatherer.Facts(cmd.Context(), ev)
				if err != nil {
					return err
				}
				return a.printFirings(rules.Evaluate(compiled, facts), facts, asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the rules that would fire as JSON")
	return cmd
}

func (a *app) printFirings(firings []rules.Firing, facts rules.Facts, asJSON bool) error {
	if asJSON {
		return printJSON(a.stdout, struct {
			Known       bool           `json:"known"`
			CaseStatus  string         `json:"case_status,omitempty"`
			RepeatCount int            `json:"repeat_count"`
			Fires       []rules.Firing `json:"fires"`
		}{facts.Known, facts.CaseStatus, facts.RepeatCount, append([]rules.Firing{}, firings...)})
	}
	if len(firings) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no rule fires")
		return err
	}
	for _, f := range firings {
		if _, err := fmt.Fprintf(a.stdout, "%s fires:\n", f.Rule); err != nil {
			return err
		}
		for _, action := range f.Actions {
			if _, err := fmt.Fprintf(a.stdout, "  %s\n", action); err != nil {
				return err
			}
		}
	}
	return nil
}
