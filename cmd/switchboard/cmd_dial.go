package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/phone"
)

type dialFlags struct {
	callFlags
	dtmf                            string
	dtmfDelay, dtmfGap, ringTimeout time.Duration
}

func (a *app) dialCommand() *cobra.Command {
	var f dialFlags
	cmd := &cobra.Command{
		Use:   "dial TARGET",
		Short: "Call a number, extension or sip:/tel: URI and follow the call to its end",
		Long: `Dial places one call and prints its events until it ends. TARGET is a number or
extension (completed with the account's domain), a sip: or tel: URI, or
user@host[:port].

` + exitCodeHelp,
		Example: `  switchboard dial 1002 --play hello.wav --hangup-after 10s
  switchboard dial sip:1002@127.0.0.1:5070 --record call.wav --json
  switchboard dial 'tel:+44 20 7946 0000' --dtmf 1234# --ring-timeout 20s`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("dial needs exactly one TARGET")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.dial(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	f.callFlags.register(fl, "")
	fl.StringVar(&f.dtmf, "dtmf", "", "DTMF digits to send after the answer (0-9 * # A-D)")
	fl.DurationVar(&f.dtmfDelay, "dtmf-delay", time.Second, "wait after the answer before sending --dtmf")
	fl.DurationVar(&f.dtmfGap, "dtmf-gap", 100*time.Millisecond, "pause between DTMF digits")
	fl.DurationVar(&f.ringTimeout, "ring-timeout", 0, "give up when not answered in time (default: calls.ring_timeout, 30s)")
	return cmd
}

func (a *app) dial(ctx context.Context, target string, f dialFlags) error {
	for _, d := range f.dtmf {
		if !phone.ValidDTMF(d) {
			return usageErrorf("--dtmf: %q is not a DTMF digit (use 0-9, *, #, A-D)", d)
		}
	}
	if f.hangupAfter < 0 || f.ringTimeout < 0 {
		return usageErrorf("durations must not be negative")
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	acct, err := cfg.Account(f.account)
	if err != nil {
		return withExit(exitUsage, err)
	}
	uri, err := phone.ParseTarget(target, acct.Domain)
	if err != nil {
		return withExit(exitUsage, err)
	}
	number := uri.User
	media, err := newMediaFactory(f.play, f.record)
	if err != nil {
		return err
	}
	s, err := a.startSession(ctx, cfg, sessionOptions{account: acct.Name, listen: f.listen})
	if err != nil {
		return err
	}
	defer s.close()
	media.base = s.callMedia
	sub := s.phone.Subscribe()
	defer sub.Close()
	if err := s.start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	call, err := s.phone.Dial(ctx, acct.Name, target, phone.DialOptions{
		Media: media.next(callInfo{direction: "out", number: number}), RingTimeout: f.ringTimeout})
	if err != nil {
		return err
	}
	out := &printer{out: a.stdout, json: f.asJSON}
	ended := follow(ctx, sub, call, out, f)
	if code := exitCodeForCall(ended); code != exitOK {
		return withExit(code, errSilent)
	}
	return nil
}

// follow prints the call's events, acts on answer (DTMF, timed hang-up) and
// returns its call.ended event. Ctrl-C hangs up and still waits for the end.
func follow(ctx context.Context, sub *phone.Subscription, call *phone.Call, out *printer, f dialFlags) phone.Event {
	interrupted := ctx.Done()
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				<-call.Done()
				return call.Ended()
			}
			if ev.Kind == phone.AudioDevice {
				out.event(ev) // the call's headset may be the device that changed
				continue
			}
			if ev.CallID != call.ID {
				continue
			}
			out.event(ev)
			switch ev.Kind {
			case phone.CallAnswered:
				afterAnswer(ctx, call, f)
			case phone.CallEnded:
				return ev
			}
		case <-interrupted:
			interrupted = nil
			call.Hangup()
		}
	}
}

func afterAnswer(ctx context.Context, call *phone.Call, f dialFlags) {
	if f.dtmf != "" {
		go func() {
			if !sleepOrDone(ctx, f.dtmfDelay) {
				return
			}
			for _, d := range f.dtmf {
				if err := call.SendDTMF(ctx, string(d)); err != nil {
					return
				}
				if !sleepOrDone(ctx, f.dtmfGap) {
					return
				}
			}
		}()
	}
	if f.hangupAfter > 0 {
		go func() {
			select {
			case <-time.After(f.hangupAfter):
				call.Hangup()
			case <-call.Done():
			}
		}()
	}
}
