package crm

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestTaskLifeCycle(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	for i, preset := range CallbackPresets() {
		task, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: preset, SourceCallID: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		if !task.DueAt.Equal(testStart.Add(preset)) || task.DialNumber != "+7 495 123-45-67" || task.Status != TaskOpen {
			t.Errorf("preset %d: task = %+v", i, task)
		}
	}
	chosen, err := env.crm.AddTask(env.ctx, TaskInput{Number: "8 916 000 00 00", DueAt: testStart.Add(-time.Hour), Note: "about the invoice"})
	if err != nil {
		t.Fatal(err)
	}

	list := func(view TaskView) []Task {
		t.Helper()
		tasks, err := env.crm.ListTasks(env.ctx, TaskFilter{View: view})
		if err != nil {
			t.Fatal(err)
		}
		return tasks
	}
	if open := list(TasksOpen); len(open) != 4 || open[0].ID != chosen.ID {
		t.Errorf("open = %d tasks, first %d", len(open), open[0].ID)
	}
	if overdue := list(TasksOverdue); len(overdue) != 1 || !overdue[0].Overdue(testStart) {
		t.Errorf("overdue = %+v", overdue)
	}
	if due := list(TasksDue); len(due) != 4 { // all are due today (UTC)
		t.Errorf("due today = %d", len(due))
	}

	until := testStart.Add(2 * time.Hour)
	if err := env.crm.SnoozeTask(env.ctx, chosen.ID, until); err != nil {
		t.Fatal(err)
	}
	if err := env.crm.SnoozeTask(env.ctx, chosen.ID, testStart.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	snoozed, _ := env.crm.GetTask(env.ctx, chosen.ID)
	if !snoozed.DueAt.Equal(testStart.Add(3*time.Hour)) || len(snoozed.Snoozes) != 2 ||
		!snoozed.Snoozes[0].From.Equal(testStart.Add(-time.Hour)) || !snoozed.Snoozes[1].From.Equal(until) {
		t.Errorf("snoozed = %+v", snoozed)
	}
	if err := env.crm.SnoozeTask(env.ctx, chosen.ID, testStart.Add(-time.Minute)); !errors.Is(err, ErrInvalid) {
		t.Errorf("snooze into the past: %v", err)
	}

	if err := env.crm.StartCallback(env.ctx, chosen.ID, "callback-call"); err != nil {
		t.Fatal(err)
	}
	found, ok, err := env.crm.TaskForCall(env.ctx, "callback-call")
	if err != nil || !ok || found.ID != chosen.ID {
		t.Errorf("TaskForCall = %+v %v %v", found, ok, err)
	}
	if _, ok, _ := env.crm.TaskForCall(env.ctx, "other-call"); ok {
		t.Error("TaskForCall found a task for an unrelated call")
	}
	// When the call ends, its history row points at the task it carried out.
	env.addCall("callback-call", DirectionOut, "8 916 000 00 00", testStart, "answered")
	if _, err := env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: "callback-call", Direction: DirectionOut,
		Number: "8 916 000 00 00", Answered: true, At: testStart}); err != nil {
		t.Fatal(err)
	}
	if n := env.count("SELECT count(*) FROM calls WHERE id = 'callback-call' AND task_id = ?", chosen.ID); n != 1 {
		t.Errorf("the callback call's row is not linked to task %d", chosen.ID)
	}
	if err := env.crm.CompleteTask(env.ctx, chosen.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.crm.CancelTask(env.ctx, chosen.ID); !errors.Is(err, ErrClosed) {
		t.Errorf("cancel a done task: %v", err)
	}
	if err := env.crm.SnoozeTask(env.ctx, chosen.ID, until); !errors.Is(err, ErrClosed) {
		t.Errorf("snooze a done task: %v", err)
	}
	if closed := list(TasksClosed); len(closed) != 1 || closed[0].Status != TaskDone {
		t.Errorf("closed = %+v", closed)
	}
	if _, err := env.crm.AddTask(env.ctx, TaskInput{In: time.Minute}); !errors.Is(err, ErrInvalid) {
		t.Errorf("task for nobody: %v", err)
	}
	if err := env.crm.CompleteTask(env.ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown task: %v", err)
	}
}

// collector gathers task.due events.
type collector struct {
	mu     sync.Mutex
	events []TaskDue
}

func (c *collector) notify(event TaskDue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, event)
}

func (c *collector) taken() []TaskDue {
	c.mu.Lock()
	defer c.mu.Unlock()
	events := c.events
	c.events = nil
	return events
}

func TestDueTasksNotifyOnceAcrossRestart(t *testing.T) {
	settings := testSettings()
	env := newTestEnv(t, settings)
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	soon, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	later, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	events := &collector{}
	watcher := env.crm.NewDueWatcher(env.clock, time.Second)
	if n, err := watcher.Poll(env.ctx, events.notify); err != nil || n != 0 {
		t.Fatalf("nothing is due yet: %d, %v", n, err)
	}
	// The program stops; an hour passes; it starts again.
	env.close()
	env.clock.Advance(time.Hour)
	env.open(settings)
	watcher = env.crm.NewDueWatcher(env.clock, time.Second)
	if n, err := watcher.Poll(env.ctx, events.notify); err != nil || n != 1 {
		t.Fatalf("after restart: %d notified, %v; want 1", n, err)
	}
	got := events.taken()
	if len(got) != 1 || got[0].Task.ID != soon.ID || !got[0].Overdue || got[0].Task.NotifiedAt.IsZero() {
		t.Fatalf("events = %+v, want the soon task, overdue", got)
	}
	if n, _ := watcher.Poll(env.ctx, events.notify); n != 0 {
		t.Errorf("second poll notified %d again", n)
	}
	// And again after another restart: still exactly once.
	env.reopen(settings)
	watcher = env.crm.NewDueWatcher(env.clock, time.Second)
	if n, _ := watcher.Poll(env.ctx, events.notify); n != 0 {
		t.Errorf("poll after a second restart notified %d", n)
	}

	// A snoozed task is raised again at its new time, not overdue.
	if err := env.crm.SnoozeTask(env.ctx, soon.ID, env.clock.Now().Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(5 * time.Minute)
	if n, _ := watcher.Poll(env.ctx, events.notify); n != 1 {
		t.Errorf("snoozed task notified %d times", n)
	}
	if got := events.taken(); len(got) != 1 || got[0].Overdue {
		t.Errorf("snoozed event = %+v, want not overdue", got)
	}
	_ = later
}

func TestDueWatcherRunWithClock(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	task, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan TaskDue, 10)
	ctx, cancel := context.WithCancel(env.ctx)
	watcher := env.crm.NewDueWatcher(env.clock, time.Minute)
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx, func(event TaskDue) { events <- event }) }()

	waitFor(t, func() bool { return env.clock.Waiting() == 1 })
	select {
	case event := <-events:
		t.Fatalf("raised before due: %+v", event)
	default:
	}
	// The watcher sleeps until the task is due (10 s), not a whole minute.
	env.clock.Advance(10 * time.Second)
	select {
	case event := <-events:
		if event.Task.ID != task.ID || event.Overdue {
			t.Errorf("event = %+v", event)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("task.due not raised")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if n := env.count("SELECT count(*) FROM tasks WHERE notified_at IS NOT NULL"); n != 1 {
		t.Errorf("%d tasks marked notified", n)
	}
}

// TestDueWatchersNeverDoubleNotify runs several watchers on one database at
// once; every due task must be raised by exactly one of them.
func TestDueWatchersNeverDoubleNotify(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	const tasks = 250
	for i := 0; i < tasks; i++ {
		if _, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, DueAt: testStart.Add(-time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	events := &collector{}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			watcher := env.crm.NewDueWatcher(env.clock, time.Second)
			if _, err := watcher.Poll(env.ctx, events.notify); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[int64]int{}
	for _, event := range events.taken() {
		seen[event.Task.ID]++
	}
	if len(seen) != tasks {
		t.Errorf("%d distinct tasks notified, want %d", len(seen), tasks)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("task %d notified %d times", id, n)
		}
	}
}

func waitFor(t *testing.T, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestOpenTaskNumbers(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	open, err := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.crm.AddTask(env.ctx, TaskInput{Number: "8 916 000 00 00", In: time.Hour}); err != nil {
		t.Fatal(err)
	}
	done, err := env.crm.AddTask(env.ctx, TaskInput{Number: "+7 903 111 22 33", In: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.crm.CompleteTask(env.ctx, done.ID); err != nil {
		t.Fatal(err)
	}
	numbers, err := env.crm.OpenTaskNumbers(env.ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(numbers)
	if want := []string{"+74951234567", "+79160000000"}; !slices.Equal(numbers, want) {
		t.Errorf("open task numbers %q, want %q (task %d open, %d done)", numbers, want, open.ID, done.ID)
	}
}
