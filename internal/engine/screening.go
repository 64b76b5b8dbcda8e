package engine

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard/switchboard/phone"
)

// screeningTimeout bounds the blacklist look-up. It runs on the phone's
// goroutine for the call, before anything rings (the caller has had 100
// Trying), so it must be quick; a look-up that cannot finish in time lets
// the call ring rather than lose it.
const screeningTimeout = 500 * time.Millisecond

// Blacklist answers whether calls from a number are refused; *crm.CRM is one.
type Blacklist interface {
	IsBlocked(ctx context.Context, number string, now time.Time) (blocked bool, reason string, err error)
}

// Screening combines the configured block list with the CRM's blacklist:
// a number on either is rejected with 603 Decline before it rings. The
// reason of a blacklist entry stays with the operator; the caller only
// hears "Decline". A nil blacklist leaves the configured list alone.
func Screening(blocked []string, blacklist Blacklist, log *slog.Logger) phone.Screening {
	configured := BlockList(blocked)
	return func(in phone.ScreenRequest) (int, string) {
		if code, reason := configured(in); code != 0 || blacklist == nil {
			return code, reason
		}
		ctx, cancel := context.WithTimeout(context.Background(), screeningTimeout)
		defer cancel()
		refused, _, err := blacklist.IsBlocked(ctx, in.Number, time.Now())
		if err != nil {
			log.Warn("blacklist not consulted; the call may ring", "number", in.Number, "error", err)
			return 0, ""
		}
		if refused {
			return 603, "Decline"
		}
		return 0, ""
	}
}

// BlockList screens out the given numbers with 603 Decline before anything rings.
// Numbers compare by their digits (a leading + and separators are ignored) until
// the CRM's normalisation replaces this.
func BlockList(numbers []string) phone.Screening {
	blocked := map[string]struct{}{}
	for _, n := range numbers {
		if d := digitsOf(n); d != "" {
			blocked[d] = struct{}{}
		}
	}
	return func(in phone.ScreenRequest) (int, string) {
		if _, ok := blocked[digitsOf(in.Number)]; ok && len(blocked) > 0 {
			return 603, "Decline"
		}
		return 0, ""
	}
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= '0' && r <= '9') || r == '*' || r == '#' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return strings.ToLower(b.String())
}
