package main

// The [[rules]] (docs/rules.md) in a session: the executor is fed the same
// phone events as the hooks and acts through the session's CRM, history,
// notices, webhooks and a hook runner.

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/internal/eventfilter"
	"github.com/switchboard/switchboard/internal/hook"
	"github.com/switchboard/switchboard/internal/rules"
)

// ruleSession is what the rules act on, given by startSession.
type ruleSession struct {
	crm    *crm.CRM
	calls  *history.Repo
	notify func(engine.Notice)
}

// useSession hands the integrations the session's CRM, history and
// notices; without it (or without rules) no rule runs.
func (in *integrations) useSession(c *crm.CRM, calls *history.Repo, notify func(engine.Notice)) {
	in.session = &ruleSession{crm: c, calls: calls, notify: notify}
}

// startRules starts the executor; nil when there is nothing to run.
func (in *integrations) startRules() *rules.Executor {
	if len(in.rules) == 0 || in.session == nil {
		return nil
	}
	s := in.session
	hooks := in.hooks
	if hooks == nil {
		hooks = hook.NewRunner(hook.Options{Log: in.log, Withheld: secretVariables(in.cfg)})
		in.hooks = hooks // closed with the others at stop
	}
	perform := rules.Performers{CRM: s.crm, Tagger: s.calls, Notifier: noticeNotifier(s.notify), Hooks: hookStarter{hooks},
		WebhookURL: func(name string) (string, bool) {
			w, found := in.cfg.FindWebhook(name)
			return w.URL, found
		}}
	if in.deliverer != nil {
		perform.Webhooks = in.deliverer
	}
	gatherer := rules.Gatherer{Cards: s.crm, Calls: s.calls, Location: crmLocation(s.crm)}
	return rules.NewExecutor(in.rules, gatherer, perform, in.log)
}

// compileRules prepares the configured rules (validated by config.Load).
func compileRules(cfg *config.Config) ([]rules.Rule, error) {
	return rules.Compile(cfg.Rules)
}

// noticeNotifier shows a rule's notify action as an engine notice: the
// console and serve print it like the CRM's.
type noticeNotifier func(engine.Notice)

func (n noticeNotifier) Notify(_ context.Context, rule, callID, text string, bell bool) {
	n(engine.Notice{Kind: engine.NoticeRule, Time: time.Now(), CallID: callID, Rule: rule, Text: text, Bell: bell})
}

// hookStarter runs a rule's hook action on the session's hook runner, so
// it shares the bound on hooks running at once.
type hookStarter struct{ runner *hook.Runner }

func (h hookStarter) RunHook(command []string, timeout time.Duration, event string, payload []byte, fields map[string]string) {
	h.runner.Start(hook.Hook{Events: eventfilter.Filter{"*"}, Command: command, Timeout: timeout},
		hook.Event{Name: event, JSON: payload, Fields: fields})
}
