package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadIntegrations(t *testing.T) {
	isolateEnv(t)
	path := writeConfig(t, `[lookup]
url = "http://127.0.0.1:8080/lookup"
[[webhooks]]
url = "https://crm.example.com/hook"
events = ["call.*", "crm.created"]
secret_env = "SB_WEBHOOK_SECRET"
[[webhooks]]
url = "http://127.0.0.1:9000/"
events = ["*"]
timeout = "2s"
[[hooks]]
events = ["call.ended"]
command = ["bin/on-end", "--flag"]
`)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Lookup != (Lookup{URL: "http://127.0.0.1:8080/lookup", Timeout: Duration{300 * time.Millisecond}}) {
		t.Errorf("lookup = %+v", cfg.Lookup)
	}
	wantWebhooks := []Webhook{
		{URL: "https://crm.example.com/hook", Events: []string{"call.*", "crm.created"}, SecretEnv: "SB_WEBHOOK_SECRET", Timeout: Duration{5 * time.Second}},
		{URL: "http://127.0.0.1:9000/", Events: []string{"*"}, Timeout: Duration{2 * time.Second}},
	}
	if !reflect.DeepEqual(cfg.Webhooks, wantWebhooks) {
		t.Errorf("webhooks = %+v\nwant %+v", cfg.Webhooks, wantWebhooks)
	}
	wantHooks := []Hook{{Events: []string{"call.ended"}, Timeout: Duration{10 * time.Second},
		Command: []string{filepath.Join(filepath.Dir(path), "bin", "on-end"), "--flag"}}}
	if !reflect.DeepEqual(cfg.Hooks, wantHooks) {
		t.Errorf("hooks = %+v\nwant %+v", cfg.Hooks, wantHooks)
	}
}

func TestLoadIntegrationsReportsProblems(t *testing.T) {
	webhook := "[[webhooks]]\nevents = [\"*\"]\n"
	hook := "[[hooks]]\nevents = [\"call.ended\"]\n"
	tests := []struct {
		name, content string
		wantLine      int
		wantField     string
		wantText      string
	}{
		{"webhook without url", webhook, 1, "webhooks[0].url", "missing url"},
		{"webhook ftp url", webhook + "url = \"ftp://h/x\"\n", 3, "webhooks[0].url", "http:// or https://"},
		{"webhook url without host", webhook + "url = \"http:///x\"\n", 3, "webhooks[0].url", "no host"},
		{"webhook url with password", webhook + "url = \"http://u:p@h/x\"\n", 3, "webhooks[0].url", "must not carry a user or password"},
		{"webhook without events", "[[webhooks]]\nurl = \"http://h/\"\n", 1, "webhooks[0].events", "list the events"},
		{"webhook bad pattern", "[[webhooks]]\nurl = \"http://h/\"\nevents = [\"call.ended\", \"Call ended\"]\n", 3, "webhooks[0].events[1]", "not an event name"},
		{"webhook bad secret_env", webhook + "url = \"http://h/\"\nsecret_env = \"MY-SECRET\"\n", 4, "webhooks[0].secret_env", "not a valid environment variable name"},
		{"webhook zero timeout", webhook + "url = \"http://h/\"\ntimeout = \"0s\"\n", 4, "webhooks[0].timeout", "between 0s"},
		{"webhook secret inline", webhook + "url = \"http://h/\"\nsecret = \"s3cr3t\"\n", 4, "webhooks[0].secret", "unknown key"},
		{"lookup ftp", "[lookup]\nurl = \"ftp://h\"\n", 2, "lookup.url", "http:// or https://"},
		{"lookup timeout too long", "[lookup]\nurl = \"http://h/\"\ntimeout = \"10s\"\n", 3, "lookup.timeout", "between 0s"},
		{"hook without command", hook, 1, "hooks[0].command", "needs a command"},
		{"hook empty program", hook + "command = [\"\"]\n", 3, "hooks[0].command", "needs a command"},
		{"hook command as string", hook + "command = \"notify-send $NAME\"\n", 3, "hooks[0].command", "must be an array of strings"},
		{"hook negative timeout", hook + "command = [\"x\"]\ntimeout = \"-1s\"\n", 4, "hooks[0].timeout", "between 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			path := writeConfig(t, tt.content)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want a problem")
			}
			p := problemsOf(t, err)[0]
			if p.Line != tt.wantLine || p.Field != tt.wantField || !strings.Contains(p.Message, tt.wantText) {
				t.Errorf("first problem = %s\nwant line %d: %s: ...%s...", p, tt.wantLine, tt.wantField, tt.wantText)
			}
		})
	}
}

func TestIntegrationSecretsComeFromTheEnvironment(t *testing.T) {
	env := map[string]string{"SB_SECRET": "s3cr3t"}
	getenv := func(name string) string { return env[name] }
	if s, err := (Webhook{SecretEnv: "SB_SECRET"}).Secret(getenv); s != "s3cr3t" || err != nil {
		t.Errorf("Secret = %q, %v", s, err)
	}
	if s, err := (Webhook{}).Secret(getenv); s != "" || err != nil {
		t.Errorf("no secret_env: Secret = %q, %v", s, err)
	}
	_, err := (Lookup{SecretEnv: "SB_MISSING"}).Secret(getenv)
	if err == nil || !strings.Contains(err.Error(), "SB_MISSING") {
		t.Errorf("unset variable: error %v, want one naming SB_MISSING", err)
	}
}

// TestDefaultFileIntegrationExamplesLoad uncomments the webhook and hook
// examples of the default file, so that the documentation cannot rot.
func TestDefaultFileIntegrationExamplesLoad(t *testing.T) {
	isolateEnv(t)
	_, rest, found := strings.Cut(defaultFileText, "# [[webhooks]]\n")
	examples, _, found2 := strings.Cut(rest, "# One [[accounts]] section")
	if !found || !found2 {
		t.Fatal("no webhook example in the default file")
	}
	var text strings.Builder
	text.WriteString("[[webhooks]]\n")
	for _, line := range strings.Split(examples, "\n") {
		if key, ok := strings.CutPrefix(line, "# "); ok && (isAssignment(key) || strings.HasPrefix(key, "[[")) {
			text.WriteString(key + "\n")
		}
	}
	cfg, err := Load(writeConfig(t, text.String()))
	if err != nil {
		t.Fatalf("uncommented examples do not load: %v\n%s", err, text.String())
	}
	if len(cfg.Webhooks) != 1 || len(cfg.Hooks) != 1 || cfg.Hooks[0].Command[0] != "/usr/local/bin/on-call-ended" {
		t.Errorf("webhooks %+v hooks %+v", cfg.Webhooks, cfg.Hooks)
	}
}

// isAssignment tells a commented-out "key = value" from prose.
func isAssignment(line string) bool {
	key, _, found := strings.Cut(line, " = ")
	return found && !strings.ContainsAny(key, " ;,()")
}
