package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

func (a *app) registerCommand() *cobra.Command {
	var account, listen string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register an account once, report the result and remove the binding",
		Long: `Register sends one REGISTER (with digest authentication) to the account's
registrar, reports the outcome and removes this phone's own binding again, leaving
other devices of the same user registered.

` + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.register(cmd.Context(), account, listen, asJSON)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "account name (default: the first account)")
	cmd.Flags().StringVar(&listen, "listen", "", "local host:port to use instead of the account's listen address")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print events as JSON lines")
	return cmd
}

func (a *app) register(ctx context.Context, account, listen string, asJSON bool) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	acct, err := cfg.Account(account)
	if err != nil {
		return withExit(exitUsage, err)
	}
	if acct.Registrar == "" {
		return usageErrorf("account %s has no registrar to register with", acct.Name)
	}
	one := *acct
	if listen != "" {
		one.Listen = listen
	}
	log, closeLog, err := openLog(cfg)
	if err != nil {
		return err
	}
	defer closeLog()
	warnInsecureTLS(a.stderr, []config.Account{one})
	ph, err := phone.New(phone.Options{Accounts: []config.Account{one}, Codecs: cfg.Audio.Codecs, Logger: log})
	if err != nil {
		return withExit(exitUsage, err)
	}
	out := &printer{out: a.stdout, json: asJSON}
	sub := ph.Subscribe()
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range sub.C {
			out.event(ev)
		}
	}()
	defer func() { ph.Close(); <-printed }()
	if err := ph.Start(ctx); err != nil {
		return err
	}
	if _, err := ph.RegisterOnce(ctx, one.Name); err != nil {
		return withExit(exitCodeForRegister(err), fmt.Errorf("register %s at %s: %w", one.User, one.Registrar, err))
	}
	return nil
}

// sleepOrDone waits d or until ctx ends; it reports whether the full time passed.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
