package control

import (
	"context"
	"fmt"
	"sync"
)

// fakeTarget records what the server asked of it. Calls exist once dialled.
type fakeTarget struct {
	mu    sync.Mutex
	calls map[string]CallInfo
	log   []string
	next  int
}

func newFakeTarget() *fakeTarget { return &fakeTarget{calls: map[string]CallInfo{}} }

func (f *fakeTarget) record(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf(format, a...))
}

func (f *fakeTarget) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeTarget) onCall(what, id string) error {
	f.mu.Lock()
	_, ok := f.calls[id]
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("call %q: %w", id, ErrNotFound)
	}
	f.record("%s %s", what, id)
	return nil
}

func (f *fakeTarget) Status(context.Context) (Status, error) {
	return Status{PID: 1, Calls: len(f.calls)}, nil
}

func (f *fakeTarget) Accounts(context.Context) ([]AccountInfo, error) {
	return []AccountInfo{{Name: "desk", User: "1001", Transport: "udp"}}, nil
}

func (f *fakeTarget) Register(_ context.Context, account string) (AccountInfo, error) {
	f.record("register %s", account)
	return AccountInfo{Name: "desk"}, nil
}

func (f *fakeTarget) Dial(_ context.Context, account, target string) (CallInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	c := CallInfo{CallID: fmt.Sprintf("call-%d", f.next), Account: account, Direction: "out", State: "dialling", RemoteURI: target}
	f.calls[c.CallID] = c
	f.log = append(f.log, "dial "+target)
	return c, nil
}

func (f *fakeTarget) Answer(_ context.Context, id string) error { return f.onCall("answer", id) }
func (f *fakeTarget) Reject(_ context.Context, id string, code int) error {
	return f.onCall(fmt.Sprintf("reject %d", code), id)
}
func (f *fakeTarget) Hangup(_ context.Context, id string) error { return f.onCall("hangup", id) }
func (f *fakeTarget) Hold(_ context.Context, id string) error   { return f.onCall("hold", id) }
func (f *fakeTarget) Resume(_ context.Context, id string) error { return f.onCall("resume", id) }
func (f *fakeTarget) Mute(_ context.Context, id string, on bool) error {
	return f.onCall(fmt.Sprintf("mute %t", on), id)
}
func (f *fakeTarget) SendDTMF(_ context.Context, id, digits string) error {
	return f.onCall("dtmf "+digits, id)
}
func (f *fakeTarget) Transfer(_ context.Context, id, target string) error {
	return f.onCall("transfer "+target, id)
}
func (f *fakeTarget) Record(_ context.Context, id string, on bool) (string, error) {
	return "/tmp/x.wav", f.onCall(fmt.Sprintf("record %t", on), id)
}

func (f *fakeTarget) Calls(context.Context) ([]CallInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []CallInfo{}
	for _, c := range f.calls {
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeTarget) Card(_ context.Context, number, line string) (any, error) {
	f.record("card %s %s", number, line)
	return map[string]any{"number": number, "known": false}, nil
}

func (f *fakeTarget) FindContacts(_ context.Context, query string, limit int) (any, error) {
	f.record("find %q %d", query, limit)
	return []any{}, nil
}

func (f *fakeTarget) AddTask(_ context.Context, task TaskRequest) (any, error) {
	f.record("task %s in=%s note=%s", task.Number, task.In, task.Note)
	return map[string]any{"id": 7}, nil
}

func (f *fakeTarget) ListTasks(_ context.Context, view, assignee string, limit int) (any, error) {
	f.record("tasks %s %s %d", view, assignee, limit)
	return []any{}, nil
}
