// Package engine is the glue between the phone's event stream and the stores:
// every call becomes a history row from its first event and is updated at each
// state change. The console, the headless commands and the control socket all use
// this one engine, so call bookkeeping exists once.
package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/audio/jitter"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/phone"
)

// heartbeat is how often live calls are marked alive, which bounds what a crash
// can lose of a call's duration.
const heartbeat = 5 * time.Second

// Engine records calls as they happen.
type Engine struct {
	calls *history.Repo
	log   *slog.Logger
	sub   *phone.Subscription

	mu   sync.Mutex
	live map[string]struct{}
	done chan struct{}

	crm *crmWorker // nil without UseCRM

	// What every new call row carries besides the event; set before Run.
	operator  string
	normalise func(raw string) string // the CRM's number key, "" when not a number
}

// Source is where events come from: a *phone.Phone (or its *phone.Bus).
type Source interface {
	Subscribe() *phone.Subscription
}

// New subscribes to the phone at once, so that no event published after New
// returns is missed; call it before Phone.Start.
func New(src Source, calls *history.Repo, log *slog.Logger) *Engine {
	return &Engine{calls: calls, log: log, sub: src.Subscribe(), live: map[string]struct{}{}, done: make(chan struct{})}
}

// SetOperator names the operator recorded with every call from now on
// (config key "operator"). Call it before Run.
func (e *Engine) SetOperator(name string) { e.operator = name }

// Recover closes the calls a previous process left open (killed mid-call): they
// become "interrupted", ending when they were last known alive.
func (e *Engine) Recover(ctx context.Context) (int, error) {
	return e.calls.MarkInterrupted(ctx, time.Now())
}

// Run records events until the phone closes its stream or ctx ends. With a
// CRM (UseCRM), it returns only after the CRM has handled every call that
// ended.
func (e *Engine) Run(ctx context.Context) {
	defer close(e.done)
	if e.crm != nil {
		e.crm.start()
		defer e.crm.stop()
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-e.sub.C:
			if !ok {
				return
			}
			e.record(ctx, ev)
		case now := <-tick.C:
			e.touchLive(ctx, now)
		case <-ctx.Done():
			e.sub.Close()
			// Drain what is already queued: terminal events must not be lost.
			for ev := range e.sub.C {
				e.record(context.Background(), ev)
			}
			return
		}
	}
}

// Wait blocks until Run has returned.
func (e *Engine) Wait() { <-e.done }

func (e *Engine) record(ctx context.Context, ev phone.Event) {
	if ev.CallID == "" {
		return
	}
	if err := e.apply(ctx, ev); err != nil {
		e.log.Error("history not updated", "call", ev.CallID, "event", ev.Kind, "error", err)
	}
	// After the history: the CRM reads the call's row (earlier calls on the
	// card, the call linked at its end).
	if e.crm != nil {
		e.crm.enqueue(ev)
	}
}

func (e *Engine) apply(ctx context.Context, ev phone.Event) error {
	// Every event may be the first one seen for a call (a screened call only ever
	// has call.ended), so each starts the row; Start is idempotent.
	if err := e.calls.Start(ctx, e.newRecord(ev)); err != nil {
		return err
	}
	e.setLive(ev.CallID, ev.Kind != phone.CallEnded)
	return e.calls.Update(ctx, ev.CallID, func(c *history.Call) {
		c.LastAliveAt = ev.Time
		switch ev.Kind {
		case phone.CallRinging, phone.CallIncoming:
			if c.RingingAt.IsZero() {
				c.RingingAt = ev.Time
			}
		case phone.CallAnswered:
			c.AnsweredAt = ev.Time
			c.Codec = ev.Codec
			c.Recording = ev.Recording
		case phone.CallEnded:
			c.EndedAt = ev.Time
			c.Result = string(ev.Result)
			c.SIPCode, c.SIPReason, c.HangupBy = ev.Code, ev.Reason, ev.HangupBy
			c.TransferTarget = ev.TransferTarget // transferred, forwarded or sent to voicemail
			if ev.Codec != "" {
				c.Codec = ev.Codec
			}
			if ev.Recording != "" {
				c.Recording = ev.Recording
			}
			if ev.Media != nil {
				c.Quality = callQuality(ev.Media.Jitter)
			}
		}
	})
}

func (e *Engine) newRecord(ev phone.Event) history.Call {
	call := history.Call{
		ID: ev.CallID, Account: ev.Account, Direction: string(ev.Direction),
		LocalURI: ev.LocalURI, RemoteURI: ev.RemoteURI, RemoteNumber: ev.Number,
		DisplayName: ev.DisplayName, DialledLine: ev.Line, Operator: e.operator,
		StartedAt: ev.Time, LastAliveAt: ev.Time,
	}
	if e.normalise != nil {
		call.RemoteE164 = e.normalise(ev.Number)
	}
	return call
}

// callQuality summarises what the receiving side measured. Loss counts
// packets that never came and those that came too late to be played: the
// listener hears both as gaps. The one-way delay is not known (no RTCP
// round trip yet), so the MOS estimate leaves it out.
func callQuality(stats jitter.Stats) history.Quality {
	expected := float64(stats.Received - stats.Duplicates + stats.Lost)
	if expected <= 0 {
		return history.Quality{} // no audio arrived: nothing was measured
	}
	lossPercent := min(100, 100*float64(stats.Lost+stats.Late)/expected)
	jitterMillis := float64(stats.Jitter) / float64(time.Millisecond)
	return history.Quality{
		LossPercent:  lossPercent,
		JitterMillis: jitterMillis,
		MOS:          history.EstimateMOS(lossPercent, jitterMillis, 0),
	}
}

func (e *Engine) setLive(id string, live bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if live {
		e.live[id] = struct{}{}
	} else {
		delete(e.live, id)
	}
}

func (e *Engine) touchLive(ctx context.Context, now time.Time) {
	e.mu.Lock()
	ids := make([]string, 0, len(e.live))
	for id := range e.live {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	for _, id := range ids {
		if err := e.calls.Touch(ctx, id, now); err != nil {
			e.log.Warn("call heartbeat not stored", "call", id, "error", err)
		}
	}
}
