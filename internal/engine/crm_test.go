package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio/jitter"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/phone"
)

// crmFixture is a database with history and a CRM on it, as a session has.
type crmFixture struct {
	db       *store.DB
	repo     *history.Repo
	settings crm.Settings
}

func newCRMFixture(t *testing.T, settings crm.Settings) *crmFixture {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "crm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &crmFixture{db: db, repo: history.NewRepo(db), settings: settings}
}

// open returns a fresh CRM; the engine closes the ones handed to it.
func (f *crmFixture) open(t *testing.T) *crm.CRM {
	t.Helper()
	c, err := crm.New(f.db, f.settings)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notices collects what an engine reports.
type notices struct {
	mu   sync.Mutex
	list []Notice
}

func (n *notices) add(notice Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, notice)
}

func (n *notices) all() []Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notice(nil), n.list...)
}

// runEngine feeds events through an engine with the CRM and returns what it
// noticed once everything was handled.
func (f *crmFixture) runEngine(t *testing.T, watch bool, events ...phone.Event) []Notice {
	t.Helper()
	bus := phone.NewBus()
	eng := New(bus, f.repo, slog.New(slog.DiscardHandler))
	var got notices
	eng.UseCRM(CRMOptions{CRM: f.open(t), Notify: got.add, WatchTasks: watch})
	go eng.Run(context.Background())
	for _, ev := range events {
		bus.Publish(ev)
	}
	if watch {
		time.Sleep(300 * time.Millisecond) // the watcher's first poll
	}
	bus.Close()
	eng.Wait()
	return got.all()
}

func incomingCall(id, number string, at time.Time, result phone.Result) []phone.Event {
	base := phone.Event{CallID: id, Direction: phone.Inbound, Number: number, Line: "74950000000", Account: "desk"}
	incoming, ended := base, base
	incoming.Kind, incoming.Time = phone.CallIncoming, at
	ended.Kind, ended.Time, ended.Result, ended.RingMS = phone.CallEnded, at.Add(3*time.Second), result, 3000
	return []phone.Event{incoming, ended}
}

func TestEngineShowsTheCardOfAKnownCaller(t *testing.T) {
	// A generous bound: this test is about the card's content; a loaded
	// machine under -race can take the default 200 ms, and the partial
	// card is a test of its own.
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU", CardTimeout: time.Minute})
	c := f.open(t)
	ann, err := c.AddContact(context.Background(), crm.ContactInput{Name: "Ann Smith", Numbers: []crm.PhoneInput{{Number: "+7 495 123-45-67"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddCase(context.Background(), crm.CaseInput{Title: "Repair", ContactID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()

	got := f.runEngine(t, false, incomingCall("k1", "84951234567", time.Now(), phone.ResultAnswered)...)
	if len(got) != 1 || got[0].Kind != NoticeCard || got[0].CallID != "k1" {
		t.Fatalf("notices %+v, want one call.card (default policies create nothing)", got)
	}
	card := got[0].Card
	if !card.Known || card.Contact.Name != "Ann Smith" || card.OpenCase == nil || card.OpenCase.Title != "Repair" ||
		card.DialledLine != "74950000000" {
		t.Errorf("card %+v", card)
	}
	line, err := json.Marshal(got[0])
	if err != nil || !strings.HasPrefix(string(line), `{"event":"call.card",`) || !strings.Contains(string(line), `"call_id":"k1"`) ||
		!strings.Contains(string(line), `"name":"Ann Smith"`) {
		t.Errorf("JSON %s, %v", line, err)
	}
}

func TestEngineAppliesPoliciesOncePerCall(t *testing.T) {
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU", Policy: crm.Policy{
		Missed: crm.MissedCallPolicy{CallbackTask: true, CallbackAfter: 10 * time.Minute}}})
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	missed := incomingCall("m1", "+7 495 765-43-21", at, phone.ResultMissed)

	got := f.runEngine(t, false, missed...)
	var created *crm.PolicyResult
	for _, n := range got {
		if n.Kind == NoticeCreated {
			created = n.Created
		}
	}
	if created == nil || !created.TaskCreated || created.TaskID == 0 || created.CallID != "m1" {
		t.Fatalf("notices %+v, want crm.created with a task", got)
	}
	c := f.open(t)
	defer c.Close()
	task, err := c.GetTask(context.Background(), created.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if !task.DueAt.Equal(at.Add(10*time.Minute)) || task.Kind != crm.TaskCallback {
		t.Errorf("task %+v, want a callback due 10 min after the call started (%v)", task, at)
	}
	// The call's history row points at the task made for it.
	if call, err := f.repo.Get(context.Background(), "m1"); err != nil || call.TaskID != task.ID {
		t.Errorf("history row task %d (%v), want %d", call.TaskID, err, task.ID)
	}

	// The same call.ended again (a replay after a restart) creates nothing.
	again := f.runEngine(t, false, missed[1])
	for _, n := range again {
		if n.Kind == NoticeCreated {
			t.Errorf("replayed call created %+v", n.Created)
		}
	}
	tasks, err := c.ListTasks(context.Background(), crm.TaskFilter{})
	if err != nil || len(tasks) != 1 {
		t.Errorf("tasks %+v, %v; want exactly one", tasks, err)
	}
}

func TestEngineCreatesNothingForABlacklistedCall(t *testing.T) {
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU", Policy: crm.Policy{
		MissedUnknown: crm.UnknownNumberPolicy{Create: crm.CreateContact}, Missed: crm.MissedCallPolicy{CallbackTask: true}}})
	blocked := phone.Event{Kind: phone.CallEnded, Time: time.Now(), CallID: "b1", Direction: phone.Inbound,
		Number: "+74950006666", Result: phone.ResultBlacklisted, Code: 603}
	if got := f.runEngine(t, false, blocked); len(got) != 0 {
		t.Errorf("notices %+v for a blocked call, want none", got)
	}
}

func TestEngineRaisesOverdueTasksOnce(t *testing.T) {
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU"})
	c := f.open(t)
	task, err := c.AddTask(context.Background(), crm.TaskInput{Number: "+7 495 123-45-67", DueAt: time.Now().Add(-time.Hour), Note: "call back"})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()

	first := f.runEngine(t, true)
	if len(first) != 1 || first[0].Kind != NoticeTaskDue || first[0].Due.Task.ID != task.ID || !first[0].Due.Overdue {
		t.Fatalf("first start: notices %+v, want one overdue task.due", first)
	}
	line, _ := json.Marshal(first[0])
	if !strings.Contains(string(line), `"event":"task.due"`) || !strings.Contains(string(line), `"overdue":true`) {
		t.Errorf("JSON %s", line)
	}
	if again := f.runEngine(t, true); len(again) != 0 {
		t.Errorf("second start: notices %+v, want none", again)
	}
	if none := f.runEngine(t, false); len(none) != 0 {
		t.Errorf("an engine without WatchTasks raised %+v", none)
	}
}

type fakeBlacklist struct {
	blocked map[string]bool
	err     error
}

func (f fakeBlacklist) IsBlocked(_ context.Context, number string, _ time.Time) (bool, string, error) {
	return f.blocked[number], "spam", f.err
}

func TestScreeningCombinesBothLists(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	screen := Screening([]string{"anonymous"}, fakeBlacklist{blocked: map[string]bool{"+74950006666": true}}, log)
	for number, want := range map[string]int{"anonymous": 603, "+74950006666": 603, "+74951234567": 0} {
		if code, _ := screen(phone.ScreenRequest{Number: number}); code != want {
			t.Errorf("%q: code %d, want %d", number, code, want)
		}
	}
	failing := Screening(nil, fakeBlacklist{err: errors.New("database is locked")}, log)
	if code, _ := failing(phone.ScreenRequest{Number: "+74950006666"}); code != 0 {
		t.Errorf("a failing blacklist refused the call (%d); it must ring", code)
	}
	if code, _ := Screening([]string{"666"}, nil, log)(phone.ScreenRequest{Number: "666"}); code != 603 {
		t.Errorf("without a CRM the configured list must still block")
	}
}

func TestScreeningWithTheRealBlacklist(t *testing.T) {
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU"})
	c := f.open(t)
	defer c.Close()
	if _, err := c.Block(context.Background(), crm.BlockInput{Pattern: "8 800", Prefix: true}); err != nil {
		t.Fatal(err)
	}
	screen := Screening(nil, c, slog.New(slog.DiscardHandler))
	if code, reason := screen(phone.ScreenRequest{Number: "+78005553535"}); code != 603 || reason != "Decline" {
		t.Errorf("8 800 prefix: %d %q, want 603 Decline", code, reason)
	}
	if code, _ := screen(phone.ScreenRequest{Number: "+74951234567"}); code != 0 {
		t.Errorf("an unlisted number was refused")
	}
}

// A call is stored with the CRM's number key from its first event, linked
// to the contact by its end, with the operator and the measured quality.
func TestEngineStoresNumberContactOperatorAndQuality(t *testing.T) {
	f := newCRMFixture(t, crm.Settings{DefaultRegion: "RU"})
	c := f.open(t)
	ann, err := c.AddContact(context.Background(), crm.ContactInput{Name: "Ann", Numbers: []crm.PhoneInput{{Number: "+7 495 123-45-67"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()

	bus := phone.NewBus()
	eng := New(bus, f.repo, slog.New(slog.DiscardHandler))
	eng.SetOperator("olga")
	eng.UseCRM(CRMOptions{CRM: f.open(t)})
	go eng.Run(context.Background())
	events := incomingCall("q1", "8 (495) 123-45-67", time.Now().Add(-time.Minute), phone.ResultAnswered)
	bus.Publish(events[0])
	// Between the first event and the end the row already has the number
	// key (a crash here keeps it); the Engine writes synchronously per event,
	// so poll until the incoming event is in.
	var live history.Call
	for range 200 {
		if live, err = f.repo.Get(context.Background(), "q1"); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if live.RemoteE164 != "+74951234567" || live.Operator != "olga" {
		t.Errorf("live row e164 %q operator %q", live.RemoteE164, live.Operator)
	}
	ended := events[1]
	ended.Media = &phone.MediaStats{Codec: "PCMU", Jitter: jitter.Stats{Received: 96, Lost: 4, Late: 1, Jitter: 12 * time.Millisecond}}
	bus.Publish(ended)
	bus.Close()
	eng.Wait()

	call, err := f.repo.Get(context.Background(), "q1")
	if err != nil {
		t.Fatal(err)
	}
	if call.ContactID != ann.ID {
		t.Errorf("contact %d, want %d", call.ContactID, ann.ID)
	}
	// 5 of 100 expected packets were not played; 12 ms jitter.
	if call.Quality.LossPercent != 5 || call.Quality.JitterMillis != 12 {
		t.Errorf("quality %+v, want 5 %% loss and 12 ms jitter", call.Quality)
	}
	if want := history.EstimateMOS(5, 12, 0); call.Quality.MOS != want || !call.Quality.Measured() {
		t.Errorf("MOS %v, want %v", call.Quality.MOS, want)
	}
}

func TestCallQualityWithoutAudioIsNotMeasured(t *testing.T) {
	if q := callQuality(jitter.Stats{}); q.Measured() {
		t.Errorf("no packets gave quality %+v", q)
	}
	if q := callQuality(jitter.Stats{Received: 3, Duplicates: 3, Lost: 0}); q.Measured() {
		t.Errorf("only duplicates gave quality %+v", q)
	}
}
