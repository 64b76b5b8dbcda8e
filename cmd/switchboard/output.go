package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/switchboard/switchboard/phone"
)

// printer writes events for scripts (--json: one object per line) or for people.
type printer struct {
	mu   sync.Mutex
	out  io.Writer
	json bool
}

func (p *printer) event(ev phone.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, err := json.Marshal(ev)
		if err != nil {
			return
		}
		fmt.Fprintf(p.out, "%s\n", b)
		return
	}
	if line := humanLine(ev); line != "" {
		fmt.Fprintln(p.out, line)
	}
}

func humanLine(ev phone.Event) string {
	who := ev.Number
	if ev.DisplayName != "" {
		who = fmt.Sprintf("%s <%s>", ev.DisplayName, ev.Number)
	}
	switch ev.Kind {
	case phone.RegOK:
		return fmt.Sprintf("[%s] registered at %s for %ds", ev.Account, ev.Registrar, ev.Expires)
	case phone.RegFailed:
		return fmt.Sprintf("[%s] registration failed: %s", ev.Account, ev.Reason)
	case phone.RegRetrying:
		return fmt.Sprintf("[%s] retrying registration in %s", ev.Account, time.Duration(ev.RetryInMS)*time.Millisecond)
	case phone.RegUnregistered:
		return fmt.Sprintf("[%s] unregistered", ev.Account)
	case phone.NetChanged:
		return fmt.Sprintf("[%s] network changed: %s; re-registering", ev.Account, ev.Reason)
	case phone.CallOutgoing:
		return fmt.Sprintf("calling %s", ev.RemoteURI)
	case phone.CallRinging:
		return fmt.Sprintf("ringing (%d %s)", ev.Code, ev.Reason)
	case phone.CallEarly:
		return "early media"
	case phone.CallIncoming:
		line := fmt.Sprintf("incoming call from %s", who)
		if ev.Line != "" {
			line += " on line " + ev.Line
		}
		return line
	case phone.CallAnswered:
		return fmt.Sprintf("answered (%s)", ev.Codec)
	case phone.CallDTMF:
		return "DTMF " + ev.Digit
	case phone.CallHeld:
		return "on hold"
	case phone.CallResumed:
		return "resumed"
	case phone.CallRemoteHold:
		return "the other side put the call on hold"
	case phone.CallRemoteResumed:
		return "the other side resumed the call"
	case phone.CallMuted:
		return "muted"
	case phone.CallUnmuted:
		return "unmuted"
	case phone.CallTransferring:
		return fmt.Sprintf("transferring to %s (%d %s)", ev.TransferTarget, ev.Code, ev.Reason)
	case phone.CallTransferred:
		return "transferred to " + ev.TransferTarget
	case phone.CallTransferFailed:
		return fmt.Sprintf("transfer to %s failed: %s", ev.TransferTarget, codeAndReason(ev))
	case phone.CallReferred:
		return fmt.Sprintf("the other side transfers this call to %s: %s", ev.TransferTarget, codeAndReason(ev))
	case phone.CallConference:
		if ev.Reason != "" {
			return fmt.Sprintf("%s the conference (%s)", ev.Change, ev.Reason)
		}
		return ev.Change + " the conference"
	case phone.AudioDevice:
		s := fmt.Sprintf("audio device %s: %s", ev.Change, ev.Device)
		if ev.Reason != "" {
			s += " (" + ev.Reason + ")"
		}
		return s
	case phone.CallEnded:
		s := fmt.Sprintf("call ended: %s", ev.Result)
		if ev.Code != 0 {
			s += fmt.Sprintf(" (%d %s)", ev.Code, ev.Reason)
		} else if ev.Reason != "" {
			s += " (" + ev.Reason + ")"
		}
		if ev.TalkMS > 0 {
			s += fmt.Sprintf(", talked %s", (time.Duration(ev.TalkMS) * time.Millisecond).Round(time.Second/10))
		}
		return s
	}
	return ""
}

func codeAndReason(ev phone.Event) string {
	if ev.Code != 0 {
		return fmt.Sprintf("%d %s", ev.Code, ev.Reason)
	}
	return ev.Reason
}
