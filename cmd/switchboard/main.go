// Command switchboard is a terminal softphone and call console.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintln(stderr, "switchboard:", err)
	}
	if strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitCodeOf(err)
}

// errSilent marks a failure whose explanation was already printed (a call.ended
// line, for instance); only the exit code remains to be given.
var errSilent = errors.New("silent")

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "switchboard",
		Short: "A terminal softphone and call console",
		Long: `switchboard registers as a SIP extension, rings, answers and dials, and keeps a
history of every call. Without a sub-command it starts the phone with the
configuration file (written with defaults on first start): in the console when
stdin and stdout are a terminal, else headless like "serve".

` + exitCodeHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.consoleOrServe(cmd.Context())
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExit(exitUsage, err) })
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "configuration file (default $SWITCHBOARD_CONFIG or $XDG_CONFIG_HOME/switchboard/config.toml)")
	// Sessions print the CRM's events in the format the command's --json
	// flag chose for the phone's.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if flag := cmd.Flags().Lookup("json"); flag != nil && flag.Value.String() == "true" {
			cmd.SetContext(withJSONOutput(cmd.Context(), true))
		}
		return nil
	}
	root.AddCommand(a.consoleCommand(), a.demoCommand(), a.serveCommand(), a.registerCommand(), a.dialCommand(), a.answerCommand(), a.configCommand(), a.devicesCommand(),
		a.contactsCommand(), a.cardCommand(), a.casesCommand(), a.tasksCommand(), a.blacklistCommand(), a.historyCommand(),
		a.ctlCommand(), a.eventsCommand(), a.openCommand(), a.rulesCommand())
	return root
}
