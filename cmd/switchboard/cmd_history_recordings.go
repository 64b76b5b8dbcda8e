package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/sound"
)

func (a *app) historyRecordingsCommand() *cobra.Command {
	var filters historyFilterFlags
	var limit int
	var cursor string
	var asJSON, problemsOnly bool
	cmd := &cobra.Command{
		Use:   "recordings [filters] [--problems] [--json]",
		Short: "List the calls with a recording; a missing or damaged file is reported in its row",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > history.MaxPageSize {
				return usageErrorf("--limit must be between 1 and %d", history.MaxPageSize)
			}
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				filter, err := filters.filter(h, time.Now())
				if err != nil {
					return err
				}
				recordings, next, err := h.calls.Recordings(cmd.Context(), filter, history.Page{Size: limit, Cursor: cursor})
				if err != nil {
					return err
				}
				if problemsOnly {
					kept := recordings[:0]
					for _, r := range recordings {
						if r.Status != history.RecordingOK {
							kept = append(kept, r)
						}
					}
					recordings = kept
				}
				if asJSON {
					return printJSON(a.stdout, struct {
						Recordings []history.Recording `json:"recordings"`
						NextCursor string              `json:"next_cursor"`
					}{orEmpty(recordings), next})
				}
				if len(recordings) == 0 && next == "" {
					_, err := fmt.Fprintln(a.stdout, "no recordings")
					return err
				}
				rows := make([][]string, 0, len(recordings))
				for _, r := range recordings {
					status := string(r.Status)
					if r.Problem != "" {
						status += ": " + r.Problem
					}
					rows = append(rows, []string{formatTime(r.Call.StartedAt, h.location), r.Call.Direction, r.Call.RemoteNumber,
						formatSpan(r.Call.TalkTime()), humanize.IBytes(uint64(r.Bytes)), status, r.Call.ID, r.Call.Recording})
				}
				if err := printTable(a.stdout, []string{"STARTED", "DIR", "NUMBER", "TALK", "SIZE", "STATUS", "ID", "FILE"}, rows); err != nil {
					return err
				}
				if next != "" {
					_, err := fmt.Fprintf(a.stdout, "more: add --cursor %s\n", next)
					return err
				}
				return nil
			})
		},
	}
	filters.register(cmd)
	fl := cmd.Flags()
	fl.IntVar(&limit, "limit", history.DefaultPageSize, "recordings per page")
	fl.StringVar(&cursor, "cursor", "", "continue a listing where the previous page ended")
	fl.BoolVar(&problemsOnly, "problems", false, "only recordings whose file is missing, damaged or unreadable")
	fl.BoolVar(&asJSON, "json", false, `print {"recordings": [...], "next_cursor": "..."}`)
	return cmd
}

// recordingOf returns the call's checked recording, or a failure that
// says why it cannot be used.
func (h *historyEnv) recordingOf(cmd *cobra.Command, id string) (history.Recording, error) {
	call, err := h.calls.Get(cmd.Context(), id)
	if err != nil {
		return history.Recording{}, err
	}
	if call.Recording == "" {
		return history.Recording{}, fmt.Errorf("call %s has no recording", id)
	}
	recording := history.CheckRecording(call)
	if recording.Status != history.RecordingOK {
		return recording, fmt.Errorf("recording of call %s (%s) is %s: %s", id, call.Recording, recording.Status, recording.Problem)
	}
	return recording, nil
}

func (a *app) historyPlayCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "play CALLID",
		Short: "Play a call's recording through the audio backend (both sides mixed); Ctrl-C stops",
		Args:  exactArgs(1, "give the call's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				recording, err := h.recordingOf(cmd, args[0])
				if err != nil {
					return err
				}
				log, closeLog, err := openLog(h.cfg)
				if err != nil {
					return err
				}
				defer closeLog()
				backend, err := sound.Open(h.cfg.Audio, log)
				if err != nil {
					return withExit(exitUsage, err)
				}
				defer backend.Close()
				if n := backend.Notice(); n != "" {
					fmt.Fprintln(a.stderr, "switchboard:", n)
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				played, err := backend.PlayFileNotify(ctx, recording.Call.Recording, func(length time.Duration) {
					fmt.Fprintf(a.stdout, "playing %s (%s); Ctrl-C stops\n", recording.Call.Recording, formatSpan(length))
				})
				if errors.Is(err, sound.ErrNothingToPlayOn) {
					return fmt.Errorf("%w; copy the file instead: switchboard history export %s DEST", err, args[0])
				}
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "played %s of %s\n", formatSpan(played), recording.Call.Recording)
				return err
			})
		},
	}
}

func (a *app) historyExportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export CALLID DEST",
		Short: "Copy a call's recording to DEST (a file, or a folder to copy into)",
		Args:  exactArgs(2, "give the call's ID and where to copy the recording"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				recording, err := h.recordingOf(cmd, args[0])
				if err != nil {
					return err
				}
				dest := args[1]
				if info, err := os.Stat(dest); err == nil && info.IsDir() {
					dest = filepath.Join(dest, filepath.Base(recording.Call.Recording))
				}
				written, err := copyFileAtomic(recording.Call.Recording, dest)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "copied %s (%s) to %s\n", recording.Call.Recording, humanize.IBytes(uint64(written)), dest)
				return err
			})
		},
	}
}

// copyFileAtomic copies src to dest under a temporary name first, so an
// interrupted copy never leaves a truncated recording at dest.
func copyFileAtomic(src, dest string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := createAtomic(dest)
	if err != nil {
		return 0, err
	}
	defer out.abort()
	written, err := io.Copy(out, in)
	if err != nil {
		return 0, fmt.Errorf("copy to %s: %w", dest, err)
	}
	return written, out.commit()
}

func (a *app) historyPurgeCommand() *cobra.Command {
	var days int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "purge [--older-than DAYS] [--dry-run]",
		Short: "Delete recordings older than the retention (recording.retention_days); the calls stay",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withHistory(cmd.Context(), func(h *historyEnv) error {
				if !cmd.Flags().Changed("older-than") {
					days = h.cfg.Recording.RetentionDays
					if days == 0 {
						return usageErrorf("recording.retention_days is 0 (keep for ever): give --older-than DAYS")
					}
				}
				if days < 1 {
					return usageErrorf("--older-than must be at least 1 day")
				}
				cutoff := time.Now().AddDate(0, 0, -days)
				files, bytes, err := h.calls.PurgeRecordings(cmd.Context(), cutoff, dryRun)
				report := "deleted %d recording(s) older than %d days, %s freed\n"
				if dryRun {
					report = "would delete %d recording(s) older than %d days and free %s\n"
				}
				// What was done before an error is reported either way.
				fmt.Fprintf(a.stdout, report, files, days, humanize.IBytes(uint64(bytes)))
				return err
			})
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&days, "older-than", 0, "delete recordings of calls started more than this many days ago (default recording.retention_days)")
	fl.BoolVar(&dryRun, "dry-run", false, "only say what would be deleted")
	return cmd
}
