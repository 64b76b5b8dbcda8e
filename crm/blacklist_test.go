package crm

import (
	"errors"
	"testing"
	"time"
)

func TestBlacklistPrefixesAndExpiry(t *testing.T) {
	env := newTestEnv(t, testSettings())
	mustBlock := func(input BlockInput) BlockEntry {
		t.Helper()
		entry, err := env.crm.Block(env.ctx, input)
		if err != nil {
			t.Fatal(err)
		}
		return entry
	}
	mustBlock(BlockInput{Pattern: "8 800", Prefix: true, Reason: "toll-free spam"})
	mustBlock(BlockInput{Pattern: "+7 800 555", Prefix: true, Reason: "that one call centre"})
	mustBlock(BlockInput{Pattern: "+7 916 111-22-33", Reason: "rude"})
	temporary := mustBlock(BlockInput{Pattern: "007 495 000 00 00", Reason: "for a day", ExpiresAt: testStart.Add(24 * time.Hour)})
	mustBlock(BlockInput{Pattern: "0 12 345 67 89 01", Reason: "unparsed exact"})

	tests := []struct {
		number     string
		at         time.Time
		wantReason string // "" = not blocked
	}{
		{"8 800 100-00-00", testStart, "toll-free spam"},
		{"+78001000000", testStart, "toll-free spam"},
		{"8 (800) 555-35-35", testStart, "that one call centre"}, // the longer prefix wins
		{"89161112233", testStart, "rude"},
		{"+7 916 111-22-34", testStart, ""},
		{"+7 495 000-00-00", testStart, "for a day"},
		{"+7 495 000-00-00", testStart.Add(24 * time.Hour), ""}, // expired exactly then
		{"+7 495 000-00-00", testStart.Add(48 * time.Hour), ""},
		{"8 800 12345", testStart, "toll-free spam"}, // an unparsed national number under the prefix
		{"0 12 345 67 89 01", testStart, "unparsed exact"},
		{"anonymous", testStart, ""},
		{"", testStart, ""},
		{"101", testStart, ""},
	}
	for _, test := range tests {
		blocked, reason, err := env.crm.IsBlocked(env.ctx, test.number, test.at)
		if err != nil {
			t.Fatal(err)
		}
		if blocked != (test.wantReason != "") || reason != test.wantReason {
			t.Errorf("IsBlocked(%q, %v) = %v %q; want %q", test.number, test.at, blocked, reason, test.wantReason)
		}
	}

	active, err := env.crm.Blacklist(env.ctx, testStart.Add(48*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	all, err := env.crm.Blacklist(env.ctx, testStart.Add(48*time.Hour), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || len(active) != 4 {
		t.Errorf("list: %d active, %d all; want 4 and 5", len(active), len(all))
	}
	if !temporary.ExpiresAt.Equal(testStart.Add(24*time.Hour)) || !temporary.Expired(testStart.Add(24*time.Hour)) {
		t.Errorf("temporary entry = %+v", temporary)
	}

	// Blocking again replaces; unblocking removes.
	again := mustBlock(BlockInput{Pattern: "+7 800", Prefix: true, Reason: "changed"})
	if _, reason, _ := env.crm.IsBlocked(env.ctx, "88001000000", testStart); reason != "changed" {
		t.Errorf("reason after re-block = %q", reason)
	}
	if err := env.crm.Unblock(env.ctx, again.ID); err != nil {
		t.Fatal(err)
	}
	if blocked, _, _ := env.crm.IsBlocked(env.ctx, "88001000000", testStart); blocked {
		t.Error("still blocked after unblock")
	}
	if err := env.crm.UnblockNumber(env.ctx, "8 916 111 22 33", false); err != nil {
		t.Fatal(err)
	}
	if err := env.crm.Unblock(env.ctx, again.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unblock: %v", err)
	}
	for _, bad := range []BlockInput{{Pattern: "spam"}, {Pattern: "abc", Prefix: true}, {Pattern: ""}} {
		if _, err := env.crm.Block(env.ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Block(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
