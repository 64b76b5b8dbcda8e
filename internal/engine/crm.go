package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/phone"
)

// Bounds on CRM work done for a call. The card has its own, shorter bound
// (crm card_timeout); these only keep a stuck database from holding the
// engine for ever.
const (
	completeCardTimeout = 10 * time.Second
	policyTimeout       = 30 * time.Second
	// crmQueueSize is deep enough for every event of many simultaneous
	// calls; see crmWorker.enqueue for what happens beyond it.
	crmQueueSize = 256
	// watchRetry is the pause after the due watcher failed.
	watchRetry = 5 * time.Second
)

// CRMOptions connects the engine to the CRM.
type CRMOptions struct {
	// CRM is handed over to the engine: Run closes it after its last use,
	// so close the database only after Wait.
	CRM *crm.CRM
	// Notify receives the notices. It is called from several goroutines,
	// one of them inside the due watcher's database transaction, so it must
	// be safe for concurrent use and return at once (queue the notice).
	Notify func(Notice)
	// WatchTasks raises task.due for tasks falling due while Run runs, and
	// on start for those that fell due meanwhile. Only the program that
	// shows reminders (the bare command, later the console) sets it: each
	// task is raised exactly once, in whichever process claims it.
	WatchTasks bool
	// CallerName, when set, names the caller of a call from elsewhere than
	// the CRM (the caller look-up); a non-empty name is put on its cards.
	// It must return at once.
	CallerName func(phone.Event) string
}

// UseCRM makes the engine consult the CRM for every call: a caller card on
// call.incoming and call.outgoing, the policies on call.ended. Call it
// before Run.
func (e *Engine) UseCRM(options CRMOptions) {
	if options.Notify == nil {
		options.Notify = func(Notice) {}
	}
	e.crm = &crmWorker{options: options, log: e.log, jobs: make(chan phone.Event, crmQueueSize),
		started: map[string]time.Time{}}
	// Calls are stored with the CRM's number key from their first event,
	// so history filters, call-back matching and contact links agree.
	e.normalise = func(raw string) string {
		if number := options.CRM.Normalize(raw); number.Valid() {
			return number.Key
		}
		return ""
	}
}

// crmWorker does the engine's CRM work on its own goroutine, after the
// history has the event: building a card or applying policies takes
// milliseconds to seconds, and neither the phone nor the history must wait
// for it.
type crmWorker struct {
	options CRMOptions
	log     *slog.Logger
	jobs    chan phone.Event
	started map[string]time.Time // call id → first event, for CallOutcome.At; worker goroutine only

	background sync.WaitGroup // card completions and the due watcher
	stopWatch  context.CancelFunc
	done       chan struct{}
}

// start runs the worker (and the due watcher) until stop.
func (w *crmWorker) start() {
	w.done = make(chan struct{})
	watchCtx, cancel := context.WithCancel(context.Background())
	w.stopWatch = cancel
	// Created now, so that tasks that fell due before this start are the
	// overdue ones.
	var watcher *crm.DueWatcher
	if w.options.WatchTasks {
		watcher = w.options.CRM.NewDueWatcher(nil, 0)
	}
	go func() {
		defer close(w.done)
		// Calls recorded while no CRM was looking (another command, a
		// crash) are linked to their contacts before any new one.
		if _, err := w.options.CRM.IndexCalls(context.Background()); err != nil {
			w.log.Error("crm: index calls", "error", err)
		}
		if watcher != nil {
			w.background.Add(1)
			go func() {
				defer w.background.Done()
				w.watchTasks(watchCtx, watcher)
			}()
		}
		for ev := range w.jobs {
			w.handle(ev)
		}
	}()
}

// enqueue hands an event over, after the history recorded it. Cards are
// dropped when the worker is far behind (a card shown late is useless);
// call ends never are, since their policies must run.
func (w *crmWorker) enqueue(ev phone.Event) {
	switch ev.Kind {
	case phone.CallIncoming, phone.CallOutgoing:
		select {
		case w.jobs <- ev:
		default:
			w.log.Warn("crm: caller card skipped, the CRM is behind", "call", ev.CallID)
		}
	case phone.CallEnded:
		w.jobs <- ev
	}
}

// stop waits for the queued work, stops the due watcher and closes the CRM.
func (w *crmWorker) stop() {
	close(w.jobs)
	<-w.done
	w.stopWatch()
	w.background.Wait()
	if err := w.options.CRM.Close(); err != nil {
		w.log.Warn("crm: close", "error", err)
	}
}

func (w *crmWorker) handle(ev phone.Event) {
	switch ev.Kind {
	case phone.CallIncoming, phone.CallOutgoing:
		w.started[ev.CallID] = ev.Time
		w.card(ev)
	case phone.CallEnded:
		w.policies(ev)
	}
}

func (w *crmWorker) card(ev phone.Event) {
	request := crm.CardRequest{Number: ev.Number, CallID: ev.CallID}
	if ev.Direction == phone.Inbound {
		request.DialledLine = ev.Line
	}
	card, err := w.options.CRM.BuildCard(context.Background(), request)
	if err != nil {
		w.log.Error("crm: caller card", "call", ev.CallID, "error", err)
		return
	}
	w.nameCaller(ev, &card)
	w.notify(Notice{Kind: NoticeCard, Time: time.Now(), CallID: ev.CallID, Card: &card})
	if !card.Partial {
		return
	}
	// The bound ran out: what is known is shown now, the rest follows.
	w.background.Add(1)
	go func() {
		defer w.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), completeCardTimeout)
		defer cancel()
		full, err := w.options.CRM.CompleteCard(ctx, request)
		if err != nil {
			w.log.Error("crm: complete caller card", "call", ev.CallID, "error", err)
			return
		}
		w.nameCaller(ev, &full)
		w.notify(Notice{Kind: NoticeCard, Time: time.Now(), CallID: ev.CallID, Card: &full})
	}()
}

func (w *crmWorker) nameCaller(ev phone.Event, card *crm.Card) {
	if w.options.CallerName != nil {
		card.CallerName = w.options.CallerName(ev)
	}
}

func (w *crmWorker) policies(ev phone.Event) {
	started, seen := w.started[ev.CallID]
	delete(w.started, ev.CallID)
	if ev.Result == phone.ResultBlacklisted {
		// Refused before it rang: creating a contact or a callback task for
		// a caller the operator blocked would defeat the block. The call is
		// still indexed (and linked) by the next IndexCalls.
		return
	}
	if !seen {
		// No card event (screened by the phone, or the card was dropped):
		// the call started its ring and talk time before it ended.
		started = ev.Time.Add(-time.Duration(ev.RingMS+ev.TalkMS) * time.Millisecond)
	}
	outcome := crm.CallOutcome{
		CallID:    ev.CallID,
		Direction: string(ev.Direction),
		Number:    ev.Number,
		Answered:  ev.Result == phone.ResultAnswered,
		At:        started,
	}
	if ev.Direction == phone.Inbound {
		outcome.DialledLine = ev.Line
	}
	ctx, cancel := context.WithTimeout(context.Background(), policyTimeout)
	defer cancel()
	result, err := w.options.CRM.ApplyCallPolicies(ctx, outcome)
	if err != nil {
		w.log.Error("crm: call policies", "call", ev.CallID, "error", err)
		return
	}
	if !result.Replayed && (result.ContactCreated || result.CaseCreated || result.TaskCreated) {
		w.notify(Notice{Kind: NoticeCreated, Time: time.Now(), CallID: ev.CallID, Created: &result})
	}
}

// watchTasks runs the due watcher until ctx ends. A database failure (a
// long import holding the write lock) pauses it rather than ending
// reminders for the rest of the session.
func (w *crmWorker) watchTasks(ctx context.Context, watcher *crm.DueWatcher) {
	for {
		err := watcher.Run(ctx, func(due crm.TaskDue) {
			w.notify(Notice{Kind: NoticeTaskDue, Time: time.Now(), Due: &due})
		})
		if err == nil || ctx.Err() != nil {
			return
		}
		w.log.Error("crm: due tasks not checked; retrying", "error", err, "in", watchRetry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(watchRetry):
		}
	}
}

func (w *crmWorker) notify(n Notice) { w.options.Notify(n) }
