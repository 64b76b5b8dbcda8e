// Package phone is switchboard's SIP user agent on diago/sipgo: accounts,
// registration, calls and their audio, and one typed event stream.
package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
)

// Options configure a Phone. Zero values get sensible defaults.
type Options struct {
	Accounts    []config.Account
	Codecs      []string      // offered in this order; default opus (when built in), PCMU, PCMA
	RingTimeout time.Duration // outgoing calls; default 30 s
	MaxDuration time.Duration // 0 = unlimited
	MaxCalls    int           // default 4
	JitterMin   time.Duration // adaptive jitter buffer bounds; default 20 ms …
	JitterMax   time.Duration // … and 300 ms
	Tones       Tones         // local call-progress tones; nil plays none
	Screening   Screening     // runs before an incoming call rings; nil = all ring
	// HoldMusic gives what the far end hears while we hold it (HoldToneMusic,
	// or a file); nil sends silence.
	HoldMusic func(rate int) (audio.Source, error)
	// DTMFGap is the pause between two digits sent by SendDTMF; default 100 ms.
	DTMFGap time.Duration
	// TalkInParallel: each call carries audio of its own (files, a test
	// bot), not one operator's microphone, so answering a call leaves the
	// others talking. Without it, call waiting holds them.
	TalkInParallel bool
	// AutoAnswer gives the audio of calls answered automatically (accounts with
	// auto_answer = true). nil disables automatic answering.
	AutoAnswer func(*Call) Media
	// Security: headers that reveal the version, per-source rate limits
	// (guard.go). The zero value shows no version and limits nothing.
	Security config.Security
	// Version is switchboard's version, shown in User-Agent and Server
	// headers only when Security.ShowVersion is set.
	Version string
	// RTPTimeout ends an answered call, not on hold either way, that has
	// received audio but then none for this long: the network is gone and
	// the far end would otherwise sit in silence forever. Default 30 s;
	// negative disables it.
	RTPTimeout time.Duration
	// NetPoll is how often the network watcher polls addresses (netwatch.go);
	// default 2 s.
	NetPoll  time.Duration
	Logger   *slog.Logger
	netAddrs addrSource // tests replace the system's addresses
}

// Phone runs every configured account. One Phone serves the console, the headless
// commands and the control socket alike.
type Phone struct {
	opts  Options
	log   *slog.Logger
	bus   *Bus
	lines []*line
	net   *netWatcher // set in Start

	ctx    context.Context // lifetime of calls and registrations
	cancel context.CancelFunc
	// The listeners outlive ctx: hang-ups and unregistration at exit still need them.
	stopListening context.CancelFunc
	wg            sync.WaitGroup // call and registration goroutines

	mu      sync.Mutex
	closing bool
	calls   map[string]*Call

	// reInviteMu runs diago's handling of in-dialog INVITEs and ACKs one at
	// a time (see indialog.go).
	reInviteMu sync.Mutex

	// ringTone is the incoming-call tone playing (ringing.go); ringToneMu
	// keeps two changes from interleaving their Stop and Play.
	ringToneMu sync.Mutex
	ringTone   ToneKind

	// guard refuses floods, scans and calls from the wrong place (guard.go).
	guard *guard
}

// New prepares the accounts; nothing listens until Start.
func New(opts Options) (*Phone, error) {
	if len(opts.Accounts) == 0 {
		return nil, errors.New("no account configured")
	}
	if opts.RingTimeout <= 0 {
		opts.RingTimeout = 30 * time.Second
	}
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = 4
	}
	if opts.JitterMin <= 0 {
		opts.JitterMin = 20 * time.Millisecond
	}
	if opts.JitterMax < opts.JitterMin {
		opts.JitterMax = max(300*time.Millisecond, opts.JitterMin)
	}
	if opts.DTMFGap <= 0 {
		opts.DTMFGap = defaultDTMFGap
	}
	if opts.Tones == nil {
		opts.Tones = noTones{}
	}
	if opts.RTPTimeout == 0 {
		opts.RTPTimeout = defaultRTPTimeout
	}
	if opts.netAddrs == nil {
		opts.netAddrs = systemAddrs{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	codecs, err := mediaCodecs(opts.Codecs, opts.Logger)
	if err != nil {
		return nil, err
	}
	p := &Phone{opts: opts, log: opts.Logger, bus: NewBus(), calls: map[string]*Call{}}
	p.guard = newGuard(opts.Security, opts.Version, opts.Accounts, p.bus.Publish, opts.Logger)
	p.guard.knownDialog = func(account string, req *sip.Request) bool { return p.callForRequest(account, req) != nil }
	for _, acct := range opts.Accounts {
		l, err := newLine(acct, codecs, opts.Logger, p.inDialogMiddleware(acct.Name))
		if err != nil {
			p.closeLines()
			return nil, err
		}
		l.userAgent = softwareName(opts.Security, opts.Version)
		p.lines = append(p.lines, l)
	}
	return p, nil
}

// Subscribe returns a subscription to the event stream; subscribe before Start to
// see the first registration events.
func (p *Phone) Subscribe() *Subscription { return p.bus.Subscribe() }

// ReportAudioDevice puts a sound-device change (lost, fallback, restored) on
// the event stream, so the console and scripts learn of it like of any other.
func (p *Phone) ReportAudioDevice(change, device, reason string) {
	p.bus.Publish(Event{Kind: AudioDevice, Time: time.Now(), Change: change, Device: device, Reason: reason})
}

// Start listens on every account and starts registration where configured.
func (p *Phone) Start(ctx context.Context) error {
	p.ctx, p.cancel = context.WithCancel(ctx)
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	p.stopListening = stopListening
	for _, l := range p.lines {
		handle := func(d *diago.DialogServerSession) {
			if !p.enter() {
				p.respond(d, 503, "Service Unavailable")
				return
			}
			defer p.wg.Done()
			p.handleIncoming(l, d)
		}
		if err := l.serve(listenCtx, handle); err != nil {
			p.cancel()
			stopListening()
			return err
		}
	}
	p.net = newNetWatcher(p.opts.netAddrs, p.opts.NetPoll, p.bus.Publish, p.log)
	var regs []*registrar
	for _, l := range p.lines {
		if !l.acct.Register || l.acct.Registrar == "" {
			continue
		}
		r := newRegistrar(l, p.bus.Publish)
		p.net.watchLine(l, r.reregister)
		regs = append(regs, r)
	}
	p.net.poll() // before the first REGISTER: a 0.0.0.0 listener needs its Contact address
	if p.enter() {
		go func() {
			defer p.wg.Done()
			p.net.run(p.ctx)
		}()
	}
	for _, r := range regs {
		if !p.enter() {
			break
		}
		go func() {
			defer p.wg.Done()
			r.run(p.ctx)
		}()
	}
	return nil
}

// RegisterOnce registers an account once and removes the binding again: the
// `register` command's check that credentials and registrar work.
func (p *Phone) RegisterOnce(ctx context.Context, account string) (time.Duration, error) {
	l, err := p.line(account)
	if err != nil {
		return 0, err
	}
	if l.acct.Registrar == "" {
		return 0, fmt.Errorf("account %s has no registrar", l.acct.Name)
	}
	r := newRegistrar(l, p.bus.Publish)
	granted, err := r.register(ctx, l.acct.Expires.Duration)
	if err != nil {
		r.publishFailure(err)
		return 0, err
	}
	p.bus.Publish(Event{Kind: RegOK, Account: l.acct.Name, Registrar: l.registrarAddr(), Expires: int(granted / time.Second)})
	r.unregister()
	return granted, nil
}

// Close hangs up every call, removes our registrations and stops listening.
func (p *Phone) Close() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	if p.stopListening != nil {
		p.stopListening()
	}
	p.closeLines()
	p.bus.Close()
}

// enter registers a goroutine that Close must wait for; false once closing.
func (p *Phone) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.wg.Add(1)
	return true
}

func (p *Phone) closeLines() {
	for _, l := range p.lines {
		if err := l.close(); err != nil {
			p.log.Debug("close account", "account", l.acct.Name, "error", err)
		}
	}
}

// Call returns an ongoing call by id.
func (p *Phone) Call(id string) (*Call, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.calls[id]
	return c, ok
}

// Calls returns the ongoing calls.
func (p *Phone) Calls() []*Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Call, 0, len(p.calls))
	for _, c := range p.calls {
		out = append(out, c)
	}
	return out
}

// Accounts returns the names of the configured accounts in order.
func (p *Phone) Accounts() []string {
	names := make([]string, len(p.lines))
	for i, l := range p.lines {
		names[i] = l.acct.Name
	}
	return names
}

func (p *Phone) line(name string) (*line, error) {
	if name == "" {
		return p.lines[0], nil
	}
	for _, l := range p.lines {
		if l.acct.Name == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no account named %q (have %v)", name, p.Accounts())
}

func (p *Phone) track(c *Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[c.ID] = c
}

func (p *Phone) forget(c *Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.calls, c.ID)
}

func (p *Phone) activeCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// mediaCodecs lists what we offer, in the configured order. Opus is left out of
// builds without it (the with_opus_c tag) rather than failing the start.
func mediaCodecs(names []string, log *slog.Logger) ([]media.Codec, error) {
	if len(names) == 0 {
		names = []string{"opus", "PCMU", "PCMA"}
	}
	out := make([]media.Codec, 0, len(names)+1)
	for _, n := range names {
		switch n {
		case "PCMU":
			out = append(out, media.CodecAudioUlaw)
		case "PCMA":
			out = append(out, media.CodecAudioAlaw)
		case "opus":
			if !audio.OpusAvailable() {
				log.Warn("opus is configured but this build has no Opus; offering G.711 only")
				continue
			}
			out = append(out, media.CodecAudioOpus)
		default:
			return nil, fmt.Errorf("codec %q is not supported (opus, PCMU, PCMA)", n)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no usable codec configured")
	}
	return append(out, media.CodecTelephoneEvent8000), nil
}
