package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultFileLoadsToDefault(t *testing.T) {
	isolateEnv(t)
	path := writeConfig(t, defaultFileText)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("default file does not load: %v", err)
	}
	want := Default()
	want.Path = path
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("default file loads to\n%+v\nwant Default()\n%+v", cfg, want)
	}
}

// TestDefaultFileExplainsEveryKey checks that each key of the schema appears
// in the default file (active or commented out) right after a comment line.
func TestDefaultFileExplainsEveryKey(t *testing.T) {
	lines := strings.Split(defaultFileText, "\n")
	explained := make(map[string]bool)
	for i := 1; i < len(lines); i++ {
		key, _, isAssignment := strings.Cut(strings.TrimPrefix(lines[i], "# "), " = ")
		if isAssignment && strings.HasPrefix(lines[i-1], "#") {
			explained[key] = true
		}
	}
	var walk func(node *schemaNode)
	walk = func(node *schemaNode) {
		for name, child := range node.fields {
			if child.kind != kindTable && child.kind != kindTableArray && !explained[name] {
				t.Errorf("key %q is not explained by a comment in the default file", name)
			}
			walk(child)
		}
	}
	walk(configSchema())
	if !strings.Contains(defaultFileText, "# [[accounts]]\n") || !strings.Contains(defaultFileText, `# registrar = "sip.example.com:5061"`) {
		t.Error("default file lacks the commented-out registrar account example")
	}
}

// TestDefaultFileExampleAccountLoads uncomments the example account and
// checks it is valid, so the documentation cannot rot.
func TestDefaultFileExampleAccountLoads(t *testing.T) {
	isolateEnv(t)
	_, example, found := strings.Cut(defaultFileText, "# [[accounts]]\n")
	if !found {
		t.Fatal("no example account")
	}
	var uncommented strings.Builder
	uncommented.WriteString(strings.Split(defaultFileText, "# TLS options")[0])
	uncommented.WriteString("[[accounts]]\n")
	for _, line := range strings.Split(example, "\n") {
		uncommented.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ") + "\n")
	}
	cfg, err := Load(writeConfig(t, uncommented.String()))
	if err != nil {
		t.Fatalf("uncommented example does not load: %v\n%s", err, uncommented.String())
	}
	work, err := cfg.Account("work")
	if err != nil || !work.Register || work.Transport != "tls" {
		t.Errorf("work account = %+v, %v", work, err)
	}
}

func TestLoadOrCreate(t *testing.T) {
	isolateEnv(t)
	path := filepath.Join(t.TempDir(), "new", "dir", "config.toml")

	cfg, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate = created %v, err %v", created, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode = %04o, want 0600", mode)
	}
	dirInfo, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if mode := dirInfo.Mode().Perm(); mode != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", mode)
	}
	want := Default()
	want.Path = path
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("created config = %+v, want %+v", cfg, want)
	}

	// A second call must load, not overwrite, what is there.
	if err := os.WriteFile(path, []byte("operator = \"carol\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, created, err = LoadOrCreate(path)
	if err != nil || created || cfg.Operator != "carol" {
		t.Errorf("second LoadOrCreate = %+v, created %v, err %v", cfg, created, err)
	}
}

func TestLoadOrCreateReportsProblemsInExistingFile(t *testing.T) {
	path := writeConfig(t, "bogus = 1\n")
	_, created, err := LoadOrCreate(path)
	if created || len(problemsOf(t, err)) != 1 {
		t.Errorf("created %v, err %v", created, err)
	}
}

func TestDefaultPath(t *testing.T) {
	home := isolateEnv(t)

	t.Setenv("SWITCHBOARD_CONFIG", "/etc/switchboard.toml")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if got := DefaultPath(); got != "/etc/switchboard.toml" {
		t.Errorf("with SWITCHBOARD_CONFIG: %q", got)
	}

	t.Setenv("SWITCHBOARD_CONFIG", "")
	if got, want := DefaultPath(), "/xdg/switchboard/config.toml"; got != want {
		t.Errorf("with XDG_CONFIG_HOME: %q, want %q", got, want)
	}

	t.Setenv("XDG_CONFIG_HOME", "")
	if got, want := DefaultPath(), filepath.Join(home, ".config", "switchboard", "config.toml"); got != want {
		t.Errorf("fallback: %q, want %q", got, want)
	}

	t.Setenv("XDG_CONFIG_HOME", "relative/dir") // ignored, per the XDG spec
	if got, want := DefaultPath(), filepath.Join(home, ".config", "switchboard", "config.toml"); got != want {
		t.Errorf("relative XDG_CONFIG_HOME: %q, want %q", got, want)
	}
}

func TestDefaultUsesXDGDirectories(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/state")
	t.Setenv("XDG_DATA_HOME", "/data")
	cfg := Default()
	if cfg.LogFile != "/state/switchboard/switchboard.log" || cfg.Database != "/data/switchboard/switchboard.db" {
		t.Errorf("log_file %q, database %q", cfg.LogFile, cfg.Database)
	}
	local := cfg.Accounts[0]
	if len(cfg.Accounts) != 1 || local.Name != "local" || local.User != "switchboard" || local.Domain != "127.0.0.1" ||
		local.Listen != "127.0.0.1:5060" || local.Transport != "udp" || local.Register || local.Registrar != "" {
		t.Errorf("default accounts = %+v", cfg.Accounts)
	}
}
