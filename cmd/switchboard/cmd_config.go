package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check, show or locate the configuration file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration; print every problem with file and line (exit 2 if any)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path := a.path()
			cfg, err := config.Load(path)
			if err != nil {
				fmt.Fprintln(a.stderr, err)
				return withExit(exitUsage, errSilent)
			}
			for _, w := range config.CheckPermissions(path, cfg) {
				fmt.Fprintln(a.stderr, "warning:", w)
			}
			fmt.Fprintf(a.stdout, "%s: ok (%d account(s))\n", path, len(cfg.Accounts))
			return nil
		},
	}, &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration, defaults applied, passwords hidden",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			fmt.Fprint(a.stdout, cfg.Redacted())
			return nil
		},
	}, &cobra.Command{
		Use:   "path",
		Short: "Print the path of the configuration file in use",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(a.stdout, a.path())
			return nil
		},
	})
	return cmd
}

func (a *app) path() string {
	if a.configPath != "" {
		return a.configPath
	}
	return config.DefaultPath()
}
