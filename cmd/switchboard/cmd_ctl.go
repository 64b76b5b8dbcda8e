package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/control"
)

// controlFlags are what ctl, events and open share: where the socket is.
type controlFlags struct{ socket string }

func (f *controlFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.socket, "socket", "", "control socket (default: control.socket of the configuration, else $XDG_RUNTIME_DIR/switchboard/control.sock)")
}

// connectControl opens the running instance's socket: --socket, else the
// configuration's control.socket, else the default path. The configuration
// is read, never created: a client must not write files.
func (a *app) connectControl(ctx context.Context, f controlFlags) (*control.Conn, error) {
	path := f.socket
	if path == "" {
		configPath := a.configPath
		if configPath == "" {
			configPath = config.DefaultPath()
		}
		cfg, err := config.Load(configPath)
		switch {
		case err == nil:
			path = cfg.Control.Socket
		case a.configPath == "" && errors.Is(err, fs.ErrNotExist):
			// No configuration: the instance runs on defaults too.
		default:
			return nil, withExit(exitUsage, err)
		}
	}
	return control.Connect(ctx, path)
}

// ctlCommand is `switchboard ctl CMD [key=value ...]`.
func (a *app) ctlCommand() *cobra.Command {
	var flags controlFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ctl CMD [KEY=VALUE ...]",
		Short: "Send one command to the running switchboard (see docs/control.md)",
		Long: `Send one command to the running switchboard through its control socket and
print the reply: its data (as indented JSON), or with --json the whole reply line.
Commands: status, accounts, register, dial, answer, reject, hangup, hold, resume,
mute, dtmf, transfer, record, calls, card, contacts.find, tasks.add, tasks.list.

Exit 0 when the command succeeded, 1 when it failed or no switchboard runs,
2 for a usage error.`,
		Example: `  switchboard ctl dial target=sip:1002@pbx.example.com
  switchboard ctl hangup id=6f1c…
  switchboard ctl tasks.add number=+442079460000 in=30m note="call back" --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			request, err := parseKeyValues(args[1:])
			if err != nil {
				return err
			}
			conn, err := a.connectControl(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer conn.Close()
			line, resp, err := conn.Call(cmd.Context(), args[0], request)
			if err != nil {
				return err
			}
			if args[0] == "status" && resp.OK && !asJSON {
				return a.printStatus(resp.Data) // ctl_status.go
			}
			return a.printReply(line, resp, asJSON)
		},
	}
	flags.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reply line as it came")
	return cmd
}

// parseKeyValues reads key=value arguments; values stay strings (the
// server reads numbers, booleans and durations from them).
func parseKeyValues(args []string) (map[string]any, error) {
	out := map[string]any{}
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			return nil, usageErrorf("argument %q is not KEY=VALUE", arg)
		}
		if _, dup := out[key]; dup {
			return nil, usageErrorf("argument %q is given twice", key)
		}
		out[key] = value
	}
	return out, nil
}

func (a *app) printReply(line []byte, resp control.Response, asJSON bool) error {
	if asJSON {
		fmt.Fprintf(a.stdout, "%s\n", line)
	}
	if !resp.OK {
		msg := "the command failed"
		if resp.Error != nil {
			msg = resp.Error.Code + ": " + resp.Error.Message
		}
		if asJSON {
			return errSilent // the line says it; exit 1
		}
		return errors.New(msg)
	}
	if asJSON {
		return nil
	}
	if resp.Data == nil {
		fmt.Fprintln(a.stdout, "ok")
		return nil
	}
	pretty, err := json.MarshalIndent(resp.Data, "", "  ")
	if err != nil {
		return fmt.Errorf("print reply: %w", err)
	}
	fmt.Fprintf(a.stdout, "%s\n", pretty)
	return nil
}

// eventsCommand is `switchboard events [--filter …]`.
func (a *app) eventsCommand() *cobra.Command {
	var flags controlFlags
	var filter []string
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Print the running switchboard's events as JSON lines until interrupted",
		Long: `Print the running switchboard's events, one JSON object per line (the same lines
as --json), until Ctrl-C. --filter keeps only the named events; "call.*" names a
group. The catalogue is in docs/control.md.`,
		Example: "  switchboard events --filter call.incoming,call.ended",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := a.connectControl(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer conn.Close()
			return conn.Subscribe(cmd.Context(), filter, func(line []byte) error {
				_, err := fmt.Fprintf(a.stdout, "%s\n", line)
				return err
			})
		},
	}
	flags.add(cmd)
	cmd.Flags().StringSliceVar(&filter, "filter", nil, "event names to keep, comma-separated (call.* for a group)")
	return cmd
}

// openCommand is `switchboard open tel:…|sip:…`: the desktop's handler
// for telephone links.
func (a *app) openCommand() *cobra.Command {
	var flags controlFlags
	var account string
	cmd := &cobra.Command{
		Use:   "open URI",
		Short: "Dial a tel: or sip: link through the running switchboard (the desktop's handler)",
		Long: `Dial a tel:, sip: or sips: link through the running switchboard and return at
once; follow the call in the console or with "switchboard events". docs/control.md
shows how to make this the desktop's handler for telephone links.`,
		Example: "  switchboard open 'tel:+44-20-7946-0000'",
		Args:    exactArgs(1, "open needs one tel: or sip: URI"),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := linkTarget(args[0])
			if err != nil {
				return err
			}
			request := map[string]any{"target": target}
			if account != "" {
				request["account"] = account
			}
			conn, err := a.connectControl(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer conn.Close()
			_, resp, err := conn.Call(cmd.Context(), "dial", request)
			if err != nil {
				return err
			}
			if !resp.OK {
				return fmt.Errorf("dial %s: %s", target, resp.Error.Message)
			}
			var placed control.CallInfo
			if b, err := json.Marshal(resp.Data); err == nil {
				_ = json.Unmarshal(b, &placed)
			}
			fmt.Fprintf(a.stdout, "calling %s (call %s)\n", placed.RemoteURI, placed.CallID)
			return nil
		},
	}
	flags.add(cmd)
	cmd.Flags().StringVar(&account, "account", "", "account to call from (default: the first)")
	return cmd
}

// linkTarget turns a link as browsers hand it over (tel:+44%2020…,
// callto: is not a standard) into a dial target.
func linkTarget(link string) (string, error) {
	link = strings.TrimSpace(link)
	scheme, rest, ok := strings.Cut(link, ":")
	if !ok {
		return "", usageErrorf("%q is not a tel:, sip: or sips: URI", link)
	}
	switch strings.ToLower(scheme) {
	case "tel":
		number, err := url.PathUnescape(rest)
		if err != nil {
			return "", usageErrorf("%q: %v", link, err)
		}
		number = strings.TrimPrefix(number, "//") // tel://+44… from some pages
		if !strings.ContainsAny(number, "0123456789") {
			return "", usageErrorf("%q has no number", link)
		}
		return "tel:" + number, nil
	case "sip", "sips":
		return link, nil
	}
	return "", usageErrorf("%q is not a tel:, sip: or sips: URI", link)
}
