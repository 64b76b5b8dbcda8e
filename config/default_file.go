package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// defaultFileText is written by LoadOrCreate. It must load to exactly
// Default() (a test checks this) and explain every key, because for most
// users it is the only documentation they will read.
const defaultFileText = `# switchboard configuration.
#
# Durations are strings such as "30s", "2m" or "1h30m".
# Keys are case-sensitive. Unknown keys are reported as errors (with their
# line number) so that typos do not go unnoticed.
# Relative paths are relative to the directory of this file; "~/" means your
# home directory.

# Name of the operator currently using this phone; shown in the UI and logs.
# Optional.
operator = ""

# Log file. Default: $XDG_STATE_HOME/switchboard/switchboard.log
# (~/.local/state/switchboard/switchboard.log).
# log_file = "~/.local/state/switchboard/switchboard.log"

# Log verbosity: "debug", "info", "warn" or "error".
log_level = "info"

# SQLite database with call history. Default:
# $XDG_DATA_HOME/switchboard/switchboard.db (~/.local/share/switchboard/switchboard.db).
# database = "~/.local/share/switchboard/switchboard.db"

[calls]
# How long an outgoing call may ring before it is given up (CANCEL).
ring_timeout = "30s"
# Longest allowed call; "0s" means unlimited.
max_duration = "0s"
# How many calls may be up at the same time (at least 1).
max_calls = 4

[audio]
# Where call audio goes: "portaudio" (the sound card; with no sound card at
# all calls fall back to "null" and you are told once), "file" (WAV files,
# see file_input/file_output) or "null" (silence sent, nothing played).
backend = "portaudio"
# Codecs offered to the other side, most preferred first.
# Supported: "opus" (48 kHz), "PCMU" (G.711 u-law) and "PCMA" (G.711 A-law).
codecs = ["opus", "PCMU", "PCMA"]
# Sound devices: "default" or a case-insensitive part of the name shown by
# "switchboard devices". input is the microphone (headset) …
input = "default"
# … output the earpiece (headset) …
output = "default"
# … and ring where incoming calls ring, e.g. the speakers.
ring = "default"
# Microphone gain in dB, from -40 to 20.
input_gain = 0
# Earpiece gain in dB, from -40 to 20.
output_gain = 0
# Sample-rate override of the input device; 0 uses its own default rate.
input_rate = 0
# Sample-rate override of the output device; 0 uses its own default rate.
output_rate = 0
# Sample-rate override of the ring device; 0 uses its own default rate.
ring_rate = 0
# File backend only: the WAV file sent into calls.
file_input = ""
# File backend only: the WAV file that receives what calls carry (mono).
file_output = ""
# Call-progress tones (ringback, busy, call waiting): "eu" (425 Hz), "us"
# (440+480 Hz) or "uk".
tone_plan = "eu"
# Lower bound of the adaptive jitter buffer's delay.
jitter_min = "20ms"
# Upper bound of the adaptive jitter buffer's delay.
jitter_max = "300ms"

[recording]
# Record every call, from its answer, to a stereo WAV (left = you, right =
# the other side). Recording can also be started per call.
auto = false
# Folder of the recordings. Default: $XDG_DATA_HOME/switchboard/recordings.
# dir = "~/.local/share/switchboard/recordings"
# File name: {date} {time} {direction} {number} {contact} {id} are replaced.
pattern = "{date}_{time}_{direction}_{number}.wav"

[screening]
# Numbers (SIP user parts) rejected with "603 Decline" before the phone rings,
# e.g. blocked = ["+15550100", "anonymous"].
blocked = []

# One [[accounts]] section per SIP identity. The first account is used when
# none is named on the command line.
[[accounts]]
# Unique name used to pick this account.
name = "local"
# SIP user name (the part before "@" in sip:user@domain).
user = "switchboard"
# Password for digest authentication. Prefer password_env to keep secrets
# out of this file; if you do store one here, run "chmod 600" on the file.
password = ""
# Name of an environment variable holding the password (not the password
# itself). Use either password or password_env, not both.
password_env = ""
# SIP domain. Default: the registrar's host, else the listen host.
domain = "127.0.0.1"
# Registrar as host:port ("host" alone uses 5060, or 5061 for tls).
# Empty means this account does not register.
registrar = ""
# Transport: "udp", "tcp" or "tls".
transport = "udp"
# Local address to listen on, host:port. Default 127.0.0.1:5060
# (127.0.0.1:5061 for tls).
listen = "127.0.0.1:5060"
# Register with the registrar at start-up (needs registrar).
register = false
# Answer incoming calls on this account without asking.
auto_answer = false
# Name shown to the people you call. Optional.
display_name = ""
# Registration lifetime asked of the registrar (at least "10s").
expires = "300s"
# Wait before retrying a failed registration; doubled on each failure.
retry_interval = "5s"
# How often to check that the registrar is still there (SIP OPTIONS) between
# refreshes; a registrar that stopped answering is registered with again at
# once. "0s" turns it off.
keepalive = "30s"

# TLS options, only allowed with transport = "tls":
# [accounts.tls]
# Extra CA certificate (PEM) to trust for the registrar's certificate.
# ca_file = "~/.config/switchboard/ca.pem"
# Name expected in the server certificate. Default: the registrar's host.
# server_name = "sip.example.com"
# Skip certificate checks. Only for testing: anyone can impersonate the server.
# insecure_skip_verify = false

# Example of an account registering with a provider over TLS. Remove the
# leading "# " from the lines below and fill in your details.
#
# [[accounts]]
# name = "work"
# user = "alice"
# password_env = "SWITCHBOARD_WORK_PASSWORD"
# domain = "sip.example.com"
# registrar = "sip.example.com:5061"
# transport = "tls"
# listen = "0.0.0.0:5061"
# register = true
# auto_answer = false
# display_name = "Alice (front desk)"
# expires = "600s"
# retry_interval = "5s"
# keepalive = "30s"
#
# [accounts.tls]
# server_name = "sip.example.com"
`

// LoadOrCreate loads the file at path. If it does not exist, a commented
// default config is written there first (mode 0600, parent directories
// 0700, since the file may later hold passwords), and created is true.
func LoadOrCreate(path string) (cfg *Config, created bool, err error) {
	_, statErr := os.Stat(path)
	switch {
	case statErr == nil:
		cfg, err = Load(path)
		return cfg, false, err
	case !errors.Is(statErr, fs.ErrNotExist):
		return nil, false, fmt.Errorf("config: checking %s: %w", path, statErr)
	}
	if err := writeDefaultFile(path); err != nil {
		return nil, false, err
	}
	cfg, err = Load(path)
	return cfg, true, err
}

func writeDefaultFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: creating directory for %s: %w", path, err)
	}
	// O_EXCL: if another process created the file meanwhile, do not
	// overwrite what it (or the user) wrote.
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("config: creating %s: %w", path, err)
	}
	if _, err := file.WriteString(defaultFileText); err != nil {
		_ = file.Close()
		return fmt.Errorf("config: writing %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("config: writing %s: %w", path, err)
	}
	return nil
}
