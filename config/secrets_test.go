package config

import (
	"os"
	"strings"
	"testing"
)

func TestSecret(t *testing.T) {
	t.Setenv("SWITCHBOARD_TEST_SECRET", "from-env")
	t.Setenv("SWITCHBOARD_TEST_EMPTY", "")
	tests := []struct {
		name    string
		account Account
		want    string
		wantErr string
	}{
		{"inline", Account{Name: "a", Password: "inline"}, "inline", ""},
		{"env", Account{Name: "a", PasswordEnv: "SWITCHBOARD_TEST_SECRET"}, "from-env", ""},
		{"env empty", Account{Name: "a", PasswordEnv: "SWITCHBOARD_TEST_EMPTY"}, "", "SWITCHBOARD_TEST_EMPTY"},
		{"env unset", Account{Name: "a", PasswordEnv: "SWITCHBOARD_TEST_UNSET_XYZ"}, "", "SWITCHBOARD_TEST_UNSET_XYZ"},
		{"none", Account{Name: "a"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.account.Secret()
			if got != tt.want {
				t.Errorf("Secret() = %q, want %q", got, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestSecretFromLoadedFile(t *testing.T) {
	isolateEnv(t)
	t.Setenv("SWITCHBOARD_TEST_WORK_PASSWORD", "s3cr3t")
	cfg, err := Load(writeConfig(t, "[[accounts]]\nname = \"work\"\nuser = \"u\"\npassword_env = \"SWITCHBOARD_TEST_WORK_PASSWORD\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	account, err := cfg.Account("")
	if err != nil {
		t.Fatal(err)
	}
	if secret, err := account.Secret(); secret != "s3cr3t" || err != nil {
		t.Errorf("Secret() = %q, %v", secret, err)
	}
}

func TestAccountLookup(t *testing.T) {
	cfg := &Config{Accounts: []Account{{Name: "work"}, {Name: "home"}}}
	if a, err := cfg.Account(""); err != nil || a.Name != "work" {
		t.Errorf(`Account("") = %v, %v`, a, err)
	}
	if a, err := cfg.Account("home"); err != nil || a.Name != "home" {
		t.Errorf(`Account("home") = %v, %v`, a, err)
	}
	_, err := cfg.Account("lab")
	if err == nil || !strings.Contains(err.Error(), "work, home") {
		t.Errorf(`Account("lab") error = %v, want it to list known names`, err)
	}
	if _, err := (&Config{}).Account(""); err == nil {
		t.Error("Account on a config without accounts succeeded")
	}
}

func TestRedactedHidesPasswords(t *testing.T) {
	isolateEnv(t)
	t.Setenv("SWITCHBOARD_TEST_ENV_PW", "Env-Value-Never-Shown")
	content := "[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"Inline-Secret-42\"\n" +
		"[[accounts]]\nname = \"b\"\nuser = \"v\"\npassword_env = \"SWITCHBOARD_TEST_ENV_PW\"\n"
	cfg, err := Load(writeConfig(t, content))
	if err != nil {
		t.Fatal(err)
	}
	shown := cfg.Redacted()
	for _, secret := range []string{"Inline-Secret-42", "Env-Value-Never-Shown"} {
		if strings.Contains(shown, secret) {
			t.Errorf("Redacted() shows %q:\n%s", secret, shown)
		}
	}
	for _, want := range []string{`password = '******'`, `password_env = 'SWITCHBOARD_TEST_ENV_PW'`, "[[accounts]]", cfg.Path} {
		if !strings.Contains(shown, want) {
			t.Errorf("Redacted() lacks %q:\n%s", want, shown)
		}
	}
	if cfg.Accounts[0].Password != "Inline-Secret-42" {
		t.Error("Redacted() modified the config")
	}

	// What `config show` prints must itself be a loadable config.
	reloaded, err := Load(writeConfig(t, shown))
	if err != nil {
		t.Fatalf("Redacted() output does not load: %v\n%s", err, shown)
	}
	if reloaded.Accounts[1].PasswordEnv != "SWITCHBOARD_TEST_ENV_PW" || reloaded.Calls != cfg.Calls {
		t.Errorf("reloaded = %+v", reloaded)
	}
}

// TestPasswordNeverInErrors puts a distinctive password into broken files
// of many kinds and checks it never leaks into the error text.
func TestPasswordNeverInErrors(t *testing.T) {
	const secret = "Zq9-VeryDistinctive-Pw"
	files := []string{
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\" trailing\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = " + secret + "\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = '" + secret + "\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\\q\"\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\"\npassword = \"" + secret + "\"\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = [\"" + secret + "\"]\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\"\npassword_env = \"X\"\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\"\nregister = true\ntransport = \"carrier-pigeon\"\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\"\nregsitrar = \"x\"\n",
		"accounts = [{ name = \"a\", user = \"u\", password = \"" + secret + "\" x }]\n",
		"[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"" + secret + "\"\n[calls]\nmax_calls = \"many\"\n",
	}
	for i, content := range files {
		_, err := Load(writeConfig(t, content))
		if err == nil {
			t.Errorf("file %d loaded without error", i)
			continue
		}
		for _, fragment := range []string{secret, secret[:4], "Distinctive"} {
			if strings.Contains(err.Error(), fragment) {
				t.Errorf("file %d: error text contains %q:\n%v", i, fragment, err)
			}
		}
	}
}

func TestCheckPermissions(t *testing.T) {
	isolateEnv(t)
	withPassword := writeConfig(t, "[[accounts]]\nname = \"a\"\nuser = \"u\"\npassword = \"pw\"\n")
	cfg, err := Load(withPassword)
	if err != nil {
		t.Fatal(err)
	}
	if warnings := CheckPermissions(withPassword, cfg); len(warnings) != 0 {
		t.Errorf("0600 file: warnings %v", warnings)
	}
	if err := os.Chmod(withPassword, 0o644); err != nil {
		t.Fatal(err)
	}
	warnings := CheckPermissions(withPassword, cfg)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "chmod 600 "+withPassword) || strings.Contains(warnings[0], "pw\"") {
		t.Errorf("0644 file: warnings %v", warnings)
	}

	withoutPassword := writeConfig(t, "")
	if err := os.Chmod(withoutPassword, 0o644); err != nil {
		t.Fatal(err)
	}
	if warnings := CheckPermissions(withoutPassword, Default()); len(warnings) != 0 {
		t.Errorf("no inline password: warnings %v", warnings)
	}
}
