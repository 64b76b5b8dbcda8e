package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults and bounds of the integrations (webhooks, look-up, hooks).
const (
	defaultWebhookTimeout = 5 * time.Second
	maxWebhookTimeout     = time.Minute
	defaultLookupTimeout  = 300 * time.Millisecond
	// maxLookupTimeout keeps the look-up short: the caller waits for it
	// before the phone rings.
	maxLookupTimeout   = 3 * time.Second
	defaultHookTimeout = 10 * time.Second
	maxHookTimeout     = time.Hour
)

// Webhook is one [[webhooks]] endpoint: the events it wants are POSTed to
// it as JSON through a persistent outbox (at least once, signed).
type Webhook struct {
	URL string `toml:"url"` // http:// or https://
	// Name is optional: rules name the webhook they call by it (or by URL).
	Name string `toml:"name"`
	// Events are names or patterns: "call.ended", "call.*", "*".
	Events []string `toml:"events"`
	// SecretEnv names the environment variable holding the HMAC secret
	// (never the secret itself); "" sends unsigned requests.
	SecretEnv string   `toml:"secret_env"`
	Timeout   Duration `toml:"timeout"` // per request, default 5s
}

// Lookup is the optional synchronous caller look-up: before an incoming
// call rings, URL is asked for the caller's name or a rejection.
type Lookup struct {
	URL       string   `toml:"url"` // "" = off
	SecretEnv string   `toml:"secret_env"`
	Timeout   Duration `toml:"timeout"` // hard deadline, default 300ms
}

// Hook is one [[hooks]] entry: a command run on events, with the event's
// data in environment variables and its JSON on stdin; never a shell.
type Hook struct {
	Events  []string `toml:"events"`
	Command []string `toml:"command"` // argv: program and arguments
	Timeout Duration `toml:"timeout"` // default 10s; the command is killed after it
}

func applyIntegrationDefaults(cfg *Config, keys keyIndex, baseDir string) {
	for i := range cfg.Webhooks {
		if !keys.has(elementPath("webhooks", i) + ".timeout") {
			cfg.Webhooks[i].Timeout = Duration{defaultWebhookTimeout}
		}
	}
	if !keys.has("lookup.timeout") {
		cfg.Lookup.Timeout = Duration{defaultLookupTimeout}
	}
	for i := range cfg.Hooks {
		hook := &cfg.Hooks[i]
		if !keys.has(elementPath("hooks", i) + ".timeout") {
			hook.Timeout = Duration{defaultHookTimeout}
		}
		// A program named by a relative path ("bin/notify") is found
		// next to the configuration, not in the working directory.
		if len(hook.Command) > 0 && strings.Contains(hook.Command[0], "/") {
			hook.Command[0] = resolvePath(baseDir, hook.Command[0], "")
		}
	}
}

func (v *validator) checkIntegrations(cfg *Config) {
	for i, webhook := range cfg.Webhooks {
		path := elementPath("webhooks", i)
		v.checkEndpointURL(path+".url", webhook.URL)
		v.checkEventPatterns(path+".events", webhook.Events)
		v.checkSecretEnv(path+".secret_env", webhook.SecretEnv)
		v.checkTimeout(path+".timeout", webhook.Timeout.Duration, maxWebhookTimeout)
	}
	if cfg.Lookup.URL != "" {
		v.checkEndpointURL("lookup.url", cfg.Lookup.URL)
	}
	v.checkSecretEnv("lookup.secret_env", cfg.Lookup.SecretEnv)
	v.checkTimeout("lookup.timeout", cfg.Lookup.Timeout.Duration, maxLookupTimeout)
	for i, hook := range cfg.Hooks {
		path := elementPath("hooks", i)
		v.checkEventPatterns(path+".events", hook.Events)
		if len(hook.Command) == 0 || strings.TrimSpace(hook.Command[0]) == "" {
			v.report(path+".command", "needs a command: the program and its arguments as a list, e.g. [\"/usr/local/bin/notify\", \"--call\"]")
		}
		v.checkTimeout(path+".timeout", hook.Timeout.Duration, maxHookTimeout)
	}
}

func (v *validator) checkEndpointURL(path, raw string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.report(path, "missing url (http:// or https://)")
	case err != nil:
		v.report(path, "not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		v.report(path, "%q: use an http:// or https:// URL", raw)
	case u.Host == "":
		v.report(path, "%q has no host", raw)
	case u.User != nil:
		// A password in the URL would sit in the file and in logs.
		v.report(path, "must not carry a user or password; use secret_env for the signature")
	}
}

func (v *validator) checkEventPatterns(path string, patterns []string) {
	if len(patterns) == 0 {
		v.report(path, "list the events wanted (e.g. [\"call.incoming\", \"call.ended\"], \"call.*\" or \"*\")")
	}
	for i, pattern := range patterns {
		if !validEventPattern(pattern) {
			v.report(elementPath(path, i), "%q is not an event name or pattern (e.g. \"call.ended\", \"call.*\", \"*\")", pattern)
		}
	}
}

func (v *validator) checkSecretEnv(path, name string) {
	if name != "" && !isEnvVarName(name) {
		v.report(path, "%q is not a valid environment variable name", name)
	}
}

func (v *validator) checkTimeout(path string, d, most time.Duration) {
	if d <= 0 || d > most {
		v.report(path, "must be between 0s (exclusive) and %s, got %s", most, d)
	}
}

// validEventPattern accepts "*", "subject.*" and lower-case names such as
// "call.ended" (letters, digits, '_' and dots).
func validEventPattern(pattern string) bool {
	if pattern == "*" {
		return true
	}
	name := strings.TrimSuffix(pattern, ".*")
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Secret returns the value of the environment variable named by
// SecretEnv; "" when none is named. The error names the variable only.
func (w Webhook) Secret(getenv func(string) string) (string, error) {
	return secretFromEnv("webhooks", w.SecretEnv, getenv)
}

// Secret is Webhook.Secret for the look-up.
func (l Lookup) Secret(getenv func(string) string) (string, error) {
	return secretFromEnv("lookup", l.SecretEnv, getenv)
}

func secretFromEnv(section, name string, getenv func(string) string) (string, error) {
	if name == "" {
		return "", nil
	}
	value := getenv(name)
	if value == "" {
		return "", fmt.Errorf("config: %s: environment variable %s (secret_env) is not set or empty", section, name)
	}
	return value, nil
}
