package phone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard/switchboard/config"
)

// A SIPp pager calls with Call-Info answer-after=1 on an intercom account:
// the call is answered by itself about a second after it rang.
func TestIntercomCallFromSIPpAnsweredAfterDelay(t *testing.T) {
	requirePeers(t, "sipp")
	_, events, listen := startPhoneAccount(t, "1001", Options{AutoAnswer: func(*Call) Media { return Media{} }},
		func(a *config.Account) { a.Intercom = true })
	scenarioXML := strings.Replace(fmt.Sprintf(sippDialogXML, ""), "Max-Forwards: 70\n",
		"Max-Forwards: 70\nCall-Info: <sip:127.0.0.1>;answer-after=1\n", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := startSIPp(t, ctx, "intercom", scenarioXML, listen, "-timeout", "15s")
	rang := next(t, events, CallIncoming)
	answered := next(t, events, CallAnswered)
	if wait := answered.Time.Sub(rang.Time); wait < 900*time.Millisecond || wait > 3*time.Second {
		t.Errorf("answered %v after it rang, want about 1 s (answer-after=1)", wait)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestAutoAnswerDelay(t *testing.T) {
	intercomInvite := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "b"})
	intercomInvite.AppendHeader(sip.NewHeader("Alert-Info", "<http://x>;info=alert-autoanswer"))
	pagedLater := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "b"})
	pagedLater.AppendHeader(sip.NewHeader("Call-Info", "<sip:x>;answer-after=5"))
	plain := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "b"})
	for _, tc := range []struct {
		name  string
		acct  config.Account
		req   *sip.Request
		ok    bool
		delay time.Duration
	}{
		{"auto_answer answers every call", config.Account{AutoAnswer: true, AutoAnswerDelay: config.Duration{Duration: 2 * time.Second}}, plain, true, 2 * time.Second},
		{"intercom off ignores the header", config.Account{}, intercomInvite, false, 0},
		{"intercom on, header", config.Account{Intercom: true}, intercomInvite, true, 0},
		{"intercom on, no header", config.Account{Intercom: true}, plain, false, 0},
		{"the longer delay wins", config.Account{Intercom: true, AutoAnswerDelay: config.Duration{Duration: 2 * time.Second}}, pagedLater, true, 5 * time.Second},
		{"account delay over answer-after=0", config.Account{Intercom: true, AutoAnswerDelay: config.Duration{Duration: 2 * time.Second}}, intercomInvite, true, 2 * time.Second},
	} {
		delay, ok := autoAnswerDelay(&line{acct: tc.acct}, tc.req)
		if ok != tc.ok || delay != tc.delay {
			t.Errorf("%s: %v after %v, want %v after %v", tc.name, ok, delay, tc.ok, tc.delay)
		}
	}
}
