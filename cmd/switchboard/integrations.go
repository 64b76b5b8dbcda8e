package main

// Webhooks, the caller look-up and hooks (docs/webhooks.md), wired into a
// session. startSession calls newIntegrations before the phone exists (the
// look-up is part of its screening), start once the engine is set up, and
// session.close calls stop after the engine's last notice and before the
// database closes.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/internal/eventfilter"
	"github.com/switchboard/switchboard/internal/hook"
	"github.com/switchboard/switchboard/internal/rules"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/webhook"
	"github.com/switchboard/switchboard/phone"
)

const (
	// integrationsDrainTimeout bounds the wait for the phone's last events
	// at stop (the phone has closed by then, so they are all queued).
	integrationsDrainTimeout = 2 * time.Second
	// hookGrace is how long hooks still running at exit may finish.
	hookGrace = 5 * time.Second
	// lookupContextBound is an outer bound on the look-up besides its own
	// [lookup] timeout, should the configuration ever allow more.
	lookupContextBound = 3 * time.Second
)

// integrations feed the session's events to webhooks and hooks and ask the
// look-up URL about incoming calls. Each part is nil when not configured.
type integrations struct {
	cfg    *config.Config
	log    *slog.Logger
	stderr func(format string, args ...any)

	endpoints []webhook.Endpoint
	lookup    *webhook.Lookup
	names     *webhook.CallerNames
	hooks     *hook.Runner
	deliverer *webhook.Deliverer
	rules     []rules.Rule
	session   *ruleSession // integrations_rules.go
}

// newIntegrations reads the secrets (from the environment variables the
// configuration names) and prepares what is configured; nothing runs yet.
func newIntegrations(cfg *config.Config, log *slog.Logger, stderr func(string, ...any)) (*integrations, error) {
	in := &integrations{cfg: cfg, log: log, stderr: stderr, names: webhook.NewCallerNames()}
	for _, w := range cfg.Webhooks {
		secret, err := w.Secret(os.Getenv)
		if err != nil {
			return nil, err
		}
		in.endpoints = append(in.endpoints, webhook.Endpoint{URL: w.URL, Events: eventfilter.Filter(w.Events),
			Secret: secretBytes(secret), Timeout: w.Timeout.Duration})
	}
	if cfg.Lookup.URL != "" {
		secret, err := cfg.Lookup.Secret(os.Getenv)
		if err != nil {
			return nil, err
		}
		in.lookup = &webhook.Lookup{URL: cfg.Lookup.URL, Secret: secretBytes(secret), Timeout: cfg.Lookup.Timeout.Duration}
	}
	compiled, err := compileRules(cfg)
	if err != nil {
		return nil, err
	}
	in.rules = compiled
	if len(cfg.Hooks) > 0 {
		hooks := make([]hook.Hook, 0, len(cfg.Hooks))
		for _, h := range cfg.Hooks {
			hooks = append(hooks, hook.Hook{Events: eventfilter.Filter(h.Events), Command: h.Command, Timeout: h.Timeout.Duration})
		}
		in.hooks = hook.NewRunner(hook.Options{Hooks: hooks, Log: log, Withheld: secretVariables(cfg)})
	}
	return in, nil
}

func secretBytes(secret string) []byte {
	if secret == "" {
		return nil
	}
	return []byte(secret)
}

// secretVariables are the environment variables holding the configuration's
// secrets: hooks do not inherit them.
func secretVariables(cfg *config.Config) []string {
	names := []string{cfg.Control.TokenEnv, cfg.Lookup.SecretEnv}
	for _, a := range cfg.Accounts {
		names = append(names, a.PasswordEnv)
	}
	for _, w := range cfg.Webhooks {
		names = append(names, w.SecretEnv)
	}
	return names
}

// screening asks the look-up URL about a call that next let through. A
// failed or late look-up lets the call ring as if nothing had been asked.
func (in *integrations) screening(next phone.Screening) phone.Screening {
	if in.lookup == nil {
		return next
	}
	return func(req phone.ScreenRequest) (int, string) {
		if code, reason := next(req); code != 0 {
			return code, reason // refused already: the URL need not hear of it
		}
		ctx, cancel := context.WithTimeout(context.Background(), lookupContextBound)
		defer cancel()
		answer, err := in.lookup.Ask(ctx, webhook.LookupRequest{Account: req.Account, Number: req.Number,
			DisplayName: req.DisplayName, Line: req.Line, RemoteURI: req.RemoteURI})
		if err != nil {
			in.log.Warn("caller look-up failed; the call rings", "number", req.Number, "error", err)
			return 0, ""
		}
		if code, reason := answer.RejectCode(); code != 0 {
			in.log.Info("caller look-up rejected the call", "number", req.Number, "code", code)
			return code, reason
		}
		if answer.CallerName != "" {
			in.names.Remember(req.Account, req.RemoteURI, req.Line, answer.CallerName)
		}
		return 0, ""
	}
}

// callerName is the look-up's name for an incoming call (for its card).
func (in *integrations) callerName(ev phone.Event) string {
	if in.lookup == nil || ev.Direction != phone.Inbound {
		return ""
	}
	return in.names.Name(ev.Account, ev.RemoteURI, ev.Line)
}

// start subscribes to the phone and the CRM's notices and starts delivering;
// the returned function stops it all (after the phone closed). A webhook
// outbox that cannot be prepared is reported, and the session goes on
// without webhooks: they must never keep the phone from working.
func (in *integrations) start(ctx context.Context, ph *phone.Phone, db *store.DB, notices *noticeTap) func() {
	if len(in.endpoints) == 0 && in.hooks == nil && len(in.rules) == 0 {
		return func() {}
	}
	if len(in.endpoints) > 0 {
		d := webhook.New(webhook.Options{DB: db.SQL(), Endpoints: in.endpoints, Log: in.log})
		if err := d.Start(ctx); err != nil {
			in.log.Error("webhooks not started", "error", err)
			in.stderr("switchboard: webhooks are off: %v\n", err)
		} else {
			in.deliverer = d
		}
	}
	executor := in.startRules() // after the deliverer: rules may call webhooks
	sub := ph.Subscribe()
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for ev := range sub.C {
			in.publish(string(ev.Kind), ev, func() map[string]string { return hook.PhoneFields(ev) })
			if executor != nil {
				executor.Submit(ev)
			}
		}
	}()
	removeTap := notices.add(func(n engine.Notice) {
		in.publish(n.Kind, n, func() map[string]string { return noticeFields(n) })
	})
	return sync.OnceFunc(func() {
		select {
		case <-pumped:
		case <-time.After(integrationsDrainTimeout):
			in.log.Warn("integrations: stopped before the phone closed; its last events are not passed on")
		}
		sub.Close()
		<-pumped
		removeTap()
		if executor != nil {
			executor.Close() // before the hooks and webhooks it uses
		}
		if in.hooks != nil {
			in.hooks.Close(hookGrace)
		}
		if in.deliverer != nil {
			in.deliverer.Close()
			if s := in.deliverer.Stats(); s.Dropped > 0 || s.Lost > 0 {
				in.stderr("switchboard: webhooks: %d event(s) dropped because the outbox was full, %d lost (see the log)\n", s.Dropped, s.Lost)
			}
		}
	})
}

// publish hands one event to the webhooks and the hooks; neither waits.
func (in *integrations) publish(name string, event any, fields func() map[string]string) {
	payload, err := json.Marshal(event)
	if err != nil {
		in.log.Error("integrations: event not encoded", "event", name, "error", err)
		return
	}
	if in.deliverer != nil {
		in.deliverer.Publish(name, payload)
	}
	if in.hooks != nil {
		in.hooks.Handle(hook.Event{Name: name, JSON: payload, Fields: fields()})
	}
}

// noticeFields are the SWITCHBOARD_* variables of a CRM notice.
func noticeFields(n engine.Notice) map[string]string {
	fields := map[string]string{"TIME": n.Time.UTC().Format("2006-01-02T15:04:05.000Z")}
	if n.CallID != "" {
		fields["CALL_ID"] = n.CallID
	}
	if c := n.Card; c != nil {
		fields["NUMBER"] = c.Number
		if c.Contact != nil {
			fields["CONTACT_ID"] = fmt.Sprint(c.Contact.ID)
			fields["CONTACT_NAME"] = c.Contact.Name
		}
		if c.CallerName != "" {
			fields["CALLER_NAME"] = c.CallerName
		}
	}
	if d := n.Due; d != nil {
		fields["TASK_ID"] = fmt.Sprint(d.Task.ID)
	}
	return fields
}
