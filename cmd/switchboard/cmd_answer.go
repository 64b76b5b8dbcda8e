package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/phone"
)

type answerFlags struct {
	callFlags
	calls, reject        int
	answerDelay, timeout time.Duration
}

func (a *app) answerCommand() *cobra.Command {
	var f answerFlags
	cmd := &cobra.Command{
		Use:   "answer",
		Short: "Wait for incoming calls, answer (or reject) them, then exit",
		Long: `Answer listens on the account (registering first when the account says so),
waits for --calls incoming calls, answers each one (or rejects it with --reject
CODE) and exits when they have all ended.

` + exitCodeHelp,
		Example: `  switchboard answer --play greeting.wav --record in.wav --hangup-after 30s
  switchboard answer --calls 3 --reject 486 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.answer(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	f.callFlags.register(fl, "; later calls get -2, -3 …")
	fl.IntVar(&f.calls, "calls", 1, "number of incoming calls to handle before exiting")
	fl.DurationVar(&f.answerDelay, "answer-delay", 0, "let the call ring this long before answering")
	fl.IntVar(&f.reject, "reject", 0, "reject calls with this SIP code instead of answering (486 busy, 603 decline …)")
	fl.DurationVar(&f.timeout, "timeout", 0, "give up when the calls have not all ended in this time (0 = wait for ever)")
	return cmd
}

func (a *app) answer(ctx context.Context, f answerFlags) error {
	if f.calls < 1 {
		return usageErrorf("--calls must be at least 1")
	}
	if f.reject != 0 && (f.reject < 400 || f.reject > 699) {
		return usageErrorf("--reject %d: use a final failure code between 400 and 699", f.reject)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	acct, err := cfg.Account(f.account)
	if err != nil {
		return withExit(exitUsage, err)
	}
	media, err := newMediaFactory(f.play, f.record)
	if err != nil {
		return err
	}
	// Calls that each play a file (or have no sound card to share) talk
	// side by side; on the sound card a new answer holds the others.
	parallel := f.play != "" || cfg.Audio.Backend != "portaudio"
	s, err := a.startSession(ctx, cfg, sessionOptions{account: acct.Name, listen: f.listen, register: true, parallelCalls: parallel})
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
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	out := &printer{out: a.stdout, json: f.asJSON}
	code := a.handleIncoming(ctx, s.phone, sub, out, media, f)
	if code != exitOK {
		return withExit(code, errSilent)
	}
	return nil
}

// handleIncoming answers or rejects calls until f.calls have ended; it returns the
// exit code of the worst outcome.
func (a *app) handleIncoming(ctx context.Context, ph *phone.Phone, sub *phone.Subscription, out *printer, media *mediaFactory, f answerFlags) int {
	handled, worst := 0, exitOK
	ours := map[string]bool{}
	for handled < f.calls {
		select {
		case <-ctx.Done():
			fmt.Fprintf(a.stderr, "switchboard: stopped after %d of %d calls\n", handled, f.calls)
			return max(worst, exitRuntime)
		case ev, ok := <-sub.C:
			if !ok {
				return max(worst, exitRuntime)
			}
			out.event(ev)
			switch ev.Kind {
			case phone.CallIncoming:
				if call, found := ph.Call(ev.CallID); found && len(ours) < f.calls {
					ours[ev.CallID] = true
					a.pickUp(ctx, call, media, f)
				}
			case phone.CallAnswered:
				if call, found := ph.Call(ev.CallID); found && ours[ev.CallID] && f.hangupAfter > 0 {
					go hangupLater(call, f.hangupAfter)
				}
			case phone.CallEnded:
				if ev.Direction != phone.Inbound {
					continue
				}
				handled++
				worst = max(worst, answerExitCode(ev, f.reject != 0))
			}
		}
	}
	return worst
}

func (a *app) pickUp(ctx context.Context, call *phone.Call, media *mediaFactory, f answerFlags) {
	if f.reject != 0 {
		if err := call.Reject(f.reject); err != nil {
			fmt.Fprintln(a.stderr, "switchboard:", err)
		}
		return
	}
	m := media.next(callInfo{direction: string(call.Direction), number: call.Number, id: call.ID})
	go func() {
		if f.answerDelay > 0 && !sleepOrDone(ctx, f.answerDelay) {
			return
		}
		if err := call.Answer(m); err != nil && call.State() == phone.StateRinging {
			fmt.Fprintln(a.stderr, "switchboard:", err)
		}
	}()
}

func hangupLater(call *phone.Call, after time.Duration) {
	select {
	case <-time.After(after):
		call.Hangup()
	case <-call.Done():
	}
}

// answerExitCode: a call rejected because --reject asked for it is a success.
func answerExitCode(ev phone.Event, rejecting bool) int {
	if rejecting && (ev.Result == phone.ResultRejected || ev.Result == phone.ResultDeclined) {
		return exitOK
	}
	return exitCodeForCall(ev)
}
