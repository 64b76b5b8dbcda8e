package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/dialer"
)

// backendTimeout bounds one backend call made for a key: an operator who
// pressed a key learns within this time that it did not work.
const backendTimeout = 15 * time.Second

// Messages that come back from commands. Commands never touch the model:
// they only call the backend and describe the result.
type (
	// actionDoneMsg ends any action; Err is shown, Toast confirms success.
	actionDoneMsg struct {
		Action string
		CallID string
		Toast  string
		Err    error
		// RefreshTasks asks for the task list again (a task was made or closed).
		RefreshTasks bool
		// RefreshHistory asks for the history page again (a call changed).
		RefreshHistory bool
	}
	statusMsg struct {
		Status Status
		Err    error
	}
	tasksMsg struct {
		Tasks []crm.Task
		Err   error
	}
	historyMsg struct {
		Calls []history.Call
		Next  string // cursor of the next page; "" on the last
		Err   error
	}
	// playDoneMsg ends a recording's playback (played to the end, stopped
	// or failed).
	playDoneMsg struct {
		CallID string
		Played time.Duration
		Err    error
	}
	hintsMsg struct {
		Hints dialer.Hints
		Err   error
	}
	cardMsg struct {
		CallID string
		Card   crm.Card
		Err    error
	}
	metersMsg    map[string]calls.Meter
	clockTickMsg time.Time
	meterTickMsg time.Time
)

// Tick intervals: the clock and timers change every second; level meters
// need about five frames a second to look alive.
const (
	clockInterval = time.Second
	meterInterval = 200 * time.Millisecond
)

func clockTick() tea.Cmd {
	return tea.Tick(clockInterval, func(t time.Time) tea.Msg { return clockTickMsg(t) })
}

func meterTick() tea.Cmd {
	return tea.Tick(meterInterval, func(t time.Time) tea.Msg { return meterTickMsg(t) })
}

// commands builds the tea.Cmds over a backend. ctx is the console's run
// context: quitting cancels what is still in flight.
type commands struct {
	ctx     context.Context
	backend Backend
}

func (c commands) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, backendTimeout)
}

// act runs one call-control action and reports it.
func (c commands) act(action, callID string, do func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		return actionDoneMsg{Action: action, CallID: callID, Err: do(ctx)}
	}
}

func (c commands) dial(account, target string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		id, err := c.backend.Dial(ctx, account, target)
		return actionDoneMsg{Action: "dial " + target, CallID: id, Err: err}
	}
}

func (c commands) redial(account string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		id, err := c.backend.Redial(ctx, account)
		return actionDoneMsg{Action: "redial", CallID: id, Err: err}
	}
}

func (c commands) callback(callID, number string, in time.Duration, loc *time.Location) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		task, err := c.backend.CreateCallbackTask(ctx, callID, number, in)
		done := actionDoneMsg{Action: "call back task", CallID: callID, Err: err, RefreshTasks: err == nil}
		if err == nil {
			done.Toast = fmt.Sprintf("Call back %s at %s", number, task.DueAt.In(loc).Format("15:04"))
		}
		return done
	}
}

func (c commands) addCase(callID string, input crm.CaseInput) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		created, err := c.backend.CreateCase(ctx, input)
		return actionDoneMsg{Action: "add case", CallID: callID, Err: err, Toast: "Case " + created.Title + " added"}
	}
}

func (c commands) status() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		status, err := c.backend.Status(ctx)
		return statusMsg{Status: status, Err: err}
	}
}

func (c commands) tasks() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		tasks, err := c.backend.Tasks(ctx)
		return tasksMsg{Tasks: tasks, Err: err}
	}
}

func (c commands) history(filter history.Filter, page history.Page) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		calls, next, err := c.backend.History(ctx, filter, page)
		return historyMsg{Calls: calls, Next: next, Err: err}
	}
}

// setDisposition gives a call its wrap-up code; the history shows it.
func (c commands) setDisposition(callID, code string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		err := c.backend.SetDisposition(ctx, callID, code)
		return actionDoneMsg{Action: "wrap-up code", CallID: callID, Err: err, Toast: "Wrap-up code: " + code, RefreshHistory: err == nil}
	}
}

// setNotes replaces a past call's notes.
func (c commands) setNotes(callID, text string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		err := c.backend.SetNotes(ctx, callID, text)
		return actionDoneMsg{Action: "save notes", CallID: callID, Err: err, Toast: "Notes saved", RefreshHistory: err == nil}
	}
}

// play plays a call's recording until it ends or ctx is cancelled (the
// operator stops it): not bounded by backendTimeout, a call can be long.
func (c commands) play(ctx context.Context, callID string) tea.Cmd {
	return func() tea.Msg {
		played, err := c.backend.PlayRecording(ctx, callID)
		return playDoneMsg{CallID: callID, Played: played, Err: err}
	}
}

func (c commands) hints(query string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		hints, err := c.backend.DialHints(ctx, query)
		hints.Query = query
		return hintsMsg{Hints: hints, Err: err}
	}
}

func (c commands) typeNotes(callID, text string) tea.Cmd {
	return func() tea.Msg {
		if err := c.backend.TypeNotes(callID, text); err != nil {
			return actionDoneMsg{Action: "save notes", CallID: callID, Err: err}
		}
		return nil
	}
}

func (c commands) meters(ids []string) tea.Cmd {
	return func() tea.Msg {
		out := make(metersMsg, len(ids))
		for _, id := range ids {
			if meter, ok := c.backend.Meter(id); ok {
				out[id] = meter
			}
		}
		return out
	}
}

// actRefresh runs a task action and asks for the task list again.
func (c commands) actRefresh(action string, do func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := c.bounded()
		defer cancel()
		err := do(ctx)
		return actionDoneMsg{Action: action, Err: err, RefreshTasks: err == nil}
	}
}
