package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
)

func (a *app) tasksCommand() *cobra.Command {
	cmd := groupCommand("tasks", "List, add, complete, snooze and cancel callback tasks")
	cmd.AddCommand(a.tasksListCommand(), a.tasksAddCommand(), a.tasksDoneCommand(), a.tasksSnoozeCommand(), a.tasksCancelCommand())
	return cmd
}

func (a *app) tasksListCommand() *cobra.Command {
	var due, overdue, all, asJSON bool
	var filter crm.TaskFilter
	cmd := &cobra.Command{
		Use:   "list [--due | --overdue | --all]",
		Short: "List open tasks, soonest due first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			chosen := 0
			for _, on := range []bool{due, overdue, all} {
				if on {
					chosen++
				}
			}
			if chosen > 1 {
				return usageErrorf("use only one of --due, --overdue and --all")
			}
			if filter.Limit < 1 {
				return usageErrorf("--limit must be at least 1")
			}
			switch {
			case due:
				filter.View = crm.TasksDue
			case overdue:
				filter.View = crm.TasksOverdue
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				tasks, err := c.ListTasks(cmd.Context(), filter)
				if err == nil && all {
					var closed []crm.Task
					closed, err = c.ListTasks(cmd.Context(), crm.TaskFilter{View: crm.TasksClosed, Assignee: filter.Assignee,
						ContactID: filter.ContactID, Limit: filter.Limit})
					tasks = append(tasks, closed...)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, orEmpty(tasks))
				}
				if len(tasks) == 0 {
					_, err := fmt.Fprintln(a.stdout, "no tasks")
					return err
				}
				return printTasks(a.stdout, tasks, crmLocation(c))
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&due, "due", false, "only tasks due by the end of today")
	fl.BoolVar(&overdue, "overdue", false, "only tasks past their time")
	fl.BoolVar(&all, "all", false, "done and cancelled tasks too")
	fl.Int64Var(&filter.ContactID, "contact", 0, "only the tasks of this contact")
	fl.StringVar(&filter.Assignee, "assignee", "", "only the tasks of this operator")
	fl.IntVar(&filter.Limit, "limit", 100, "show at most this many tasks")
	fl.BoolVar(&asJSON, "json", false, "print the tasks as a JSON array")
	return cmd
}

func printTasks(w io.Writer, tasks []crm.Task, location *time.Location) error {
	now := time.Now()
	rows := make([][]string, 0, len(tasks))
	for _, task := range tasks {
		status := string(task.Status)
		if task.Overdue(now) {
			status = "overdue"
		}
		rows = append(rows, []string{fmt.Sprint(task.ID), formatTime(task.DueAt, location), status, task.Kind,
			task.ContactName, task.DialNumber, task.Assignee, task.Note})
	}
	return printTable(w, []string{"ID", "DUE", "STATUS", "KIND", "CONTACT", "NUMBER", "ASSIGNEE", "NOTE"}, rows)
}

// taskSummary is what a task asks for, in a few words.
func taskSummary(task crm.Task) string {
	what := "call back"
	if task.Kind != crm.TaskCallback {
		what = strings.ReplaceAll(task.Kind, "_", " ")
	}
	for _, part := range []string{task.ContactName, task.DialNumber} {
		if part != "" {
			what += " " + part
		}
	}
	if task.Note != "" {
		what += " — " + task.Note
	}
	return what
}

func (a *app) tasksAddCommand() *cobra.Command {
	var in time.Duration
	var at, number, kind, note, assignee string
	var contactID, caseID int64
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "add (--in DURATION | --at TIME) (--contact ID | --number NUMBER) [flags]",
		Short:   "Add a task: call someone back in 10m, 30m, 60m … or at a time",
		Example: "  switchboard tasks add --in 30m --number '+7 495 123-45-67' --note 'send the price'\n  switchboard tasks add --at '2025-03-05 16:30' --contact 12",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if fl.Changed("in") == fl.Changed("at") {
				return usageErrorf("give either --in DURATION or --at TIME")
			}
			if (contactID != 0) == (number != "") {
				return usageErrorf("give either --contact ID or --number NUMBER")
			}
			if fl.Changed("in") && in <= 0 {
				return usageErrorf("--in %s: the task must fall due later, not now or earlier", in)
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				input := crm.TaskInput{Kind: kind, ContactID: contactID, CaseID: caseID, Number: number, Note: note,
					Assignee: assignee, In: in}
				if at != "" {
					var err error
					if input.DueAt, err = parseWhen("--at", at, time.Now(), crmLocation(c)); err != nil {
						return err
					}
				}
				task, err := c.AddTask(cmd.Context(), input)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, task)
				}
				_, err = fmt.Fprintf(a.stdout, "added task #%d due %s: %s\n", task.ID, formatTime(task.DueAt, crmLocation(c)), taskSummary(task))
				return err
			})
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&in, "in", 0, "due this long from now: 10m, 30m, 60m, 2h …")
	fl.StringVar(&at, "at", "", `due at this time: "16:30" (the next one), "2025-03-05 16:30" or RFC 3339`)
	fl.Int64Var(&contactID, "contact", 0, "the contact to call back")
	fl.StringVar(&number, "number", "", "the number to call back, in any format")
	fl.Int64Var(&caseID, "case", 0, "the case the task belongs to")
	fl.StringVar(&kind, "kind", crm.TaskCallback, "callback or follow_up")
	fl.StringVar(&note, "note", "", "what to do")
	fl.StringVar(&assignee, "assignee", "", "operator who should do it (default: the current operator)")
	fl.BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

// taskCommand is done, cancel and snooze: a change to one task by ID,
// printed as the task afterwards.
func (a *app) taskCommand(use, short, verb string, change func(cmd *cobra.Command, c *crm.CRM, id int64) error) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1, "tasks "+strings.Fields(use)[0]+" needs the task's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "task")
			if err != nil {
				return err
			}
			return a.withCRM(cmd.Context(), func(c *crm.CRM, _ *config.Config) error {
				if err := change(cmd, c, id); err != nil {
					return err
				}
				task, err := c.GetTask(cmd.Context(), id)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, task)
				}
				_, err = fmt.Fprintf(a.stdout, "task #%d %s (due %s): %s\n", task.ID, verb, formatTime(task.DueAt, crmLocation(c)), taskSummary(task))
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the task as JSON")
	return cmd
}

func (a *app) tasksDoneCommand() *cobra.Command {
	return a.taskCommand("done ID", "Mark a task done", "done", func(cmd *cobra.Command, c *crm.CRM, id int64) error {
		return c.CompleteTask(cmd.Context(), id)
	})
}

func (a *app) tasksCancelCommand() *cobra.Command {
	return a.taskCommand("cancel ID", "Cancel a task", "cancelled", func(cmd *cobra.Command, c *crm.CRM, id int64) error {
		return c.CancelTask(cmd.Context(), id)
	})
}

func (a *app) tasksSnoozeCommand() *cobra.Command {
	var span, until string
	cmd := a.taskCommand("snooze ID (--for DURATION | --until TIME)", "Move a task's due time later; it reminds again then", "snoozed",
		func(cmd *cobra.Command, c *crm.CRM, id int64) error {
			if (span == "") == (until == "") {
				return usageErrorf("give either --for DURATION or --until TIME")
			}
			now := time.Now()
			var to time.Time
			var err error
			if span != "" {
				to, err = parseLater("--for", span, now, crmLocation(c))
			} else {
				to, err = parseWhen("--until", until, now, crmLocation(c))
			}
			if err != nil {
				return err
			}
			return c.SnoozeTask(cmd.Context(), id, to)
		})
	cmd.Flags().StringVar(&span, "for", "", "snooze this long: 10m, 1h, 2d …")
	cmd.Flags().StringVar(&until, "until", "", `snooze until this time: "16:30", "2025-03-05 16:30" or RFC 3339`)
	return cmd
}

// parseWhen reads a clock time in location: "16:30" is the next such time
// (today, or tomorrow when it has passed), a date alone is its midnight.
func parseWhen(flag, text string, now time.Time, location *time.Location) (time.Time, error) {
	text = strings.TrimSpace(text)
	if at, err := time.Parse(time.RFC3339, text); err == nil {
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if at, err := time.ParseInLocation(layout, text, location); err == nil {
			return at, nil
		}
	}
	if clock, err := time.ParseInLocation("15:04", text, location); err == nil {
		local := now.In(location)
		at := time.Date(local.Year(), local.Month(), local.Day(), clock.Hour(), clock.Minute(), 0, 0, location)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	return time.Time{}, usageErrorf(`%s %q: use a time such as "16:30", "2025-03-05 16:30" or RFC 3339`, flag, text)
}

// parseLater reads a positive span from now: a Go duration ("90m", "2h")
// or whole days ("3d").
func parseLater(flag, text string, now time.Time, location *time.Location) (time.Time, error) {
	days, span, ok := parseSpan(text)
	switch {
	case ok && days > 0:
		return now.In(location).AddDate(0, 0, days), nil
	case ok && span > 0:
		return now.Add(span), nil
	}
	return time.Time{}, usageErrorf(`%s %q: use a positive duration such as "30m", "2h" or "3d"`, flag, text)
}

// parseSpan reads a span as whole calendar days ("3d") or a Go duration
// ("90m", "2h"); exactly one of days and span is set when ok.
func parseSpan(text string) (days int, span time.Duration, ok bool) {
	text = strings.TrimSpace(text)
	if count, found := strings.CutSuffix(text, "d"); found {
		if n, err := strconv.Atoi(count); err == nil && n >= 0 {
			return n, 0, true
		}
	}
	span, err := time.ParseDuration(text)
	return 0, span, err == nil
}
