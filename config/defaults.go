package config

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Built-in default values. Constants, so nothing can change them at run time.
const (
	defaultLogLevel      = "info"
	defaultRingTimeout   = 30 * time.Second
	defaultMaxCalls      = 4
	defaultBackend       = "portaudio"
	defaultDevice        = "default"
	defaultTonePlan      = "eu"
	defaultJitterMin     = 20 * time.Millisecond
	defaultJitterMax     = 300 * time.Millisecond
	defaultRecordPattern = "{date}_{time}_{direction}_{number}.wav"
	defaultTransport     = "udp"
	defaultListenHost    = "127.0.0.1"
	defaultSIPPort       = 5060
	defaultSIPSPort      = 5061
	defaultExpires       = 300 * time.Second
	defaultRetryInterval = 5 * time.Second
	defaultKeepalive     = 30 * time.Second
	defaultHoldMusic     = HoldMusicTone
	defaultDTMF          = DTMFAuto
)

// defaultCodecs returns a fresh slice so callers may modify their copy.
func defaultCodecs() []string { return []string{"opus", "PCMU", "PCMA"} }

func defaultRecordingDir() string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share")), "switchboard", "recordings")
}

func defaultAudio() Audio {
	return Audio{Backend: defaultBackend, Codecs: defaultCodecs(),
		Input: defaultDevice, Output: defaultDevice, Ring: defaultDevice, TonePlan: defaultTonePlan,
		JitterMin: Duration{defaultJitterMin}, JitterMax: Duration{defaultJitterMax}}
}

// DefaultPath is where the config file lives: $SWITCHBOARD_CONFIG if set,
// else $XDG_CONFIG_HOME/switchboard/config.toml (XDG_CONFIG_HOME defaulting
// to ~/.config).
func DefaultPath() string {
	if path := os.Getenv("SWITCHBOARD_CONFIG"); path != "" {
		return path
	}
	return filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "switchboard", "config.toml")
}

// xdgDir returns an XDG base directory. Relative values are ignored, as the
// XDG Base Directory specification requires.
func xdgDir(envVar, homeRelative string) string {
	if dir := os.Getenv(envVar); dir != "" && filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(homeDir(), homeRelative)
}

// homeDir falls back to the current directory when no home is known (e.g.
// in minimal containers), which beats failing to start.
func homeDir() string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return home
	}
	return "."
}

func defaultLogFile() string {
	return filepath.Join(xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")), "switchboard", "switchboard.log")
}

func defaultDatabase() string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share")), "switchboard", "switchboard.db")
}

// Default returns the built-in configuration: a single unregistered UDP
// account named "local" listening on 127.0.0.1:5060.
func Default() *Config {
	return &Config{
		LogFile:  defaultLogFile(),
		LogLevel: defaultLogLevel,
		Database: defaultDatabase(),
		Calls: Calls{
			RingTimeout: Duration{defaultRingTimeout},
			MaxCalls:    defaultMaxCalls,
			HoldMusic:   defaultHoldMusic,
		},
		Audio:     defaultAudio(),
		Recording: Recording{Dir: defaultRecordingDir(), Pattern: defaultRecordPattern},
		History:   History{Dispositions: defaultDispositions()},
		Console:   Console{Bell: true, DesktopNotify: true},
		CRM:       defaultCRM(),
		Lookup:    Lookup{Timeout: Duration{defaultLookupTimeout}},
		Security:  defaultSecurity(),
		Accounts:  []Account{defaultAccount()},
	}
}

func defaultAccount() Account {
	return Account{
		Name:          "local",
		User:          "switchboard",
		Domain:        defaultListenHost,
		Transport:     defaultTransport,
		Listen:        net.JoinHostPort(defaultListenHost, strconv.Itoa(defaultSIPPort)),
		Expires:       Duration{defaultExpires},
		RetryInterval: Duration{defaultRetryInterval},
		Keepalive:     Duration{defaultKeepalive},
		DTMF:          defaultDTMF,

		AcceptCallsFrom: defaultAcceptCallsFrom,
		SRTP:            defaultSRTP,
	}
}

// applyDefaults fills in what the file left out. Numbers, durations and
// lists get defaults only when the key is absent (so an explicit
// max_calls = 0 is reported rather than silently replaced); strings also
// when empty, since "" never is a useful value for them.
func applyDefaults(cfg *Config, keys keyIndex) {
	baseDir := configDir(cfg.Path)
	cfg.LogFile = resolvePath(baseDir, cfg.LogFile, defaultLogFile())
	cfg.Database = resolvePath(baseDir, cfg.Database, defaultDatabase())
	if cfg.LogLevel == "" {
		cfg.LogLevel = defaultLogLevel
	}
	if !keys.has("calls.ring_timeout") {
		cfg.Calls.RingTimeout = Duration{defaultRingTimeout}
	}
	if !keys.has("calls.max_calls") {
		cfg.Calls.MaxCalls = defaultMaxCalls
	}
	cfg.Calls.HoldMusic = resolveHoldMusic(baseDir, cfg.Calls.HoldMusic)
	applyAudioDefaults(&cfg.Audio, keys, baseDir)
	cfg.Recording.Dir = resolvePath(baseDir, cfg.Recording.Dir, defaultRecordingDir())
	if cfg.Recording.Pattern == "" {
		cfg.Recording.Pattern = defaultRecordPattern
	}
	// "blocked = []" and no blocked key mean the same; give them one
	// representation so configs compare equal.
	if len(cfg.Screening.Blocked) == 0 {
		cfg.Screening.Blocked = nil
	}
	if !keys.has("history.dispositions") {
		cfg.History.Dispositions = defaultDispositions()
	}
	if !keys.has("console.bell") {
		cfg.Console.Bell = true
	}
	if !keys.has("console.desktop_notify") {
		cfg.Console.DesktopNotify = true
	}
	applyCRMDefaults(&cfg.CRM, keys)
	applyControlDefaults(&cfg.Control, baseDir)
	applySecurityDefaults(&cfg.Security, keys)
	applyIntegrationDefaults(cfg, keys, baseDir)
	applyRuleDefaults(cfg, keys, baseDir)
	// A file without accounts (e.g. one only setting log_level) still gives
	// a usable phone.
	if len(cfg.Accounts) == 0 {
		cfg.Accounts = []Account{defaultAccount()}
		return
	}
	for i := range cfg.Accounts {
		applyAccountDefaults(&cfg.Accounts[i], elementPath("accounts", i), keys, baseDir)
	}
}

func applyAccountDefaults(account *Account, path string, keys keyIndex, baseDir string) {
	if account.Transport == "" {
		account.Transport = defaultTransport
	}
	if account.Listen == "" {
		account.Listen = net.JoinHostPort(defaultListenHost, strconv.Itoa(defaultPort(account.Transport)))
	}
	if !keys.has(path + ".expires") {
		account.Expires = Duration{defaultExpires}
	}
	if !keys.has(path + ".retry_interval") {
		account.RetryInterval = Duration{defaultRetryInterval}
	}
	if !keys.has(path + ".keepalive") {
		account.Keepalive = Duration{defaultKeepalive}
	}
	if account.DTMF == "" {
		account.DTMF = defaultDTMF
	}
	if account.AcceptCallsFrom == "" {
		account.AcceptCallsFrom = defaultAcceptCallsFrom
	}
	if account.SRTP == "" {
		account.SRTP = defaultSRTP
	}
	if account.TLS.CAFile != "" {
		account.TLS.CAFile = resolvePath(baseDir, account.TLS.CAFile, "")
	}
	// Registrar and domain defaults depend on the addresses being valid, so
	// they are filled in by validation (normalizeAddresses).
}

// configDir is the absolute directory of the config file, the base for
// relative paths inside it.
func configDir(configPath string) string {
	dir := filepath.Dir(configPath)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// defaultPort is the well-known SIP port for a transport.
func defaultPort(transport string) int {
	if transport == "tls" {
		return defaultSIPSPort
	}
	return defaultSIPPort
}

// resolvePath expands "~/" and makes relative paths relative to the config
// file's directory, so the meaning of a file does not depend on the working
// directory the phone was started from. SQLite specials such as ":memory:"
// and "file:" URIs are left alone.
func resolvePath(baseDir, path, fallback string) string {
	switch {
	case path == "":
		return fallback
	case strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:"):
		return path
	case path == "~" || strings.HasPrefix(path, "~/"):
		return filepath.Join(homeDir(), path[1:])
	case filepath.IsAbs(path):
		return filepath.Clean(path)
	default:
		return filepath.Join(baseDir, path)
	}
}

func applyAudioDefaults(a *Audio, keys keyIndex, baseDir string) {
	d := defaultAudio()
	for _, s := range []*string{&a.Backend, &a.Input, &a.Output, &a.Ring, &a.TonePlan} {
		if *s == "" {
			switch s {
			case &a.Backend:
				*s = d.Backend
			case &a.TonePlan:
				*s = d.TonePlan
			default:
				*s = defaultDevice
			}
		}
	}
	if !keys.has("audio.codecs") {
		a.Codecs = d.Codecs
	}
	if !keys.has("audio.jitter_min") {
		a.JitterMin = d.JitterMin
	}
	if !keys.has("audio.jitter_max") {
		a.JitterMax = d.JitterMax
	}
	if a.FileInput != "" {
		a.FileInput = resolvePath(baseDir, a.FileInput, "")
	}
	if a.FileOutput != "" {
		a.FileOutput = resolvePath(baseDir, a.FileOutput, "")
	}
}

// defaultDispositions are the wrap-up codes of a new configuration.
func defaultDispositions() []string {
	return []string{"resolved", "callback", "sale", "no-interest", "wrong-number"}
}

// resolveHoldMusic resolves a WAV path like every other path of the file.
// Anything else is kept as written, so that a problem quotes the user's words.
func resolveHoldMusic(baseDir, music string) string {
	switch {
	case music == "":
		return defaultHoldMusic
	case strings.EqualFold(filepath.Ext(music), ".wav"):
		return resolvePath(baseDir, music, "")
	}
	return music
}
