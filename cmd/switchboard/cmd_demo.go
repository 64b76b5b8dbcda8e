package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/phone"
)

// demoCallEvery is the simulated caller's pace: often enough that a
// newcomer sees the popup within seconds, rare enough to read a card.
const demoCallEvery = 20 * time.Second

// demoRing bounds how long the simulated caller rings and talks.
const (
	demoRing = 15 * time.Second
	demoTalk = 40 * time.Second
)

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Start the console on a throw-away database with sample data and a simulated caller",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context())
		},
	}
}

// demo writes a configuration and a database into a temporary directory
// (removed at exit), fills the database with sample data, starts a second
// phone in the process that calls the console every demoCallEvery, and runs
// the console on it.
func (a *app) demo(ctx context.Context) error {
	if !a.interactive() {
		return withExit(exitUsage, fmt.Errorf("the demo is the console: it needs a terminal on stdin and stdout"))
	}
	dir, err := os.MkdirTemp("", "switchboard-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	listen, err := freeUDPAddr()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(demoConfig(dir, listen)), 0o600); err != nil {
		return err
	}
	if err := fillDemoDatabase(ctx, filepath.Join(dir, "demo.db")); err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	caller, err := startDemoCaller(ctx, "sip:operator@"+listen, log)
	if err != nil {
		return fmt.Errorf("simulated caller: %w", err)
	}
	defer caller.close()
	callCtx, stopCalling := context.WithCancel(ctx)
	defer stopCalling()
	go caller.run(callCtx, demoCallEvery)
	demo := *a
	demo.configPath = cfgPath
	return demo.console(ctx)
}

// demoConfig is the demo's configuration: everything under dir, one
// account that listens on listen without registering.
func demoConfig(dir, listen string) string {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	return strings.Join([]string{
		"operator = \"demo\"",
		"database = " + q(filepath.Join(dir, "demo.db")),
		"log_file = " + q(filepath.Join(dir, "demo.log")),
		"[control]",
		"socket = " + q(filepath.Join(dir, "control.sock")),
		"[[accounts]]",
		"name = \"demo\"",
		"user = \"operator\"",
		"domain = \"127.0.0.1\"",
		"listen = " + q(listen),
		"transport = \"udp\"",
		"",
	}, "\n")
}

func fillDemoDatabase(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("demo database: %w", err)
	}
	defer db.Close()
	c, err := newCRM(db, config.Default())
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = generateDemoData(ctx, c, history.NewRepo(db), time.Now(), rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6)))
	return err
}

// freeUDPAddr is a loopback address with a UDP port free right now.
func freeUDPAddr() (string, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.LocalAddr().String(), nil
}

// demoCaller is the simulated caller: a second phone in the process with
// one account per caller number (the number is the From user part), known
// and unknown ones in turn.
type demoCaller struct {
	phone   *phone.Phone
	target  string
	callers []string // account names = numbers
}

func demoCallerNumbers() []string {
	out := []string{demoNumber(0), demoUnknownNumber(1), demoNumber(1), demoUnknownNumber(2), demoNumber(3)}
	for i, n := range out {
		out[i] = strings.ReplaceAll(n, " ", "")
	}
	return out
}

func startDemoCaller(ctx context.Context, target string, log *slog.Logger) (*demoCaller, error) {
	d := &demoCaller{target: target, callers: demoCallerNumbers()}
	var accounts []config.Account
	for _, number := range d.callers {
		listen, err := freeUDPAddr()
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, config.Account{Name: number, User: number, Domain: "127.0.0.1", Listen: listen,
			Transport: "udp", Expires: config.Duration{Duration: time.Minute}})
	}
	p, err := phone.New(phone.Options{Accounts: accounts, Codecs: []string{"PCMU"}, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := p.Start(ctx); err != nil {
		p.Close()
		return nil, err
	}
	d.phone = p
	return d, nil
}

// callOnce calls the console from the i-th caller number and plays a
// short melody, looped, until either side hangs up.
func (d *demoCaller) callOnce(ctx context.Context, i int) (*phone.Call, error) {
	from := d.callers[i%len(d.callers)]
	return d.phone.Dial(ctx, from, d.target, phone.DialOptions{RingTimeout: demoRing, MaxDuration: demoTalk,
		Media: phone.Media{Source: func(rate int) (audio.Source, error) {
			return audio.NewLoopingClipSource(demoMelody(rate), rate), nil
		}}})
}

// run calls every interval until ctx ends, the first call at once.
func (d *demoCaller) run(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for i := 0; ; i++ {
		if call, err := d.callOnce(ctx, i); err == nil {
			select {
			case <-call.Done():
			case <-ctx.Done():
				call.Hangup()
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (d *demoCaller) close() { d.phone.Close() }

// demoMelody is four rising notes and a pause: obviously a test signal.
func demoMelody(rate int) *audio.Clip {
	var samples []int16
	for _, hz := range []float64{523.25, 659.25, 783.99, 1046.5} {
		samples = append(samples, audio.Tone(hz, rate, 250*time.Millisecond, 0.3)...)
	}
	samples = append(samples, make([]int16, rate)...)
	return &audio.Clip{Rate: rate, Samples: samples}
}
