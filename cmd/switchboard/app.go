package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/engine"
	"github.com/switchboard/switchboard/internal/sound"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/webhook"
	"github.com/switchboard/switchboard/phone"
)

// app holds what every command shares: the global flags and the output streams.
type app struct {
	configPath string
	stdout     io.Writer
	stderr     io.Writer
}

// loadConfig reads the configuration; a missing default file is created with
// commented defaults. Problems in the file are usage errors (exit 2).
func (a *app) loadConfig() (*config.Config, error) {
	path := a.configPath
	if path == "" {
		path = config.DefaultPath()
	}
	var cfg *config.Config
	var err error
	if a.configPath == "" {
		var created bool
		cfg, created, err = config.LoadOrCreate(path)
		if created {
			fmt.Fprintf(a.stderr, "switchboard: wrote a default configuration to %s\n", path)
		}
	} else {
		cfg, err = config.Load(path)
	}
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	for _, w := range config.CheckPermissions(path, cfg) {
		fmt.Fprintln(a.stderr, "switchboard: warning:", w)
	}
	return cfg, nil
}

// openLog sends logs to the configured file: the terminal belongs to the output.
func openLog(cfg *config.Config) (*slog.Logger, func(), error) {
	if cfg.LogFile == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.LogFile), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create log directory: %w", err)
	}
	f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log file: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: configLogLevel(cfg)}))
	// sipgo's transport and transaction layers log through its package default;
	// point it at our file so that nothing reaches the terminal.
	sip.SetDefaultLogger(logger)
	return logger, func() { _ = f.Close() }, nil
}

// configLogLevel is log_level as slog's level; the file was validated, so
// an unreadable level cannot occur and falls back to info.
func configLogLevel(cfg *config.Config) slog.Level {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	return level
}

// session is a running phone with its history engine: what dial, answer and the
// bare command share.
type session struct {
	phone     *phone.Phone
	engine    *engine.Engine
	crm       *crm.CRM      // owned by the engine, which closes it
	calls     *history.Repo // the engine's history
	sound     *sound.Backend
	recording config.Recording
	db        *store.DB
	log       *slog.Logger
	stderr    io.Writer
	closeFn   func()
	stopPurge func() // cancels the retention purge and waits for it
	// notices hands the CRM's notices also to the control socket, which
	// starts after the session (control.go).
	notices noticeTap
	// stopIntegrations stops the webhooks and hooks (integrations.go).
	stopIntegrations func()
	webhooks         *webhook.Deliverer // for ctl status; nil without webhooks
	rulesCRM         *crm.CRM           // the rules' own CRM; nil without rules
}

// callInfo is what naming a call's recording needs.
type callInfo struct{ direction, number, id string }

// callMedia is the configured audio of a call, recorded when recording.auto is on.
func (s *session) callMedia(c callInfo) phone.Media {
	m := s.sound.Media()
	if !s.recording.Auto {
		return m
	}
	path, err := engine.RecordingPath(s.recording, c.direction, c.number, "", c.id, time.Now())
	if err != nil {
		fmt.Fprintln(s.stderr, "switchboard: call not recorded:", err)
		return m
	}
	m.RecordPath = path
	return m
}

type sessionOptions struct {
	account    string // "" = every account (bare command); else just this one
	listen     string // overrides the account's listen address
	register   bool   // keep registrations (answer, bare command)
	autoAnswer bool   // answer calls of auto_answer accounts with the sound backend's audio
	// parallelCalls: every call plays its own file, so answering one does
	// not hold the others (answer --calls N --play).
	parallelCalls bool
	// notify receives the CRM's notices (the console shows them); nil:
	// they are printed on stdout like the phone's events.
	notify func(engine.Notice)
}

func (a *app) startSession(ctx context.Context, cfg *config.Config, o sessionOptions) (*session, error) {
	accounts := slices.Clone(cfg.Accounts)
	if o.account != "" || o.listen != "" {
		acct, err := cfg.Account(o.account)
		if err != nil {
			return nil, withExit(exitUsage, err)
		}
		one := *acct
		if o.listen != "" {
			one.Listen = o.listen
		}
		accounts = []config.Account{one}
	}
	if !o.register {
		for i := range accounts {
			accounts[i].Register = false
		}
	}
	music, err := holdMusic(cfg.Calls.HoldMusic)
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	log, closeLog, err := openLog(cfg)
	if err != nil {
		return nil, err
	}
	integ, err := newIntegrations(cfg, log, func(f string, args ...any) { fmt.Fprintf(a.stderr, f, args...) })
	if err != nil {
		closeLog()
		return nil, withExit(exitUsage, err)
	}
	snd, err := sound.Open(cfg.Audio, log)
	if err != nil {
		closeLog()
		return nil, withExit(exitUsage, err)
	}
	if n := snd.Notice(); n != "" {
		fmt.Fprintln(a.stderr, "switchboard:", n)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		snd.Close()
		closeLog()
		return nil, fmt.Errorf("open call history: %w", err)
	}
	contacts, err := newCRM(db, cfg)
	if err != nil {
		_ = db.Close()
		snd.Close()
		closeLog()
		return nil, err
	}
	s := &session{sound: snd, recording: cfg.Recording, stderr: a.stderr}
	var autoAnswer func(*phone.Call) phone.Media
	if o.autoAnswer {
		autoAnswer = func(c *phone.Call) phone.Media {
			return s.callMedia(callInfo{direction: string(c.Direction), number: c.Number, id: c.ID})
		}
	}
	warnInsecureTLS(a.stderr, accounts)
	ph, err := phone.New(phone.Options{
		Accounts:       accounts,
		Codecs:         cfg.Audio.Codecs,
		RingTimeout:    cfg.Calls.RingTimeout.Duration,
		MaxDuration:    cfg.Calls.MaxDuration.Duration,
		MaxCalls:       cfg.Calls.MaxCalls,
		TalkInParallel: o.parallelCalls,
		HoldMusic:      music,
		JitterMin:      cfg.Audio.JitterMin.Duration,
		JitterMax:      cfg.Audio.JitterMax.Duration,
		Screening:      integ.screening(engine.Screening(cfg.Screening.Blocked, contacts, log)),
		AutoAnswer:     autoAnswer,
		Tones:          snd.Tones(),
		Security:       cfg.Security,
		Version:        buildVersion(), // on the wire only with show_version
		Logger:         log,
	})
	if err != nil {
		_ = contacts.Close()
		_ = db.Close()
		snd.Close()
		closeLog()
		return nil, withExit(exitUsage, err)
	}
	calls := history.NewRepo(db)
	eng := engine.New(ph, calls, log)
	eng.SetOperator(cfg.Operator)
	a.stdout = serialized(a.stdout) // before the command makes its printer from it
	notify, stopNotices := o.notify, func() {}
	if notify == nil {
		notices := a.printNotices(jsonOutput(ctx), crmLocation(contacts))
		notify, stopNotices = notices.push, notices.stop
	}
	notify = s.notices.wrap(notify)
	// The engine owns the CRM from here and closes it after its last call;
	// the program watching every account (serve, the console) is the one
	// that shows reminders.
	eng.UseCRM(engine.CRMOptions{CRM: contacts, Notify: notify, WatchTasks: o.account == "", CallerName: integ.callerName})
	if n, err := eng.Recover(ctx); err != nil {
		log.Error("recover interrupted calls", "error", err)
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "switchboard: %d call(s) were interrupted by an earlier crash; marked in the history\n", n)
	}
	s.stopPurge = a.purgeOldRecordings(calls, cfg.Recording.RetentionDays, log)
	// close() runs closeFn after the engine has stopped: the last notices
	// are printed before the log closes. close() may run twice.
	s.phone, s.engine, s.db, s.log, s.crm, s.calls = ph, eng, db, log, contacts, calls
	s.closeFn = sync.OnceFunc(func() {
		stopNotices()
		closeLog()
	})
	snd.OnDeviceChange(func(ev sound.DeviceEvent) { ph.ReportAudioDevice(ev.Kind, ev.Device, ev.Reason) })
	// The rules act through a CRM of their own: the engine closes its CRM
	// when it stops, and the rules still finish the last call's actions
	// after that (the integrations stop after the engine).
	if len(cfg.Rules) > 0 {
		rulesCRM, err := newCRM(db, cfg)
		if err != nil {
			log.Error("rules: no CRM", "error", err)
		} else {
			integ.useSession(rulesCRM, calls, notify) // integrations_rules.go
			s.rulesCRM = rulesCRM
		}
	}
	s.stopIntegrations = integ.start(ctx, ph, db, &s.notices) // integrations.go
	s.webhooks = integ.deliverer
	go eng.Run(context.Background())
	return s, nil
}

// purgeOldRecordings enforces recording.retention_days in the background
// (a long purge must not delay the phone) and says how much it freed. The
// returned function cancels it and waits, before the database closes.
func (a *app) purgeOldRecordings(calls *history.Repo, days int, log *slog.Logger) func() {
	if days <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	stderr := a.stderr
	go func() {
		defer close(done)
		files, bytes, err := calls.PurgeRecordings(ctx, time.Now().AddDate(0, 0, -days), false)
		if files > 0 {
			fmt.Fprintf(stderr, "switchboard: deleted %d recording(s) older than %d days (recording.retention_days), %s freed\n",
				files, days, humanize.IBytes(uint64(bytes)))
		}
		if err != nil && ctx.Err() == nil {
			log.Error("purge old recordings", "error", err)
			fmt.Fprintln(stderr, "switchboard: old recordings not purged:", err)
		}
	}()
	return sync.OnceFunc(func() {
		cancel()
		<-done
	})
}

// start listens; subscribe to the phone before calling it.
func (s *session) start(ctx context.Context) error {
	if err := s.phone.Start(ctx); err != nil {
		s.close()
		return err
	}
	return nil
}

// close hangs up, unregisters and waits until the history has every event.
func (s *session) close() {
	s.stopPurge()
	s.phone.Close()
	s.sound.Close()
	s.engine.Wait()
	if s.stopIntegrations != nil {
		s.stopIntegrations() // after the last notice, before the database closes
	}
	if s.rulesCRM != nil {
		_ = s.rulesCRM.Close() // prepared statements only; the rules have finished
	}
	if err := s.db.Close(); err != nil {
		s.log.Error("close history", "error", errors.Unwrap(err))
	}
	s.closeFn()
}
