package control

import (
	"context"
	"slices"
	"strings"
)

// command is one entry of the protocol: its arguments and what it does.
type command struct {
	args []argSpec
	run  func(ctx context.Context, t Target, a Args) (any, error)
}

// Commands that the server handles itself, not through the Target.
const (
	cmdSubscribe = "subscribe"
	cmdAuth      = "auth"
)

// Limits of contacts.find and tasks.list: enough for any screen, small
// enough for one reply line.
const (
	defaultFindLimit = 20
	maxListLimit     = 1000
)

var idArg = argSpec{name: "id", kind: argString, required: true}

// okReply is the data of a command that has nothing more to say.
type okReply struct {
	CallID string `json:"call_id,omitempty"`
}

// commandTable lists the Target's commands. It is built per server (no
// package-level mutable state); docs/control.md documents each one.
func commandTable() map[string]command {
	onCall := func(do func(Target, context.Context, string) error) command {
		return command{args: []argSpec{idArg}, run: func(ctx context.Context, t Target, a Args) (any, error) {
			id := a.String("id")
			return okReply{CallID: id}, do(t, ctx, id)
		}}
	}
	return map[string]command{
		"status": {run: func(ctx context.Context, t Target, _ Args) (any, error) { return t.Status(ctx) }},
		"accounts": {run: func(ctx context.Context, t Target, _ Args) (any, error) {
			return t.Accounts(ctx)
		}},
		"register": {args: []argSpec{{name: "account", kind: argString}},
			run: func(ctx context.Context, t Target, a Args) (any, error) { return t.Register(ctx, a.String("account")) }},
		"dial": {args: []argSpec{{name: "target", kind: argString, required: true}, {name: "account", kind: argString}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				target := strings.TrimSpace(a.String("target"))
				if target == "" {
					return nil, argErrorf("argument \"target\" is empty: give a number, an extension or a sip:/tel: URI")
				}
				return t.Dial(ctx, a.String("account"), target)
			}},
		"answer": onCall(Target.Answer),
		"reject": {args: []argSpec{idArg, {name: "code", kind: argInt}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				code := a.Int("code", 486)
				if code < 400 || code > 699 {
					return nil, argErrorf("argument \"code\" %d: a rejection is a final failure code 400-699", code)
				}
				return okReply{CallID: a.String("id")}, t.Reject(ctx, a.String("id"), code)
			}},
		"hangup": onCall(Target.Hangup),
		"hold":   onCall(Target.Hold),
		"resume": onCall(Target.Resume),
		"mute": {args: []argSpec{idArg, {name: "on", kind: argBool}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				return okReply{CallID: a.String("id")}, t.Mute(ctx, a.String("id"), a.Bool("on", true))
			}},
		"dtmf": {args: []argSpec{idArg, {name: "digits", kind: argString, required: true}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				digits := a.String("digits")
				if digits == "" || strings.Trim(digits, "0123456789*#ABCDabcd") != "" {
					return nil, argErrorf("argument \"digits\" %q: only 0-9, *, # and A-D", digits)
				}
				return okReply{CallID: a.String("id")}, t.SendDTMF(ctx, a.String("id"), digits)
			}},
		"transfer": {args: []argSpec{idArg, {name: "target", kind: argString, required: true}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				if strings.TrimSpace(a.String("target")) == "" {
					return nil, argErrorf("argument \"target\" is empty")
				}
				return okReply{CallID: a.String("id")}, t.Transfer(ctx, a.String("id"), a.String("target"))
			}},
		"record": {args: []argSpec{idArg, {name: "on", kind: argBool}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				path, err := t.Record(ctx, a.String("id"), a.Bool("on", true))
				return recordReply{CallID: a.String("id"), Recording: path}, err
			}},
		"calls": {run: func(ctx context.Context, t Target, _ Args) (any, error) { return t.Calls(ctx) }},
		"card": {args: []argSpec{{name: "number", kind: argString, required: true}, {name: "line", kind: argString}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				if strings.TrimSpace(a.String("number")) == "" {
					return nil, argErrorf("argument \"number\" is empty")
				}
				return t.Card(ctx, a.String("number"), a.String("line"))
			}},
		"contacts.find": {args: []argSpec{{name: "query", kind: argString, required: true}, {name: "limit", kind: argInt}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				limit := a.Int("limit", defaultFindLimit)
				if limit < 1 || limit > maxListLimit {
					return nil, argErrorf("argument \"limit\" %d: must be 1..%d", limit, maxListLimit)
				}
				return t.FindContacts(ctx, a.String("query"), limit)
			}},
		"tasks.add": {args: []argSpec{{name: "number", kind: argString}, {name: "contact_id", kind: argInt},
			{name: "case_id", kind: argInt}, {name: "note", kind: argString}, {name: "kind", kind: argString},
			{name: "assignee", kind: argString}, {name: "in", kind: argDuration}, {name: "due", kind: argTime}},
			run: runAddTask},
		"tasks.list": {args: []argSpec{{name: "view", kind: argString}, {name: "assignee", kind: argString}, {name: "limit", kind: argInt}},
			run: func(ctx context.Context, t Target, a Args) (any, error) {
				view := a.String("view")
				if view != "" && !slices.Contains([]string{"open", "due", "overdue", "closed"}, view) {
					return nil, argErrorf("argument \"view\" %q: use open, due, overdue or closed", view)
				}
				limit := a.Int("limit", 100)
				if limit < 1 || limit > maxListLimit {
					return nil, argErrorf("argument \"limit\" %d: must be 1..%d", limit, maxListLimit)
				}
				return t.ListTasks(ctx, view, a.String("assignee"), limit)
			}},
	}
}

type recordReply struct {
	CallID    string `json:"call_id"`
	Recording string `json:"recording,omitempty"`
}

func runAddTask(ctx context.Context, t Target, a Args) (any, error) {
	task := TaskRequest{Kind: a.String("kind"), Number: a.String("number"), Note: a.String("note"),
		Assignee: a.String("assignee"), In: a.Duration("in"), Due: a.Time("due"),
		ContactID: int64(a.Int("contact_id", 0)), CaseID: int64(a.Int("case_id", 0))}
	if task.Number == "" && task.ContactID == 0 && task.CaseID == 0 {
		return nil, argErrorf("tasks.add needs number, contact_id or case_id")
	}
	if (task.In == 0) == task.Due.IsZero() {
		return nil, argErrorf("tasks.add needs exactly one of in (a duration such as \"30m\") and due (an RFC 3339 time)")
	}
	if task.In < 0 {
		return nil, argErrorf("argument \"in\" must not be negative")
	}
	return t.AddTask(ctx, task)
}

// commandNames lists the commands for "unknown command" replies.
func commandNames(table map[string]command) string {
	names := []string{cmdSubscribe}
	for name := range table {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
