package ui

import (
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/phone"
)

// securityNoticePrefix starts every notice about hostile traffic, so that a
// waiting one can be found and replaced.
const securityNoticePrefix = "security: "

// queueSecurityNotice tells the operator that the phone refused traffic
// (security.rate_limited, security.rejected). The phone sends at most one
// event per source every 10 s, but a scan from many addresses still sends
// many: while one such notice waits in the queue, the next replaces it
// instead of growing the backlog.
func (m *Model) queueSecurityNotice(ev phone.Event) {
	text := securityNoticeText(ev)
	for i := range m.notices {
		if strings.HasPrefix(m.notices[i].text, securityNoticePrefix) {
			m.notices[i].text = text
			return
		}
	}
	m.queueNotice(Notice{Text: text, Err: true})
}

func securityNoticeText(ev phone.Event) string {
	what := fmt.Sprintf("%d %s", ev.Count, ev.Method)
	switch ev.Kind {
	case phone.SecurityRejected:
		return fmt.Sprintf("%s[%s] refused %s from %s: calls only from the registrar", securityNoticePrefix, ev.Account, what, ev.Source)
	case phone.SecurityRateLimited:
		if ev.Code != 0 {
			return fmt.Sprintf("%s[%s] flood from %s: refused %s (%d)", securityNoticePrefix, ev.Account, ev.Source, what, ev.Code)
		}
		return fmt.Sprintf("%s[%s] flood from %s: dropped %s", securityNoticePrefix, ev.Account, ev.Source, what)
	}
	return ""
}
