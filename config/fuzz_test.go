package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks that no input makes the loader panic, that every failure
// is a *Error with problems, and that whatever loads survives the round trip
// through Redacted (which `config show` users may save as their config).
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		defaultFileText,
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\nregistrar = \"pbx\"\nregister = true\n",
		"accounts = [{ name = \"a\", user = \"u\", tls = { server_name = \"x\" } }]\n",
		"[calls]\nmax_calls = 99999999999999999999\nring_timeout = \"1x\"\n",
		"[accounts.tls]\n[[accounts]]\n[accounts]\n",
		"a.b.c = 1\n[[audio.codecs]]\n",
		"password = \"x\" y\n",
		"[audio]\ncodecs = [[1], {a = 1}]\n",
		"\"\" = 1\n[\"\"]\n",
	}
	if matches, err := filepath.Glob(filepath.Join("testdata", "*.toml")); err == nil {
		for _, name := range matches {
			if data, err := os.ReadFile(name); err == nil {
				seeds = append(seeds, string(data))
			}
		}
	}
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse(filepath.Join(dir, "fuzz.toml"), data)
		if err != nil {
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || len(cfgErr.Problems) == 0 {
				t.Fatalf("error is not a *Error with problems: %v", err)
			}
			_ = err.Error()
			return
		}
		if cfg == nil || len(cfg.Accounts) == 0 {
			t.Fatalf("nil config or no accounts without error")
		}
		shown := cfg.Redacted()
		if _, err := parse(filepath.Join(dir, "shown.toml"), []byte(shown)); err != nil {
			t.Fatalf("Redacted() output does not load: %v\ninput:\n%q\nshown:\n%s", err, data, shown)
		}
	})
}
