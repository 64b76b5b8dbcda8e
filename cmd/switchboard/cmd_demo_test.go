package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

func TestDemoConfigLoads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(demoConfig(dir, "127.0.0.1:45060")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 1 || cfg.Accounts[0].Listen != "127.0.0.1:45060" || filepath.Dir(cfg.Database) != dir {
		t.Fatalf("config %+v", cfg)
	}
}

// The simulated caller's call reaches the console's account, from the
// caller number in the From user part.
func TestDemoCallerReachesTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	listen, err := freeUDPAddr()
	if err != nil {
		t.Fatal(err)
	}
	console, err := phone.New(phone.Options{Accounts: []config.Account{{Name: "demo", User: "operator", Domain: "127.0.0.1",
		Listen: listen, Transport: "udp", Expires: config.Duration{Duration: time.Minute}}}, Codecs: []string{"PCMU"}})
	if err != nil {
		t.Fatal(err)
	}
	sub := console.Subscribe()
	if err := console.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer console.Close()
	caller, err := startDemoCaller(ctx, "sip:operator@"+listen, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer caller.close()
	call, err := caller.callOnce(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer call.Hangup()
	for {
		select {
		case ev := <-sub.C:
			if ev.Kind != phone.CallIncoming {
				continue
			}
			if want := demoCallerNumbers()[0]; ev.Number != want {
				t.Fatalf("incoming call from %q, want %q", ev.Number, want)
			}
			return
		case <-ctx.Done():
			t.Fatal("the simulated call did not arrive")
		}
	}
}
