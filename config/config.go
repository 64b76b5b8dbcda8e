// Package config loads, defaults and validates switchboard's TOML
// configuration file. Every problem found in a file is reported with the
// file name, line number and TOML path of the offending key, so that users
// can fix typos without guessing.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is the effective configuration of the phone.
type Config struct {
	Path      string    `toml:"-"`         // file it was loaded from ("" = built-in defaults)
	Operator  string    `toml:"operator"`  // current operator name (optional)
	LogFile   string    `toml:"log_file"`  // default: $XDG_STATE_HOME/switchboard/switchboard.log
	LogLevel  string    `toml:"log_level"` // debug|info|warn|error, default info
	Database  string    `toml:"database"`  // SQLite path, default $XDG_DATA_HOME/switchboard/switchboard.db
	Calls     Calls     `toml:"calls"`
	Audio     Audio     `toml:"audio"`
	Recording Recording `toml:"recording"`
	History   History   `toml:"history"`
	Console   Console   `toml:"console"`
	Screening Screening `toml:"screening"`
	CRM       CRM       `toml:"crm"`
	Control   Control   `toml:"control"`
	Security  Security  `toml:"security"`
	Lookup    Lookup    `toml:"lookup"`
	Webhooks  []Webhook `toml:"webhooks"`
	Hooks     []Hook    `toml:"hooks"`
	Rules     []Rule    `toml:"rules"`
	Accounts  []Account `toml:"accounts"`
}

// Calls limits how calls are handled.
type Calls struct {
	RingTimeout Duration `toml:"ring_timeout"` // default 30s
	MaxDuration Duration `toml:"max_duration"` // 0 = unlimited
	MaxCalls    int      `toml:"max_calls"`    // default 4
	// HoldMusic is what the far end hears while we hold it: "tone" (a
	// generated chime, default), "silence", or the path of a WAV file played
	// in a loop.
	HoldMusic string `toml:"hold_music"`
}

// The values of calls.hold_music other than a WAV file's path.
const (
	HoldMusicTone    = "tone"
	HoldMusicSilence = "silence"
)

// The values of an account's dtmf key.
const (
	DTMFAuto    = "auto"
	DTMFRFC4733 = "rfc4733"
	DTMFInfo    = "info"
)

// Audio selects the audio backend and the codecs offered in SDP.
type Audio struct {
	Backend string   `toml:"backend"` // "portaudio" (default) | "file" | "null"
	Codecs  []string `toml:"codecs"`  // most preferred first; default ["opus","PCMU","PCMA"]

	// Devices by "default" or a case-insensitive part of their name. Ring is
	// where incoming calls ring (speakers) while the call is in the headset.
	Input  string `toml:"input"`
	Output string `toml:"output"`
	Ring   string `toml:"ring"`
	// Gains in dB (-40..+20) and per-device sample-rate overrides (0 = the
	// device's default rate).
	InputGain  int `toml:"input_gain"`
	OutputGain int `toml:"output_gain"`
	InputRate  int `toml:"input_rate"`
	OutputRate int `toml:"output_rate"`
	RingRate   int `toml:"ring_rate"`
	// File backend: what calls send, and where what they receive goes.
	FileInput  string `toml:"file_input"`
	FileOutput string `toml:"file_output"`

	TonePlan  string   `toml:"tone_plan"`  // call-progress tones: "eu" (425 Hz, default) or "us"
	JitterMin Duration `toml:"jitter_min"` // lower bound of the adaptive jitter buffer, default 20ms
	JitterMax Duration `toml:"jitter_max"` // upper bound, default 300ms
}

// Recording of calls to stereo WAV files (left = local, right = remote).
type Recording struct {
	Auto    bool   `toml:"auto"`    // record every call from its answer
	Dir     string `toml:"dir"`     // default $XDG_DATA_HOME/switchboard/recordings
	Pattern string `toml:"pattern"` // file name; {date} {time} {direction} {number} {contact} {id}
	// RetentionDays deletes recordings of calls older than this many days
	// (the call stays in the history); 0 keeps them for ever.
	RetentionDays int `toml:"retention_days"`
}

// History configures the call history.
type History struct {
	// Dispositions are the wrap-up codes an operator may give a call, in
	// the order they are offered.
	Dispositions []string `toml:"dispositions"`
	// WrapUp asks, when an answered call ends in the console, for one of
	// the dispositions (the operator may skip it). Default false.
	WrapUp bool `toml:"wrap_up"`
}

// Console tunes the terminal console.
type Console struct {
	// Bell rings the terminal bell on an incoming call and a due task.
	// Default true.
	Bell bool `toml:"bell"`
	// DesktopNotify sends a desktop notification (notify-send) on an
	// incoming call and a due task, where one can be shown. Default true.
	DesktopNotify bool `toml:"desktop_notify"`
}

// Screening decides which callers never reach the operator.
type Screening struct {
	Blocked []string `toml:"blocked"` // numbers rejected with 603 before ringing
}

// Account is one SIP identity.
type Account struct {
	Name        string `toml:"name"`
	User        string `toml:"user"`
	Password    string `toml:"password"`
	PasswordEnv string `toml:"password_env"` // name of the env var holding the password
	Domain      string `toml:"domain"`       // default: registrar host, else listen host
	Registrar   string `toml:"registrar"`    // host:port, empty = no registration
	Transport   string `toml:"transport"`    // udp|tcp|tls, default udp
	Listen      string `toml:"listen"`       // local host:port, default 127.0.0.1:5060 (tls: 5061)
	Register    bool   `toml:"register"`
	AutoAnswer  bool   `toml:"auto_answer"`
	// AutoAnswerDelay lets an automatically answered call ring this long
	// first (auto_answer, and intercom calls); 0 answers at once.
	AutoAnswerDelay Duration `toml:"auto_answer_delay"`
	// Intercom answers calls that ask for it (Alert-Info / Call-Info
	// auto-answer headers, as paging systems and PBX intercom send).
	Intercom bool `toml:"intercom"`
	// DND (do not disturb) turns incoming calls away: 486, or 302 to
	// DNDVoicemail when one is set.
	DND          bool   `toml:"dnd"`
	DNDVoicemail string `toml:"dnd_voicemail"`
	// ForwardTo sends every incoming call elsewhere (302); "" = off.
	ForwardTo string `toml:"forward_to"`
	// AcceptTransfer lets the far end transfer us (an incoming REFER);
	// off, a REFER is refused with 603.
	AcceptTransfer bool `toml:"accept_transfer"`
	// DTMF is how digits are sent: "rfc4733" (telephone events in the RTP
	// stream), "info" (SIP INFO application/dtmf-relay) or "auto" (default:
	// RFC 4733 when the answer's SDP has telephone-event, else SIP INFO).
	DTMF string `toml:"dtmf"`
	// AcceptCallsFrom is "any" (default) or "registrar": only calls whose
	// packets come from the registrar's address ring; others get 403. The
	// usual protection for a softphone behind a PBX.
	AcceptCallsFrom string `toml:"accept_calls_from"`
	// SRTP encrypts the call's audio with SDES-SRTP: "off" (default),
	// "optional" (offer it, accept plain RTP too) or "mandatory" (only
	// encrypted calls; others are refused with 488).
	SRTP          string   `toml:"srtp"`
	DisplayName   string   `toml:"display_name"`
	Expires       Duration `toml:"expires"`        // registration expiry asked for, default 300s, min 10s
	RetryInterval Duration `toml:"retry_interval"` // back-off base after a failed registration, default 5s
	Keepalive     Duration `toml:"keepalive"`      // OPTIONS to the registrar between refreshes, default 30s; "0s" = off
	TLS           TLS      `toml:"tls"`
}

// TLS holds options that only apply to accounts with transport "tls".
type TLS struct {
	CAFile             string `toml:"ca_file"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify"`
	ServerName         string `toml:"server_name"`
}

// Duration is a time.Duration written in TOML as a string such as "30s" or "2m".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string ("30s", "2m", "1h30m").
func (d *Duration) UnmarshalText(text []byte) error {
	parsed, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use e.g. \"30s\" or \"2m\"): %w", text, err)
	}
	d.Duration = parsed
	return nil
}

// MarshalText writes the duration in its shortest readable form ("5m", not "5m0s").
func (d Duration) MarshalText() ([]byte, error) {
	text := d.Duration.String()
	if strings.HasSuffix(text, "m0s") {
		text = strings.TrimSuffix(text, "0s")
	}
	if strings.HasSuffix(text, "h0m") {
		text = strings.TrimSuffix(text, "0m")
	}
	return []byte(text), nil
}

// Secret returns the account's password: the inline password, or the value
// of the environment variable named by PasswordEnv. An account with neither
// has no password and gets "", nil. The error names the variable but never
// contains a secret.
func (a Account) Secret() (string, error) {
	if a.Password != "" {
		return a.Password, nil
	}
	if a.PasswordEnv == "" {
		return "", nil
	}
	value := os.Getenv(a.PasswordEnv)
	if value == "" {
		return "", fmt.Errorf("config: account %q: environment variable %s (password_env) is not set or empty", a.Name, a.PasswordEnv)
	}
	return value, nil
}

// Account returns the account with the given name; "" selects the first one.
func (c *Config) Account(name string) (*Account, error) {
	if len(c.Accounts) == 0 {
		return nil, fmt.Errorf("config: no accounts configured")
	}
	if name == "" {
		return &c.Accounts[0], nil
	}
	names := make([]string, 0, len(c.Accounts))
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], nil
		}
		names = append(names, c.Accounts[i].Name)
	}
	return nil, fmt.Errorf("config: no account named %q (known accounts: %s)", name, strings.Join(names, ", "))
}
