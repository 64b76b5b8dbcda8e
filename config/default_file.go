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
# What the other side hears while you hold the call: "tone" (a soft chime
# every four seconds), "silence", or the path of a WAV file, played in a loop.
hold_music = "tone"

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
# Delete recordings of calls older than this many days (the calls stay in the
# history). 0 keeps them for ever.
retention_days = 0

[history]
# Wrap-up codes an operator can give a call ("switchboard history dispose").
dispositions = ["resolved", "callback", "sale", "no-interest", "wrong-number"]
# Ask for one of the dispositions when an answered call ends in the console
# (the operator may skip it). Needs at least one disposition.
wrap_up = false

[console]
# Ring the terminal bell on an incoming call and when a task falls due.
bell = true
# Also show a desktop notification (through notify-send, where installed).
desktop_notify = true

[screening]
# Numbers (SIP user parts) rejected with "603 Decline" before the phone rings,
# e.g. blocked = ["+15550100", "anonymous"].
blocked = []

[crm]
# The local CRM (contacts, cases, callback tasks, blacklist) lives in the
# database above. The operator key at the top names the current operator.
#
# Country assumed for numbers written without a country code, as an ISO 3166
# code such as "RU", "DE" or "US": then "8 (495) 123-45-67" and
# "+7 495 123-45-67" are the same number. Empty: only numbers written with a
# country code are understood; the others are matched by their last digits.
default_country = ""
# Numbers of at most this many digits (written without "+") are internal
# extensions and never get a country code. 0 = there are no extensions.
internal_digits = 6
# Numbers that cannot be understood match by this many last digits (4 to 15).
suffix_digits = 10
# Language of the names and notes the CRM writes by itself: "en" or "ru".
language = "en"
# Time zone (IANA name such as "Europe/Moscow") of the clock times in
# generated names and of "today" in task lists. Empty: this machine's zone.
time_zone = ""
# Longest time the caller card may take while a call rings; a slower card is
# shown with what is known by then and completed afterwards.
card_timeout = "200ms"
# The kinds of case.
case_kinds = ["deal", "lead", "order"]
# Currency (ISO 4217 code such as "RUB" or "EUR") of cases entered without
# one. Empty: none.
default_currency = ""

# The statuses of cases, one [[crm.case_statuses]] each, in the order they
# are offered. Every kind needs at least one open status.
[[crm.case_statuses]]
# Status name, as stored and shown.
name = "new"
# "open", or how a case in this status is closed: "won" or "lost".
outcome = "open"
# Kinds of case this status applies to; [] = every kind.
kinds = []

[[crm.case_statuses]]
name = "in_progress"
outcome = "open"
kinds = []

[[crm.case_statuses]]
name = "won"
outcome = "won"
kinds = []

[[crm.case_statuses]]
name = "lost"
outcome = "lost"
kinds = []

[crm.policy]
# What the CRM does by itself when a call ends. The defaults do nothing.
#
# Answered incoming call from a number no contact has: "nothing", "contact"
# (add a contact named like "New (16:30 05.03.2018, incoming call)") or
# "contact+case" (that contact and a case for the call).
answered_unknown = "nothing"
# The same choice for a missed incoming call from an unknown number.
missed_unknown = "nothing"
# The same choice for an outgoing call to an unknown number.
outgoing_unknown = "nothing"
# Kind of the cases the policies open; "" = "lead" (or the first kind).
case_kind = ""
# Status of the cases the policies open; "" = the kind's first open status.
case_status = ""
# The keys below override case_kind or case_status for one policy; "" means
# "as case_kind / case_status". Kind of the cases answered_unknown opens:
answered_unknown_case_kind = ""
# Status of the cases answered_unknown opens.
answered_unknown_case_status = ""
# Kind of the cases missed_unknown opens.
missed_unknown_case_kind = ""
# Status of the cases missed_unknown opens.
missed_unknown_case_status = ""
# Kind of the cases outgoing_unknown opens.
outgoing_unknown_case_kind = ""
# Status of the cases outgoing_unknown opens.
outgoing_unknown_case_status = ""
# Does an answered call from a known contact open a case? "never",
# "always" or "if-none-open" (only when the contact has no open case).
repeat_calls = "never"
# Kind of the cases repeat_calls opens.
repeat_calls_case_kind = ""
# Status of the cases repeat_calls opens.
repeat_calls_case_status = ""
# Add a lead ("Unknown contact", comment "Missed") for a missed call from an
# unknown number, unless missed_unknown already opened a case for it.
missed_lead = false
# Status of that lead; "" = the lead kind's first open status.
missed_lead_status = ""
# Add a callback task for a missed incoming call (one open callback task per
# number: more missed calls do not add more).
missed_task = false
# When that task falls due, counted from the missed call; "0s" = at once.
callback_after = "0s"
# Who becomes responsible for what the policies create (when the contact has
# no responsible operator yet): "answered" (the operator who took the call)
# or "last" (the one who had it last, after a transfer).
responsible = "answered"

[control]
# The control socket through which "switchboard ctl", "events" and "open"
# (and your scripts) drive the running phone; see docs/control.md.
# Unix socket path; "" = $XDG_RUNTIME_DIR/switchboard/control.sock (only you
# can reach it: directory 0700, socket 0600).
socket = ""
# Optional TCP listener on a loopback address ("127.0.0.1:5099") for
# programs that cannot use a Unix socket; "" = off. Clients must send the
# token first.
tcp_listen = ""
# Name of the environment variable holding that token (not the token
# itself); required with tcp_listen.
token_env = ""

[security]
# Protection for a phone that listens on a SIP port (see docs/security.md).
# Put switchboard's version in the User-Agent and Server headers. Off, a
# scanner learns nothing about the software it found.
show_version = false
# New calls (INVITEs) one source address may start per minute; beyond it they
# are refused with "503 Service Unavailable" without ringing, and an event
# says so. 0 = no limit.
invites_per_minute = 30
# How many INVITEs a source may send at once before that rate applies.
invite_burst = 10
# Other requests from outside a call (OPTIONS, REGISTER, MESSAGE ..., as
# scanners send) per source and second; beyond it they are dropped
# unanswered. 0 = no limit.
requests_per_second = 20

[lookup]
# Optional caller look-up (like a PBX asking the CRM when a call starts): an
# incoming call is POSTed to this URL before it rings, as {"number",
# "display_name", "line", "account", "remote_uri"}. An answer of
# {"caller_name": "..."} names the caller on the card; {"action": "reject"}
# refuses the call (603; "busy" gives 486). "" = off. See docs/webhooks.md.
url = ""
# Name of the environment variable holding the secret that signs the
# look-up (X-Switchboard-Signature); "" = unsigned.
secret_env = ""
# Hard deadline of the look-up (at most "3s"): the caller waits for it, and
# after it the call rings as if nothing had been asked.
timeout = "300ms"

# Webhooks: the events a URL wants are POSTed to it as JSON, signed, through
# a queue in the database that survives restarts (at least once; the
# X-Switchboard-Delivery header is the same on every retry). See
# docs/webhooks.md. Remove the leading "# " to use one.
# [[webhooks]]
# A name rules can call the webhook by (optional).
# name = "crm"
# Where to POST (http:// or https://).
# url = "https://crm.example.com/switchboard"
# The events it wants: names, "call.*" (a group) or "*".
# events = ["call.incoming", "call.answered", "call.ended", "call.card"]
# Name of the environment variable holding the HMAC secret (not the secret
# itself); "" = unsigned.
# secret_env = "SWITCHBOARD_WEBHOOK_SECRET"
# Bound of each request; a slow or dead endpoint is retried later.
# timeout = "5s"

# Hooks run a program on events: never through a shell; the event's data
# are in environment variables (SWITCHBOARD_EVENT, SWITCHBOARD_NUMBER,
# SWITCHBOARD_NAME, ...) and its JSON on stdin. Output goes to the log.
# [[hooks]]
# The events that run it, as for webhooks.
# events = ["call.ended"]
# The program and its arguments, as a list (no shell: quotes, $ and ; in
# a caller's name are only data).
# command = ["/usr/local/bin/on-call-ended", "--quiet"]
# Killed after this long.
# timeout = "10s"

# Rules act on call events when their conditions all hold (see
# docs/rules.md; "switchboard rules check" validates them).
# [[rules]]
# name = "missed stranger"
# The event: call.incoming, call.answered, call.ended or call.missed.
# on = "call.missed"
# "known" (a contact has the number) or "unknown"; left out = either.
# caller = "unknown"
# The lines (DIDs) the call must have come to.
# line = ["+44 20 7946 0000"]
# Statuses of the caller's open case.
# case_status = ["new"]
# Working hours in the CRM time zone (may cross midnight) and days.
# hours = "09:00-18:00"
# The days the hours apply to.
# days = ["mon", "tue", "wed", "thu", "fri"]
# The number called at least this many times (this call included) ...
# repeat = 3
# ... within this window, from the call history.
# within = "1h"
# Actions, in order. do = task, contact, case, tag, notify, webhook or hook.
# [[rules.actions]]
# do = "task"
# task: due this long after the event (default 30m), with a note.
# in = "30m"
# The task's note.
# note = "Call back"
# [[rules.actions]]
# do = "case"
# case: kind and status (CRM defaults when left out).
# kind = "lead"
# The case's status.
# status = "new"
# The case's title (default "Call from NUMBER").
# title = "Missed call"
# [[rules.actions]]
# do = "tag"
# tag: a tag put on the call in the history.
# tag = "missed"
# [[rules.actions]]
# do = "notify"
# notify: a line for the operator (bell = true rings the terminal bell).
# text = "Stranger called twice"
# [[rules.actions]]
# do = "webhook"
# webhook: the name (or url) of a [[webhooks]] entry.
# webhook = "crm"

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
# Let automatically answered calls (auto_answer, intercom) ring this long
# first; "0s" answers at once. At most "1m".
auto_answer_delay = "0s"
# Answer calls that ask to be answered automatically (intercom and paging:
# Alert-Info "info=alert-autoanswer", "Ring Answer" or Call-Info
# "answer-after=N"). Off, such calls ring like any other.
intercom = false
# Do not disturb: incoming calls get "486 Busy Here" ...
dnd = false
# ... or, when this is set (a number or a sip: URI), are sent on to voicemail
# with "302 Moved Temporarily".
dnd_voicemail = ""
# Send every incoming call to this number or sip: URI instead (302 Moved
# Temporarily). Empty: off.
forward_to = ""
# Let the far end transfer this phone to someone else (an incoming REFER).
# Off, such requests are refused with "603 Decline".
accept_transfer = false
# How keypad digits are sent: "rfc4733" (telephone events in the audio
# stream), "info" (SIP INFO requests, application/dtmf-relay) or "auto": RFC
# 4733 when the other side offers telephone-event, else SIP INFO.
dtmf = "auto"
# Who may call this account: "any", or "registrar" to let only calls that
# come from the registrar's address ring (others get "403 Forbidden") - the
# usual protection for a softphone behind a PBX.
accept_calls_from = "any"
# Encrypted audio (SDES-SRTP): "off", "optional" (offered; plain calls are
# accepted too) or "mandatory" (calls without SRTP are refused with "488").
srtp = "off"
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
