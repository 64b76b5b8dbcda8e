package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/audio/portaudio"
)

func (a *app) devicesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List the sound devices (for audio.input, audio.output and audio.ring)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			host, err := portaudio.Open(slog.New(slog.DiscardHandler))
			if err != nil {
				return fmt.Errorf("sound system: %w", err)
			}
			defer host.Close()
			devs, err := host.Devices()
			if err != nil {
				return fmt.Errorf("list sound devices: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				for _, d := range devs {
					if err := enc.Encode(d); err != nil {
						return err
					}
				}
				return nil
			}
			if len(devs) == 0 {
				fmt.Fprintln(a.stdout, "no sound devices found: calls will carry no audio (backend null)")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "INDEX\tNAME\tHOST API\tIN\tOUT\tRATE\tDEFAULT")
			for _, d := range devs {
				def := ""
				if d.DefaultInput {
					def += "input "
				}
				if d.DefaultOutput {
					def += "output"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%.0f\t%s\n", d.Index, d.Name, d.HostAPI,
					d.MaxInputChannels, d.MaxOutputChannels, d.DefaultSampleRate, def)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per device")
	return cmd
}
