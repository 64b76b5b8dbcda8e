package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/phone"
)

type dialFlags struct {
	callFlags
	dtmf                            string
	dtmfDelay, dtmfGap, ringTimeout time.Duration
	transferTo                      string
	transferAfter                   time.Duration
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
  switchboard dial 'tel:+44 20 7946 0000' --dtmf 1234# --ring-timeout 20s
  switchboard dial 1002 --transfer-to 1003`,
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
	fl.StringVar(&f.transferTo, "transfer-to", "", "after the answer (and --dtmf), transfer the far end blind to this number or URI; exit 0 once transferred")
	fl.DurationVar(&f.transferAfter, "transfer-after", time.Second, "wait after the answer (or the last --dtmf digit) before --transfer-to")
	return cmd
}

func (a *app) dial(ctx context.Context, target string, f dialFlags) error {
	for _, d := range f.dtmf {
		if !phone.ValidDTMF(d) {
			return usageErrorf("--dtmf: %q is not a DTMF digit (use 0-9, *, #, A-D)", d)
		}
	}
	if f.hangupAfter < 0 || f.ringTimeout < 0 || f.transferAfter < 0 {
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
	if f.transferTo != "" {
		if _, err := phone.ParseTarget(f.transferTo, acct.Domain); err != nil {
			return withExit(exitUsage, fmt.Errorf("--transfer-to: %w", err))
		}
	}
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
	transfer := make(chan error, 1)
	ended := follow(ctx, sub, call, out, f, transfer)
	if f.transferTo != "" && ended.Result != phone.ResultTransferred {
		return transferFailure(ended, transfer)
	}
	if code := exitCodeForCall(ended); code != exitOK {
		return withExit(code, errSilent)
	}
	return nil
}

// transferFailure is the error of a dial whose --transfer-to did not
// happen: the call's own failure when it never talked, else why the
// transfer failed (exit 5 for a SIP refusal, 1 otherwise).
func transferFailure(ended phone.Event, transfer <-chan error) error {
	if code := exitCodeForCall(ended); code != exitOK {
		return withExit(code, errSilent)
	}
	var err error
	select {
	case err = <-transfer:
	default:
	}
	if err == nil {
		return withExit(exitRuntime, errors.New("the call ended before it was transferred"))
	}
	var te *phone.TransferError
	if errors.As(err, &te) && te.Code >= 300 {
		return withExit(exitRejected, err)
	}
	return withExit(exitRuntime, err)
}

// follow prints the call's events, acts on answer (DTMF, timed hang-up) and
// returns its call.ended event. Ctrl-C hangs up and still waits for the end.
func follow(ctx context.Context, sub *phone.Subscription, call *phone.Call, out *printer, f dialFlags, transfer chan<- error) phone.Event {
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
				afterAnswer(ctx, call, f, transfer)
			case phone.CallEnded:
				return ev
			}
		case <-interrupted:
			interrupted = nil
			call.Hangup()
		}
	}
}

// afterAnswer runs the scripted steps of a dial in order: the DTMF digits,
// then the transfer (whose error goes to transfer; a failed transfer hangs
// up, since the script cannot go on), and the timed hang-up meanwhile.
func afterAnswer(ctx context.Context, call *phone.Call, f dialFlags, transfer chan<- error) {
	if f.dtmf != "" || f.transferTo != "" {
		go func() {
			if f.dtmf != "" && !sendDigits(ctx, call, f) {
				return
			}
			if f.transferTo == "" || !sleepOrDone(ctx, f.transferAfter) {
				return
			}
			err := call.Transfer(ctx, f.transferTo)
			transfer <- err
			if err != nil {
				call.Hangup()
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

// sendDigits sends --dtmf one digit at a time with --dtmf-gap between
// them; false when the call or the command ended first.
func sendDigits(ctx context.Context, call *phone.Call, f dialFlags) bool {
	if !sleepOrDone(ctx, f.dtmfDelay) {
		return false
	}
	for _, d := range f.dtmf {
		if err := call.SendDTMF(ctx, string(d)); err != nil {
			return false
		}
		if !sleepOrDone(ctx, f.dtmfGap) {
			return false
		}
	}
	return true
}
