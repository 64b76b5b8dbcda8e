package config

import (
	"fmt"
	"os"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// redactedPassword replaces every password in Redacted output.
const redactedPassword = "******"

// Redacted returns the effective configuration as TOML with every password
// replaced by "******". The names of password_env variables are shown; their
// values are never read.
func (c *Config) Redacted() string {
	shown := *c
	shown.Accounts = make([]Account, len(c.Accounts))
	for i, account := range c.Accounts {
		if account.Password != "" {
			account.Password = redactedPassword
		}
		shown.Accounts[i] = account
	}
	source := c.Path
	if source == "" {
		source = "built-in defaults"
	}
	text, err := toml.Marshal(shown)
	if err != nil {
		// Cannot happen for these plain types, but Redacted has no error
		// result and must not panic.
		return fmt.Sprintf("# effective configuration from %s\n# cannot render: %v\n", source, err)
	}
	return fmt.Sprintf("# effective configuration from %s\n%s", source, text)
}

// CheckPermissions returns warnings about how the config file at path is
// protected: inline passwords in a file that group or others can read.
func CheckPermissions(path string, cfg *Config) []string {
	var withPassword []string
	for _, account := range cfg.Accounts {
		if account.Password != "" {
			withPassword = append(withPassword, account.Name)
		}
	}
	if len(withPassword) == 0 {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return []string{fmt.Sprintf("%s: cannot check permissions: %v", path, err)}
	}
	mode := info.Mode().Perm()
	if mode&0o044 == 0 {
		return nil
	}
	return []string{fmt.Sprintf(
		"%s: file is readable by group/others (mode %04o) but holds passwords for account(s) %s; run: chmod 600 %s (or use password_env instead)",
		path, mode, strings.Join(withPassword, ", "), path)}
}
