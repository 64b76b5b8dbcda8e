package main

// The control socket's wiring into a session. serve (and the bare command
// without a terminal) use it; the console does the same in two calls:
//
//	claim, err := a.claimControl(ctx, cfg)      // before startSession
//	s, err := a.startSession(…)                 // claim.release() if this fails
//	stopControl, err := a.startControl(claim, s) // before s.start
//	…
//	s.close(); stopControl()                     // the last call.ended reaches the clients

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/control"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/phone"
)

// controlDrainTimeout bounds how long stopControl waits for the phone's
// last events (it is called after the session closed, when they are all
// there already).
const controlDrainTimeout = 2 * time.Second

// controlClaim is the control socket, claimed before the session starts
// so that a second instance stops before it touches the database.
type controlClaim struct {
	listeners *control.Listeners
	token     string
	accounts  []config.Account
}

// release gives the socket up when the session never started.
func (c *controlClaim) release() { c.listeners.Close() }

// claimControl takes the control socket of cfg ([control]).
func (a *app) claimControl(ctx context.Context, cfg *config.Config) (*controlClaim, error) {
	var token string
	if cfg.Control.TCPListen != "" {
		token = os.Getenv(cfg.Control.TokenEnv)
		if token == "" {
			return nil, withExit(exitUsage, fmt.Errorf("control.tcp_listen is set but the environment variable %s (control.token_env) is empty", cfg.Control.TokenEnv))
		}
	}
	ln, err := control.Claim(ctx, control.ClaimOptions{SocketPath: cfg.Control.Socket, TCPAddr: cfg.Control.TCPListen})
	if errors.Is(err, control.ErrAlreadyRunning) {
		return nil, fmt.Errorf("%w; talk to it with `switchboard ctl`, or stop it first", err)
	}
	if err != nil {
		return nil, err
	}
	return &controlClaim{listeners: ln, token: token, accounts: cfg.Accounts}, nil
}

// startControl serves the session on the claimed socket: commands go
// through the engine's Commands with the session's call audio, the phone's
// events and the CRM's notices go to subscribers. Call it before s.start
// (to see the first registration); call the returned stop after s.close.
func (a *app) startControl(claim *controlClaim, s *session) (func(), error) {
	commands := s.engine.Commands(s.phone, func(c engine.CallInfo) phone.Media {
		return s.callMedia(callInfo{direction: string(c.Direction), number: c.Number, id: c.ID})
	})
	opts := control.SessionOptions{Phone: s.phone, Commands: commands, CRM: s.crm,
		Accounts: claim.accounts, Recording: s.recording}
	if s.webhooks != nil { // a nil *Deliverer in the interface would not read as "none"
		opts.Webhooks = s.webhooks
	}
	target := control.NewSessionTarget(opts)
	srv, err := control.Serve(claim.listeners, control.Options{Target: target, Token: claim.token, Logger: s.log})
	if err != nil {
		claim.release()
		return nil, err
	}
	sub := s.phone.Subscribe()
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		control.ForwardPhoneEvents(sub, srv, target, s.log)
	}()
	removeTap := s.notices.add(func(n engine.Notice) { control.PublishNotice(srv, n, s.log) })
	return sync.OnceFunc(func() {
		select {
		case <-pumped: // the phone closed: every event was forwarded
		case <-time.After(controlDrainTimeout):
			s.log.Warn("control: stopped before the phone closed; its last events are not forwarded")
		}
		sub.Close()
		<-pumped
		removeTap()
		srv.Close()
	}), nil
}

// noticeTap passes the CRM's notices on to receivers that come after the
// session started (the control socket), besides the session's own notify.
// Like every notifier it must not block: receivers queue.
type noticeTap struct {
	mu        sync.Mutex
	next      int
	receivers map[int]func(engine.Notice)
}

// wrap returns notify followed by the tap's receivers.
func (t *noticeTap) wrap(notify func(engine.Notice)) func(engine.Notice) {
	return func(n engine.Notice) {
		notify(n)
		t.mu.Lock()
		receivers := make([]func(engine.Notice), 0, len(t.receivers))
		for _, r := range t.receivers {
			receivers = append(receivers, r)
		}
		t.mu.Unlock()
		for _, r := range receivers {
			r(n)
		}
	}
}

// add registers a receiver; the returned function removes it.
func (t *noticeTap) add(r func(engine.Notice)) func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.receivers == nil {
		t.receivers = map[int]func(engine.Notice){}
	}
	t.next++
	id := t.next
	t.receivers[id] = r
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.receivers, id)
	}
}
