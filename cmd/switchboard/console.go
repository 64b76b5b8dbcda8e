package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
	"github.com/switchboard/switchboard/ui"
	"github.com/switchboard/switchboard/ui/calls"
	"github.com/switchboard/switchboard/ui/dialer"
	"github.com/switchboard/switchboard/ui/statusline"
)

// Bounds of what the dialer suggests: more would not fit the pane.
const (
	hintContacts = 5
	hintRecent   = 3
)

// meterFloorDB is the level shown as an empty meter. Speech sits between
// about -40 and -10 dBFS; below -60 is room noise, not worth a bar.
const meterFloorDB = -60.0

// consoleBackend is the console's ui.Backend over a running session: call
// control through the engine's Commands, the CRM, the history and the note
// saver. Every method is one short step onto those; the console calls them
// from its commands, never from Update.
type consoleBackend struct {
	consoleDeps
	devices statusline.Devices

	mu sync.Mutex
	// accounts follows the registration state through the phone's events
	// (observe), so that Status, asked after the phone started, is not
	// older than the events the console has already shown.
	accounts statusline.Model
}

var _ ui.Backend = (*consoleBackend)(nil)

// consoleDeps are the parts of a running session the console works on.
type consoleDeps struct {
	phone    *phone.Phone
	commands *engine.Commands
	crm      *crm.CRM
	calls    callAnnotator
	notes    noteFlusher
	player   recordingPlayer
	// dispositions are the wrap-up codes of the configuration.
	dispositions []string
}

// callAnnotator is what the console needs of the history (a
// *history.Repo; tests use a fake).
type callAnnotator interface {
	List(ctx context.Context, filter history.Filter, page history.Page) ([]history.Call, string, error)
	Get(ctx context.Context, id string) (history.Call, error)
	SetNotes(ctx context.Context, id, text string) error
	SetDisposition(ctx context.Context, id, code string) error
}

// noteFlusher is the note saver (*engine.NoteSaver).
type noteFlusher interface {
	Type(callID, text string) error
	Flush(ctx context.Context) error
}

// recordingPlayer plays a WAV on the output device (*sound.Backend).
type recordingPlayer interface {
	PlayFile(ctx context.Context, path string) (time.Duration, error)
}

// consoleAccount is one account as the console starts with it.
type consoleAccount struct {
	name      string
	registers bool // a registration state will follow as events
	dnd       bool // do-not-disturb from the configuration
}

func newConsoleBackend(deps consoleDeps, accounts []consoleAccount, devices statusline.Devices) *consoleBackend {
	b := &consoleBackend{consoleDeps: deps, devices: devices, accounts: statusline.New(nil)}
	initial := make([]statusline.Account, 0, len(accounts))
	for _, a := range accounts {
		state := statusline.RegOff
		if a.registers {
			state = statusline.RegUnknown
		}
		initial = append(initial, statusline.Account{Name: a.name, State: state, DND: a.dnd})
	}
	b.accounts.SetAccounts(initial)
	return b
}

// observe follows an event before the console sees it: registration
// state for Status.
func (b *consoleBackend) observe(ev phone.Event) {
	if ev.CallID != "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.accounts.Apply(ev)
}

func (b *consoleBackend) Status(context.Context) (ui.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return ui.Status{Accounts: append([]statusline.Account(nil), b.accounts.Accounts()...), Devices: b.devices}, nil
}

func (b *consoleBackend) Dial(ctx context.Context, account, target string) (string, error) {
	call, err := b.commands.Dial(ctx, account, target)
	if err != nil {
		return "", err
	}
	return call.ID, nil
}

func (b *consoleBackend) Redial(ctx context.Context, account string) (string, error) {
	call, err := b.commands.Redial(ctx, account)
	if err != nil {
		return "", err
	}
	return call.ID, nil
}

func (b *consoleBackend) Answer(ctx context.Context, callID string) error {
	return b.commands.Answer(ctx, callID)
}

// Reject refuses with the engine's default (486 Busy Here): the caller's
// phone offers voicemail or a retry, as it does when the line is busy.
func (b *consoleBackend) Reject(ctx context.Context, callID string) error {
	return b.commands.Reject(ctx, callID, 0)
}

func (b *consoleBackend) Hangup(ctx context.Context, callID string) error {
	return b.commands.Hangup(ctx, callID)
}

func (b *consoleBackend) Hold(ctx context.Context, callID string) error {
	return b.commands.Hold(ctx, callID)
}

func (b *consoleBackend) Resume(ctx context.Context, callID string) error {
	return b.commands.Resume(ctx, callID)
}

func (b *consoleBackend) Mute(ctx context.Context, callID string, muted bool) error {
	return b.commands.Mute(ctx, callID, muted)
}

func (b *consoleBackend) SendDTMF(ctx context.Context, callID, digits string) error {
	return b.commands.SendDTMF(ctx, callID, digits)
}

func (b *consoleBackend) Transfer(ctx context.Context, callID, target string) error {
	return b.commands.Transfer(ctx, callID, target)
}

func (b *consoleBackend) SetDND(ctx context.Context, account string, on bool) error {
	if err := b.commands.SetDND(ctx, account, on); err != nil {
		return err
	}
	b.mu.Lock()
	b.accounts.SetDND(account, on)
	b.mu.Unlock()
	return nil
}

func (b *consoleBackend) CreateCallbackTask(ctx context.Context, callID, number string, in time.Duration) (crm.Task, error) {
	task, err := b.crm.AddTask(ctx, crm.TaskInput{Kind: crm.TaskCallback, Number: number, SourceCallID: callID, In: in})
	if err != nil {
		return crm.Task{}, fmt.Errorf("callback task: %w", err)
	}
	return task, nil
}

func (b *consoleBackend) CreateContact(ctx context.Context, input crm.ContactInput) (crm.Contact, error) {
	return b.crm.AddContact(ctx, input)
}

func (b *consoleBackend) CreateCase(ctx context.Context, input crm.CaseInput) (crm.Case, error) {
	return b.crm.AddCase(ctx, input)
}

func (b *consoleBackend) Card(ctx context.Context, number, callID string) (crm.Card, error) {
	return b.crm.BuildCard(ctx, crm.CardRequest{Number: number, CallID: callID})
}

// Tasks are the open tasks, soonest due first: the screen puts due ones on
// top and counts them for the badge.
func (b *consoleBackend) Tasks(ctx context.Context) ([]crm.Task, error) {
	return b.crm.ListTasks(ctx, crm.TaskFilter{})
}

func (b *consoleBackend) CompleteTask(ctx context.Context, id int64) error {
	return b.crm.CompleteTask(ctx, id)
}

func (b *consoleBackend) SnoozeTask(ctx context.Context, id int64, until time.Time) error {
	return b.crm.SnoozeTask(ctx, id, until)
}

func (b *consoleBackend) History(ctx context.Context, filter history.Filter, page history.Page) ([]history.Call, string, error) {
	return b.calls.List(ctx, filter, page)
}

// DialHints says what a number will be dialled as and suggests contacts
// whose name or number matches, then recent calls with the number.
func (b *consoleBackend) DialHints(ctx context.Context, query string) (dialer.Hints, error) {
	hints := dialer.Hints{Query: query}
	query = strings.TrimSpace(query)
	if query == "" {
		return hints, nil
	}
	if looksLikeNumber(query) {
		number := b.crm.Normalize(query)
		if number.Valid() {
			hints.Normalised, hints.Valid = b.crm.Numbers().Format(number), true
		} else {
			hints.Problem = "not a number that can be dialled"
		}
	} else {
		// A SIP user or URI is dialled as typed; a name picks a suggestion.
		hints.Valid = !strings.ContainsRune(query, ' ')
	}
	contacts, err := b.crm.FindContacts(ctx, query, hintContacts)
	if err != nil {
		return hints, fmt.Errorf("dial hints: %w", err)
	}
	for _, contact := range contacts {
		for _, n := range contact.Numbers {
			label := contact.Name
			if n.Label != "" {
				label += " (" + n.Label + ")"
			}
			hints.Suggestions = append(hints.Suggestions, dialer.Suggestion{Label: label, Number: n.Raw, Source: "contact"})
		}
	}
	if !looksLikeNumber(query) {
		return hints, nil
	}
	recent, _, err := b.calls.List(ctx, history.Filter{Number: query}, history.Page{Size: hintRecent})
	if err != nil {
		return hints, fmt.Errorf("dial hints: %w", err)
	}
	for _, c := range recent {
		label := c.RemoteNumber
		if c.DisplayName != "" {
			label = c.DisplayName + " <" + c.RemoteNumber + ">"
		}
		hints.Suggestions = append(hints.Suggestions, dialer.Suggestion{Label: label, Number: c.RemoteNumber, Source: "recent"})
	}
	return hints, nil
}

// looksLikeNumber: digits with the usual punctuation of a written number.
func looksLikeNumber(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune(" +-().*#/", r):
		default:
			return false
		}
	}
	return digits > 0
}

func (b *consoleBackend) TypeNotes(callID, text string) error {
	return b.notes.Type(callID, text)
}

// Meter reads the call's media counters; they are atomics in the media
// pump, so this never waits for the audio path.
func (b *consoleBackend) Meter(callID string) (calls.Meter, bool) {
	call, ok := b.phone.Call(callID)
	if !ok {
		return calls.Meter{}, false
	}
	stats, err := call.MediaStats()
	if err != nil {
		return calls.Meter{}, false
	}
	return meterOf(stats), true
}

// meterOf turns the media's figures into the calls pane's: levels on a
// dB scale (how loudness is heard), and loss counted as the history
// counts it (lost and late packets are both gaps to the listener).
func meterOf(stats phone.MediaStats) calls.Meter {
	m := calls.Meter{
		InLevel:      levelFraction(stats.Input.Peak),
		OutLevel:     levelFraction(stats.Output.Peak),
		JitterMillis: float64(stats.Jitter.Jitter) / float64(time.Millisecond),
	}
	j := stats.Jitter
	expected := float64(j.Received - j.Duplicates + j.Lost)
	if expected <= 0 {
		return m // nothing received yet: no quality to show
	}
	m.LossPercent = min(100, 100*float64(j.Lost+j.Late)/expected)
	m.MOS = history.EstimateMOS(m.LossPercent, m.JitterMillis, 0)
	return m
}

// levelFraction maps dBFS to the meter's 0..1: meterFloorDB and below are
// empty, 0 dBFS is full.
func levelFraction(db float64) float64 {
	if math.IsNaN(db) {
		return 0
	}
	return min(1, max(0, (db-meterFloorDB)/-meterFloorDB))
}
