package config

// Security protects a phone that listens on a SIP port against scanners and
// floods (see docs/security.md).
type Security struct {
	// ShowVersion puts switchboard's version in the User-Agent and Server
	// headers. Off by default: a version tells scanners what to try.
	ShowVersion bool `toml:"show_version"`
	// InvitesPerMinute is how many new calls one source address may start
	// per minute before further INVITEs are refused (503 with Retry-After)
	// without ringing; 0 = no limit.
	InvitesPerMinute int `toml:"invites_per_minute"`
	// InviteBurst is how many INVITEs a source may send at once before the
	// per-minute rate applies.
	InviteBurst int `toml:"invite_burst"`
	// RequestsPerSecond bounds every other out-of-dialog request (OPTIONS,
	// REGISTER, MESSAGE ... as scanners send) per source; beyond it they are
	// dropped unanswered. 0 = no limit.
	RequestsPerSecond int `toml:"requests_per_second"`
}

// The values of an account's accept_calls_from key.
const (
	AcceptCallsFromAny       = "any"
	AcceptCallsFromRegistrar = "registrar"
)

// The values of an account's srtp key.
const (
	SRTPOff       = "off"
	SRTPOptional  = "optional"
	SRTPMandatory = "mandatory"
)

const (
	defaultInvitesPerMinute  = 30
	defaultInviteBurst       = 10
	defaultRequestsPerSecond = 20
	defaultAcceptCallsFrom   = AcceptCallsFromAny
	defaultSRTP              = SRTPOff
	maxSecurityRate          = 100000
)

func defaultSecurity() Security {
	return Security{
		InvitesPerMinute:  defaultInvitesPerMinute,
		InviteBurst:       defaultInviteBurst,
		RequestsPerSecond: defaultRequestsPerSecond,
	}
}

// applySecurityDefaults fills in the rates the file left out (an explicit 0
// turns a limit off, so only absent keys get defaults).
func applySecurityDefaults(s *Security, keys keyIndex) {
	if !keys.has("security.invites_per_minute") {
		s.InvitesPerMinute = defaultInvitesPerMinute
	}
	if !keys.has("security.invite_burst") {
		s.InviteBurst = defaultInviteBurst
	}
	if !keys.has("security.requests_per_second") {
		s.RequestsPerSecond = defaultRequestsPerSecond
	}
}

func (v *validator) checkSecurity(s Security) {
	for _, key := range []struct {
		name  string
		value int
	}{
		{"invites_per_minute", s.InvitesPerMinute},
		{"invite_burst", s.InviteBurst},
		{"requests_per_second", s.RequestsPerSecond},
	} {
		if key.value < 0 || key.value > maxSecurityRate {
			v.report("security."+key.name, "must be between 0 and %d, got %d", maxSecurityRate, key.value)
		}
	}
	if s.InvitesPerMinute > 0 && s.InviteBurst < 1 {
		v.report("security.invite_burst", "must be at least 1 while invites_per_minute is set")
	}
}

// checkAccountSecurity checks where calls may come from and SRTP.
func (v *validator) checkAccountSecurity(path string, account *Account) {
	switch account.AcceptCallsFrom {
	case AcceptCallsFromAny:
	case AcceptCallsFromRegistrar:
		if account.Registrar == "" {
			v.reportAt(path+".accept_calls_from", path+".registrar", `accept_calls_from = "registrar" needs a registrar (host:port)`)
		}
	default:
		v.report(path+".accept_calls_from", "unknown value %q (use any or registrar)", account.AcceptCallsFrom)
	}
	switch account.SRTP {
	case SRTPOff, SRTPOptional, SRTPMandatory:
	default:
		v.report(path+".srtp", "unknown value %q (use off, optional or mandatory)", account.SRTP)
	}
}
