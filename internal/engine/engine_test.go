package engine

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/phone"
)

func openRepo(t *testing.T) *history.Repo {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return history.NewRepo(db)
}

func TestEngineRecordsACallFromItsFirstEvent(t *testing.T) {
	repo := openRepo(t)
	bus := phone.NewBus()
	eng := New(bus, repo, slog.New(slog.DiscardHandler))
	go eng.Run(context.Background())

	t0 := time.Now().Truncate(time.Millisecond)
	base := phone.Event{Account: "desk", CallID: "c1", Direction: phone.Inbound, Number: "5551234",
		RemoteURI: "sip:5551234@127.0.0.1", Line: "1001", DisplayName: "Ann"}
	for i, kind := range []phone.Kind{phone.CallIncoming, phone.CallAnswered, phone.CallEnded} {
		ev := base
		ev.Kind, ev.Time = kind, t0.Add(time.Duration(i)*time.Second)
		if kind == phone.CallAnswered {
			ev.Codec, ev.Recording = "PCMU", "/tmp/c1.wav"
		}
		if kind == phone.CallEnded {
			ev.Result, ev.HangupBy, ev.Reason = phone.ResultAnswered, "remote", "remote hung up"
		}
		bus.Publish(ev)
	}
	bus.Close()
	eng.Wait()

	c, err := repo.Get(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Result != "answered" || c.RemoteNumber != "5551234" || c.DialledLine != "1001" || c.DisplayName != "Ann" ||
		c.Codec != "PCMU" || c.Recording != "/tmp/c1.wav" || c.HangupBy != "remote" {
		t.Errorf("record %+v", c)
	}
	if !c.RingingAt.Equal(t0) || !c.AnsweredAt.Equal(t0.Add(time.Second)) || !c.EndedAt.Equal(t0.Add(2*time.Second)) {
		t.Errorf("times ringing %v answered %v ended %v, want t0, +1s, +2s", c.RingingAt, c.AnsweredAt, c.EndedAt)
	}
	if c.TalkTime() != time.Second {
		t.Errorf("talk time %v, want 1s", c.TalkTime())
	}
}

// A screened call only ever has call.ended: it must still get a row.
func TestEngineRecordsScreenedCall(t *testing.T) {
	repo := openRepo(t)
	bus := phone.NewBus()
	eng := New(bus, repo, slog.New(slog.DiscardHandler))
	go eng.Run(context.Background())
	bus.Publish(phone.Event{Kind: phone.CallEnded, Time: time.Now(), CallID: "s1", Direction: phone.Inbound,
		Number: "666", Result: phone.ResultBlacklisted, Code: 603, Reason: "Decline"})
	bus.Close()
	eng.Wait()
	c, err := repo.Get(context.Background(), "s1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Result != "blacklisted" || c.SIPCode != 603 {
		t.Errorf("record %+v, want blacklisted 603", c)
	}
}

func TestBlockList(t *testing.T) {
	screen := BlockList([]string{"+1 (555) 000-666", "anonymous"})
	cases := map[string]int{"+1555000666": 603, "1555000666": 603, "Anonymous": 603, "1555000667": 0, "": 0}
	for number, want := range cases {
		if got, _ := screen(phone.ScreenRequest{Number: number}); got != want {
			t.Errorf("%q: code %d, want %d", number, got, want)
		}
	}
	if got, _ := BlockList(nil)(phone.ScreenRequest{Number: ""}); got != 0 {
		t.Errorf("an empty block list blocked an empty number")
	}
}
