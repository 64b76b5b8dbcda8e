package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const minExpires = 10 * time.Second

const (
	maxRetentionDays     = 100 * 365
	maxDispositionLength = 40
)

// validator collects problems about a decoded, defaulted config. Messages
// never include password values.
type validator struct {
	file     string
	keys     keyIndex
	problems []Problem
}

// report records a problem about path, pointing at the line where path was
// set or, if it was not written in the file, at its enclosing table.
func (v *validator) report(path, format string, args ...any) {
	v.reportAt(path, path, format, args...)
}

// reportAt is report for problems about a key that is missing: the line
// comes from linePath, the key that makes the missing one necessary.
func (v *validator) reportAt(linePath, path, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		File:    v.file,
		Line:    v.keys.nearestLine(linePath),
		Field:   path,
		Message: fmt.Sprintf(format, args...),
	})
}

// validate checks the meaning of values whose TOML types are already known
// to be right, and normalizes registrar addresses and default domains.
func validate(cfg *Config, keys keyIndex) []Problem {
	v := &validator{file: cfg.Path, keys: keys}
	v.checkLogLevel(cfg.LogLevel)
	v.checkCalls(cfg.Calls)
	v.checkAudio(cfg.Audio)
	v.checkRecording(cfg.Recording)
	v.checkHistory(cfg.History)
	v.checkScreening(cfg.Screening)
	v.checkCRM(cfg.CRM)
	v.checkControl(cfg.Control)
	v.checkSecurity(cfg.Security)
	v.checkIntegrations(cfg)
	v.checkRules(cfg)
	v.checkAccounts(cfg.Accounts)
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
	return v.problems
}

func (v *validator) checkLogLevel(level string) {
	switch level {
	case "debug", "info", "warn", "error":
	default:
		v.report("log_level", "unknown log level %q (use debug, info, warn or error)", level)
	}
}

func (v *validator) checkCalls(calls Calls) {
	if calls.RingTimeout.Duration <= 0 {
		v.report("calls.ring_timeout", "must be positive")
	}
	if calls.MaxDuration.Duration < 0 {
		v.report("calls.max_duration", "must not be negative (use \"0s\" for unlimited)")
	}
	if calls.MaxCalls < 1 {
		v.report("calls.max_calls", "must be at least 1, got %d", calls.MaxCalls)
	}
	v.checkHoldMusic(calls.HoldMusic)
}

// checkHoldMusic accepts "tone", "silence" or an existing WAV file. The phone
// decodes the file at start-up; this catches a wrong name with its line.
func (v *validator) checkHoldMusic(music string) {
	switch {
	case music == HoldMusicTone || music == HoldMusicSilence:
	case !strings.EqualFold(filepath.Ext(music), ".wav"):
		v.report("calls.hold_music", "%q is neither \"tone\", \"silence\" nor the path of a .wav file", music)
	default:
		info, err := os.Stat(music)
		switch {
		case err != nil:
			v.report("calls.hold_music", "cannot read the music on hold: %v", err)
		case info.IsDir():
			v.report("calls.hold_music", "%s is a directory, not a WAV file", music)
		}
	}
}

func (v *validator) checkAudio(audio Audio) {
	switch audio.Backend {
	case "null", "file", "portaudio":
	default:
		v.report("audio.backend", "unknown backend %q (use null, file or portaudio)", audio.Backend)
	}
	if len(audio.Codecs) == 0 {
		v.report("audio.codecs", "must list at least one codec (opus, PCMU or PCMA)")
	}
	seen := make(map[string]bool)
	for i, codec := range audio.Codecs {
		path := elementPath("audio.codecs", i)
		switch {
		case codec != "PCMU" && codec != "PCMA" && codec != "opus":
			v.report(path, "unknown codec %q (supported: opus, PCMU, PCMA)", codec)
		case seen[codec]:
			v.report(path, "codec %q is listed twice", codec)
		}
		seen[codec] = true
	}
	for name, gain := range map[string]int{"audio.input_gain": audio.InputGain, "audio.output_gain": audio.OutputGain} {
		if gain < -40 || gain > 20 {
			v.report(name, "gain %d dB is out of range (-40..20)", gain)
		}
	}
	for name, rate := range map[string]int{"audio.input_rate": audio.InputRate, "audio.output_rate": audio.OutputRate, "audio.ring_rate": audio.RingRate} {
		if rate != 0 && (rate < 8000 || rate > 192000) {
			v.report(name, "sample rate %d is out of range (0 = device default, else 8000..192000)", rate)
		}
	}
	switch audio.TonePlan {
	case "eu", "us", "uk":
	default:
		v.report("audio.tone_plan", "unknown tone plan %q (use eu, us or uk)", audio.TonePlan)
	}
	if audio.JitterMin.Duration < 10*time.Millisecond || audio.JitterMax.Duration < audio.JitterMin.Duration || audio.JitterMax.Duration > 2*time.Second {
		v.report("audio.jitter_max", "jitter bounds must satisfy 10ms <= jitter_min <= jitter_max <= 2s")
	}
	if audio.Backend == "file" && audio.FileInput == "" && audio.FileOutput == "" {
		v.report("audio.backend", `the "file" backend needs file_input and/or file_output`)
	}
}

func (v *validator) checkRecording(r Recording) {
	if !strings.HasSuffix(strings.ToLower(r.Pattern), ".wav") {
		v.report("recording.pattern", "must end in .wav")
	}
	if strings.Contains(r.Pattern, "/") || strings.Contains(r.Pattern, "..") {
		v.report("recording.pattern", "must be a file name, not a path (use recording.dir for the folder)")
	}
	if r.RetentionDays < 0 || r.RetentionDays > maxRetentionDays {
		v.report("recording.retention_days", "must be between 0 (keep for ever) and %d", maxRetentionDays)
	}
}

func (v *validator) checkHistory(h History) {
	seen := map[string]bool{}
	for i, code := range h.Dispositions {
		folded := strings.ToLower(strings.TrimSpace(code))
		switch {
		case folded == "":
			v.report(elementPath("history.dispositions", i), "must not be empty")
		case seen[folded]:
			v.report(elementPath("history.dispositions", i), "%q is listed twice", code)
		case len(code) > maxDispositionLength:
			v.report(elementPath("history.dispositions", i), "longer than %d characters", maxDispositionLength)
		}
		seen[folded] = true
	}
	if h.WrapUp && len(h.Dispositions) == 0 {
		v.report("history.wrap_up", "needs at least one code in history.dispositions to offer")
	}
}

func (v *validator) checkScreening(screening Screening) {
	for i, number := range screening.Blocked {
		if strings.TrimSpace(number) == "" {
			v.report(elementPath("screening.blocked", i), "must not be empty")
		}
	}
}

func (v *validator) checkAccounts(accounts []Account) {
	firstWithName := make(map[string]int)
	for i := range accounts {
		path := elementPath("accounts", i)
		account := &accounts[i]
		if account.Name == "" {
			v.report(path+".name", "every account needs a non-empty name")
		} else if first, dup := firstWithName[account.Name]; dup {
			v.report(path+".name", "duplicate account name %q (also used by accounts[%d])", account.Name, first)
		} else {
			firstWithName[account.Name] = i
		}
		v.checkAccount(path, account)
	}
}

func (v *validator) checkAccount(path string, account *Account) {
	if account.User == "" {
		v.report(path+".user", "missing user (the SIP user name of this account)")
	}
	if account.Password != "" && account.PasswordEnv != "" {
		v.report(path+".password_env", "set either password or password_env, not both")
	}
	if account.PasswordEnv != "" && !isEnvVarName(account.PasswordEnv) {
		v.report(path+".password_env", "%q is not a valid environment variable name", account.PasswordEnv)
	}
	transportOK := true
	switch account.Transport {
	case "udp", "tcp", "tls":
	default:
		transportOK = false
		v.report(path+".transport", "unknown transport %q (use udp, tcp or tls)", account.Transport)
	}
	listenHost, listenErr := checkHostPort(account.Listen)
	if listenErr != nil {
		v.report(path+".listen", "%v", listenErr)
	}
	registrarHost := ""
	if account.Registrar != "" && transportOK {
		normalized, err := normalizeRegistrar(account.Registrar, defaultPort(account.Transport))
		if err != nil {
			v.report(path+".registrar", "%v", err)
		} else {
			account.Registrar = normalized
			registrarHost, _, _ = net.SplitHostPort(normalized)
		}
	}
	if account.Register && account.Registrar == "" {
		v.reportAt(path+".register", path+".registrar", "register = true needs a registrar (host:port)")
	}
	if account.Domain == "" {
		// The SIP domain is usually the registrar's; without one, the
		// address we listen on is the only sensible identity.
		if registrarHost != "" {
			account.Domain = registrarHost
		} else if listenErr == nil {
			account.Domain = listenHost
		}
	}
	if account.Expires.Duration < minExpires {
		v.report(path+".expires", "must be at least %s, got %s", minExpires, account.Expires.Duration)
	}
	if account.Keepalive.Duration < 0 {
		v.report(path+".keepalive", "must not be negative")
	}
	if account.RetryInterval.Duration <= 0 {
		v.report(path+".retry_interval", "must be positive")
	}
	v.checkCallHandling(path, account)
	switch account.DTMF {
	case DTMFAuto, DTMFRFC4733, DTMFInfo:
	default:
		v.report(path+".dtmf", "unknown DTMF method %q (use auto, rfc4733 or info)", account.DTMF)
	}
	v.checkTLS(path, account)
	v.checkAccountSecurity(path, account)
}

// maxAutoAnswerDelay bounds auto_answer_delay: a longer one is a typo, and
// the caller would give up first.
const maxAutoAnswerDelay = time.Minute

// checkCallHandling checks do-not-disturb, forwarding and auto-answer.
func (v *validator) checkCallHandling(path string, account *Account) {
	if d := account.AutoAnswerDelay.Duration; d < 0 || d > maxAutoAnswerDelay {
		v.report(path+".auto_answer_delay", "must be between 0s and %s, got %s", maxAutoAnswerDelay, d)
	}
	for _, key := range []struct{ name, value string }{
		{"dnd_voicemail", account.DNDVoicemail}, {"forward_to", account.ForwardTo},
	} {
		if key.value == "" {
			continue
		}
		if err := checkCallTarget(key.value); err != nil {
			v.report(path+"."+key.name, "%v", err)
		}
	}
}

// checkCallTarget accepts what the phone can send a call to: a number or
// extension, user@host, or a sip:/sips: URI with a host. The phone parses
// it fully at start-up; this catches the common slips with a line number.
func checkCallTarget(target string) error {
	t := strings.TrimSpace(target)
	if t == "" {
		return fmt.Errorf("must not be blank (remove the key to turn it off)")
	}
	if strings.ContainsFunc(t, func(r rune) bool { return r < ' ' || r == 0x7f || r == '<' || r == '>' || r == '"' }) {
		return fmt.Errorf("%q: a number or a SIP URI has no control characters, quotes or angle brackets", target)
	}
	lower := strings.ToLower(t)
	for _, scheme := range []string{"sip:", "sips:"} {
		if rest, ok := strings.CutPrefix(lower, scheme); ok {
			host := rest[strings.LastIndexByte(rest, '@')+1:]
			if host == "" || strings.ContainsAny(host, " ") {
				return fmt.Errorf("%q: a SIP URI needs a host (sip:user@host)", target)
			}
			return nil
		}
	}
	if strings.HasPrefix(lower, "tel:") {
		return nil
	}
	if strings.Contains(t, ":") && !strings.Contains(t, "@") {
		return fmt.Errorf("%q: unknown URI scheme (use a number, sip: or tel:)", target)
	}
	return nil
}

// checkTLS rejects TLS options on non-TLS accounts: they would be silently
// ignored, which usually means the transport line is wrong.
func (v *validator) checkTLS(path string, account *Account) {
	tls := account.TLS
	if account.Transport != "tls" {
		if tls.CAFile != "" || tls.InsecureSkipVerify || tls.ServerName != "" {
			v.report(path+".tls", "tls options are set but transport is %q; set transport = \"tls\" or remove them", account.Transport)
		}
		return
	}
	if tls.CAFile != "" {
		if _, err := os.Stat(tls.CAFile); err != nil {
			v.report(path+".tls.ca_file", "cannot read CA file: %v", err)
		}
	}
}

// checkHostPort accepts "host:port" with a numeric port 1..65535.
func checkHostPort(address string) (host string, err error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" {
		return "", fmt.Errorf("%q is not host:port (e.g. \"127.0.0.1:5060\")", address)
	}
	if err := checkPort(port); err != nil {
		return "", fmt.Errorf("%q: %w", address, err)
	}
	if !isHostName(host) {
		return "", fmt.Errorf("%q: invalid host %q", address, host)
	}
	return host, nil
}

// normalizeRegistrar adds the transport's default port when it is missing.
func normalizeRegistrar(address string, port int) (string, error) {
	if _, _, err := net.SplitHostPort(address); err == nil {
		if _, err := checkHostPort(address); err != nil {
			return "", err
		}
		return address, nil
	}
	host := address
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" || !isHostName(host) || strings.Contains(address, ":") && !strings.HasPrefix(address, "[") {
		return "", fmt.Errorf("%q is not host or host:port (e.g. \"sip.example.com:5060\")", address)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

func checkPort(port string) error {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q must be a number from 1 to 65535", port)
	}
	return nil
}

// isHostName accepts DNS names and IPv4/IPv6 literals (IPv6 zone included).
func isHostName(host string) bool {
	if host == "" {
		return false
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:%", r)) {
			return false
		}
	}
	return true
}

func isEnvVarName(name string) bool {
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && !(i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return name != ""
}
