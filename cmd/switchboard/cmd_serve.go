package main

import (
	"context"
	"fmt"
)

// serve is `switchboard serve`, and the bare `switchboard` without a
// terminal: every account listens (and registers where configured) and
// events are printed until Ctrl-C.
func (a *app) serve(ctx context.Context) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	claim, err := a.claimControl(ctx, cfg)
	if err != nil {
		return err
	}
	s, err := a.startSession(ctx, cfg, sessionOptions{register: true, autoAnswer: true})
	if err != nil {
		claim.release()
		return err
	}
	defer s.close()
	stopControl, err := a.startControl(claim, s)
	if err != nil {
		return err
	}
	defer stopControl() // after s.close below (or inside a failed s.start)
	sub := s.phone.Subscribe()
	out := &printer{out: a.stdout}
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range sub.C {
			out.event(ev)
		}
	}()
	if err := s.start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	for _, acct := range cfg.Accounts {
		where := "no registrar: direct calls only"
		if acct.Register && acct.Registrar != "" {
			where = "registering at " + acct.Registrar
		}
		fmt.Fprintf(a.stdout, "[%s] %s listening on %s %s (%s)\n", acct.Name, acct.User, acct.Transport, acct.Listen, where)
	}
	fmt.Fprintf(a.stdout, "call history: %s\ncontrol socket: %s\nwaiting for calls; Ctrl-C to quit\n", cfg.Database, claim.listeners.SocketPath())
	<-ctx.Done()
	s.close()
	stopControl()
	<-printed
	return nil
}
