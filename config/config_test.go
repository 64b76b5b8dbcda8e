package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// isolateEnv points every XDG variable at a temporary directory so that
// defaults do not depend on the machine running the tests.
func isolateEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("SWITCHBOARD_CONFIG", "")
	return home
}

// writeConfig writes content to a fresh config.toml with mode 0600.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// problemsOf asserts err is a *Error and returns its problems.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("error %v (%T) is not a *config.Error", err, err)
	}
	if len(cfgErr.Problems) == 0 {
		t.Fatal("*config.Error without problems")
	}
	return cfgErr.Problems
}

func TestLoadGoodFullFile(t *testing.T) {
	isolateEnv(t)
	path, err := filepath.Abs(filepath.Join("testdata", "good_full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Path != path || cfg.Operator != "alice" || cfg.LogLevel != "debug" {
		t.Errorf("top level = %q %q %q", cfg.Path, cfg.Operator, cfg.LogLevel)
	}
	if want := filepath.Join(filepath.Dir(path), "logs", "switchboard.log"); cfg.LogFile != want {
		t.Errorf("relative log_file resolved to %q, want %q", cfg.LogFile, want)
	}
	if cfg.Database != ":memory:" {
		t.Errorf("database = %q, want :memory: kept as is", cfg.Database)
	}
	wantCalls := Calls{RingTimeout: Duration{20 * time.Second}, MaxDuration: Duration{90 * time.Minute}, MaxCalls: 2, HoldMusic: HoldMusicTone}
	if cfg.Calls != wantCalls {
		t.Errorf("calls = %+v, want %+v", cfg.Calls, wantCalls)
	}
	if cfg.Audio.Backend != "portaudio" || !reflect.DeepEqual(cfg.Audio.Codecs, []string{"PCMA"}) {
		t.Errorf("audio = %+v", cfg.Audio)
	}
	if !reflect.DeepEqual(cfg.Screening.Blocked, []string{"+15550100", "anonymous"}) {
		t.Errorf("blocked = %v", cfg.Screening.Blocked)
	}
	if len(cfg.Accounts) != 2 {
		t.Fatalf("got %d accounts, want 2", len(cfg.Accounts))
	}
	work := cfg.Accounts[0]
	wantWork := Account{
		Name: "work", User: "alice", PasswordEnv: "SWITCHBOARD_TEST_WORK_PASSWORD",
		Domain: "sip.example.com", Registrar: "sip.example.com:5061", Transport: "tls",
		Listen: "127.0.0.1:5061", Register: true, DisplayName: "Alice",
		Expires: Duration{10 * time.Minute}, RetryInterval: Duration{10 * time.Second}, Keepalive: Duration{defaultKeepalive},
		TLS: TLS{ServerName: "sip.example.com", InsecureSkipVerify: true}, DTMF: DTMFAuto,
		AcceptCallsFrom: AcceptCallsFromAny, SRTP: SRTPOff,
	}
	if !reflect.DeepEqual(work, wantWork) {
		t.Errorf("work account =\n%+v\nwant\n%+v", work, wantWork)
	}
	lab := cfg.Accounts[1]
	wantLab := Account{
		Name: "lab", User: "bob", Password: "lab-secret", Domain: "::1", Transport: "tcp",
		Listen: "[::1]:5070", AutoAnswer: true,
		Expires: Duration{defaultExpires}, RetryInterval: Duration{defaultRetryInterval}, Keepalive: Duration{defaultKeepalive},
		DTMF: DTMFAuto, AcceptCallsFrom: AcceptCallsFromAny, SRTP: SRTPOff,
	}
	if !reflect.DeepEqual(lab, wantLab) {
		t.Errorf("lab account =\n%+v\nwant\n%+v", lab, wantLab)
	}
}

func TestLoadGoodSmallFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, cfg *Config)
	}{
		{
			name:    "empty file gives defaults",
			content: "",
			check: func(t *testing.T, cfg *Config) {
				want := Default()
				want.Path = cfg.Path
				if !reflect.DeepEqual(cfg, want) {
					t.Errorf("got %+v\nwant %+v", cfg, want)
				}
			},
		},
		{
			name:    "explicit zero max_duration means unlimited",
			content: "[calls]\nmax_duration = \"0s\"\n",
			check: func(t *testing.T, cfg *Config) {
				if cfg.Calls.MaxDuration.Duration != 0 || cfg.Calls.MaxCalls != 4 {
					t.Errorf("calls = %+v", cfg.Calls)
				}
			},
		},
		{
			name:    "registrar port defaults to 5060 for udp",
			content: "[[accounts]]\nname = \"a\"\nuser = \"u\"\nregistrar = \"pbx.local\"\nregister = true\n",
			check: func(t *testing.T, cfg *Config) {
				a := cfg.Accounts[0]
				if a.Registrar != "pbx.local:5060" || a.Domain != "pbx.local" || a.Listen != "127.0.0.1:5060" {
					t.Errorf("account = %+v", a)
				}
			},
		},
		{
			name:    "inline array of accounts and dotted tls keys",
			content: "accounts = [\n  { name = \"a\", user = \"u\" },\n  { name = \"b\", user = \"v\", transport = \"tls\", tls.server_name = \"x\" },\n]\n",
			check: func(t *testing.T, cfg *Config) {
				if len(cfg.Accounts) != 2 || cfg.Accounts[1].TLS.ServerName != "x" {
					t.Errorf("accounts = %+v", cfg.Accounts)
				}
			},
		},
		{
			name: "call handling of an account",
			content: "[[accounts]]\nname = \"a\"\nuser = \"u\"\nauto_answer_delay = \"2s\"\nintercom = true\n" +
				"dnd = true\ndnd_voicemail = \"sip:vm@pbx.local\"\nforward_to = \"8 (495) 123-45-67\"\naccept_transfer = true\n",
			check: func(t *testing.T, cfg *Config) {
				a := cfg.Accounts[0]
				if a.AutoAnswerDelay.Duration != 2*time.Second || !a.Intercom || !a.DND || a.DNDVoicemail != "sip:vm@pbx.local" ||
					a.ForwardTo != "8 (495) 123-45-67" || !a.AcceptTransfer {
					t.Errorf("account = %+v", a)
				}
			},
		},
		{
			name: "DTMF methods per account and silence on hold",
			content: "[calls]\nhold_music = \"silence\"\n[[accounts]]\nname = \"a\"\nuser = \"u\"\ndtmf = \"info\"\n" +
				"[[accounts]]\nname = \"b\"\nuser = \"v\"\nlisten = \"127.0.0.1:5070\"\ndtmf = \"rfc4733\"\n" +
				"[[accounts]]\nname = \"c\"\nuser = \"w\"\nlisten = \"127.0.0.1:5072\"\n",
			check: func(t *testing.T, cfg *Config) {
				var got []string
				for _, a := range cfg.Accounts {
					got = append(got, a.DTMF)
				}
				if want := []string{DTMFInfo, DTMFRFC4733, DTMFAuto}; !reflect.DeepEqual(got, want) {
					t.Errorf("dtmf of the accounts = %q, want %q", got, want)
				}
				if cfg.Calls.HoldMusic != HoldMusicSilence {
					t.Errorf("hold_music = %q, want silence", cfg.Calls.HoldMusic)
				}
			},
		},
		{
			name:    "wrap-up and console notifications",
			content: "[history]\ndispositions = [\"sale\"]\nwrap_up = true\n[console]\nbell = false\ndesktop_notify = false\n",
			check: func(t *testing.T, cfg *Config) {
				if !cfg.History.WrapUp || !reflect.DeepEqual(cfg.History.Dispositions, []string{"sale"}) {
					t.Errorf("history = %+v, want wrap_up on with its one code", cfg.History)
				}
				if cfg.Console.Bell || cfg.Console.DesktopNotify {
					t.Errorf("console = %+v, want both off as written", cfg.Console)
				}
				if d := Default(); d.History.WrapUp || !d.Console.Bell || !d.Console.DesktopNotify {
					t.Errorf("defaults: history %+v console %+v, want wrap_up off, bell and notifications on", d.History, d.Console)
				}
			},
		},
		{
			name:    "control socket relative to the file, TCP on loopback with a token",
			content: "[control]\nsocket = \"run/sb.sock\"\ntcp_listen = \"127.0.0.1:5099\"\ntoken_env = \"SB_TOKEN\"\n",
			check: func(t *testing.T, cfg *Config) {
				want := Control{Socket: filepath.Join(filepath.Dir(cfg.Path), "run", "sb.sock"), TCPListen: "127.0.0.1:5099", TokenEnv: "SB_TOKEN"}
				if cfg.Control != want {
					t.Errorf("control = %+v, want %+v", cfg.Control, want)
				}
			},
		},
		{
			name:    "dotted keys at top level",
			content: "calls.max_calls = 1\naudio.codecs = [\"PCMA\", \"PCMU\"]\n",
			check: func(t *testing.T, cfg *Config) {
				if cfg.Calls.MaxCalls != 1 || cfg.Audio.Codecs[0] != "PCMA" {
					t.Errorf("cfg = %+v", cfg)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			cfg, err := Load(writeConfig(t, tt.content))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestLoadReportsProblemsWithLineAndField(t *testing.T) {
	const account = "[[accounts]]\nname = \"a\"\nuser = \"u\"\n" // lines 1-3
	tests := []struct {
		name      string
		content   string
		wantLine  int
		wantField string
		wantText  string
	}{
		{"syntax error", "log_level = \"info\"\n[calls\nmax_calls = 2\n", 2, "", "syntax error"},
		{"unterminated string", "operator = \"bob\nlog_level = \"info\"\n", 1, "", "syntax error"},
		{"unknown top-level key", "log_level = \"info\"\nloglevel = \"debug\"\n", 2, "loglevel", `did you mean "log_level"`},
		{"unknown table", "[audi]\nbackend = \"null\"\n", 1, "audi", "unknown key"},
		{"unknown account key", account + "regsitrar = \"x\"\n", 4, "accounts[0].regsitrar", `did you mean "registrar"`},
		{"unknown tls key", account + "transport = \"tls\"\n[accounts.tls]\nca = \"x\"\n", 6, "accounts[0].tls.ca", "unknown key"},
		{"string instead of integer", "[calls]\nmax_calls = \"4\"\n", 2, "calls.max_calls", "must be an integer, not a string"},
		{"integer instead of string", account + "transport = 5\n", 4, "accounts[0].transport", "must be a string"},
		{"bool instead of string list", "[audio]\ncodecs = true\n", 2, "audio.codecs", "must be an array of strings"},
		{"number in string list", "[screening]\nblocked = [\n  \"1\",\n  2,\n]\n", 4, "screening.blocked[1]", "must be a string"},
		{"table written as array", "[[calls]]\n", 1, "calls", "write [calls]"},
		{"accounts written as table", "[accounts]\nname = \"a\"\n", 1, "accounts", "write [[accounts]]"},
		{"value is not a table", "[log_level]\n", 1, "log_level", "not a table"},
		{"key set twice", "log_level = \"info\"\n\nlog_level = \"debug\"\n", 3, "log_level", "set twice (first on line 1)"},
		{"integer overflow", "[calls]\nmax_calls = 99999999999999999999999\n", 2, "calls.max_calls", "too large"},
		{"bad duration", "[calls]\nring_timeout = \"30 seconds\"\n", 2, "calls.ring_timeout", `invalid duration "30 seconds"`},
		{"duration as number", "[calls]\nring_timeout = 30\n", 2, "calls.ring_timeout", "must be a duration string"},
		{"negative ring timeout", "[calls]\nring_timeout = \"-1s\"\n", 2, "calls.ring_timeout", "must be positive"},
		{"max_calls zero", "[calls]\n\nmax_calls = 0\n", 3, "calls.max_calls", "at least 1"},
		{"unknown log level", "log_level = \"verbose\"\n", 1, "log_level", `unknown log level "verbose"`},
		{"bad backend", "[audio]\nbackend = \"alsa\"\n", 2, "audio.backend", `unknown backend "alsa"`},
		{"unknown codec", "[audio]\ncodecs = [\"PCMU\",\n  \"G729\"]\n", 3, "audio.codecs[1]", `unknown codec "G729"`},
		{"gain out of range", "[audio]\ninput_gain = 30\n", 2, "audio.input_gain", "out of range"},
		{"device rate out of range", "[audio]\n\noutput_rate = 100\n", 3, "audio.output_rate", "out of range"},
		{"unknown tone plan", "[audio]\ntone_plan = \"mars\"\n", 2, "audio.tone_plan", `unknown tone plan "mars"`},
		{"jitter bounds reversed", "[audio]\njitter_min = \"200ms\"\njitter_max = \"100ms\"\n", 3, "audio.jitter_max", "jitter_min <= jitter_max"},
		{"file backend without files", "[audio]\nbackend = \"file\"\n", 2, "audio.backend", "needs file_input"},
		{"recording pattern not wav", "[recording]\npattern = \"{number}.mp3\"\n", 2, "recording.pattern", "must end in .wav"},
		{"recording pattern with a path", "[recording]\npattern = \"../{number}.wav\"\n", 2, "recording.pattern", "must be a file name"},
		{"negative retention", "[recording]\nretention_days = -1\n", 2, "recording.retention_days", "between 0"},
		{"empty disposition", "[history]\ndispositions = [\"sale\", \" \"]\n", 2, "history.dispositions[1]", "must not be empty"},
		{"wrap-up without dispositions", "[history]\ndispositions = []\nwrap_up = true\n", 3, "history.wrap_up", "at least one code"},
		{"wrap_up as string", "[history]\nwrap_up = \"yes\"\n", 2, "history.wrap_up", "must be true or false"},
		{"bell as number", "[console]\nbell = 1\n", 2, "console.bell", "must be true or false"},
		{"disposition twice", "[history]\ndispositions = [\"Sale\", \"sale\"]\n", 2, "history.dispositions[1]", "listed twice"},
		{"negative keepalive", account + "keepalive = \"-5s\"\n", 4, "accounts[0].keepalive", "must not be negative"},
		{"no codecs", "[audio]\ncodecs = []\n", 2, "audio.codecs", "at least one codec"},
		{"empty blocked number", "[screening]\nblocked = [\"\"]\n", 2, "screening.blocked[0]", "must not be empty"},
		{"bad transport", account + "transport = \"sctp\"\n", 4, "accounts[0].transport", `unknown transport "sctp"`},
		{"duplicate account name", account + "[[accounts]]\nname = \"a\"\nuser = \"v\"\n", 5, "accounts[1].name", `duplicate account name "a"`},
		{"empty account name", account + "[[accounts]]\nname = \"\"\nuser = \"v\"\n", 5, "accounts[1].name", "non-empty name"},
		{"missing account name", account + "[[accounts]]\nuser = \"v\"\n", 4, "accounts[1].name", "non-empty name"},
		{"missing user", "[[accounts]]\nname = \"a\"\n", 1, "accounts[0].user", "missing user"},
		{"listen without port", account + "listen = \"127.0.0.1\"\n", 4, "accounts[0].listen", "not host:port"},
		{"listen port not numeric", account + "listen = \"127.0.0.1:sip\"\n", 4, "accounts[0].listen", "1 to 65535"},
		{"listen port zero", account + "listen = \"127.0.0.1:0\"\n", 4, "accounts[0].listen", "1 to 65535"},
		{"listen port too big", account + "listen = \"127.0.0.1:65536\"\n", 4, "accounts[0].listen", "1 to 65535"},
		{"registrar bad port", account + "registrar = \"pbx:99999\"\n", 4, "accounts[0].registrar", "1 to 65535"},
		{"registrar garbage", account + "registrar = \"sip:pbx\"\n", 4, "accounts[0].registrar", "1 to 65535"},
		{"registrar with spaces", account + "registrar = \"my pbx\"\n", 4, "accounts[0].registrar", "not host or host:port"},
		{"register without registrar", account + "register = true\n", 4, "accounts[0].registrar", "needs a registrar"},
		{"password and password_env", account + "password = \"x\"\npassword_env = \"X\"\n", 5, "accounts[0].password_env", "not both"},
		{"bad env var name", account + "password_env = \"MY-PASS\"\n", 4, "accounts[0].password_env", "not a valid environment variable name"},
		{"expires too short", account + "expires = \"5s\"\n", 4, "accounts[0].expires", "at least 10s"},
		{"bad retry interval", account + "retry_interval = \"soon\"\n", 4, "accounts[0].retry_interval", "invalid duration"},
		{"tls options on udp account", account + "[accounts.tls]\nserver_name = \"x\"\n", 4, "accounts[0].tls", `transport is "udp"`},
		{"missing ca file", account + "transport = \"tls\"\ntls.ca_file = \"nope.pem\"\n", 5, "accounts[0].tls.ca_file", "cannot read CA file"},
		{"tls header before any account", "[accounts.tls]\n", 1, "accounts", "must come before"},
		{"negative auto_answer_delay", account + "auto_answer_delay = \"-1s\"\n", 4, "accounts[0].auto_answer_delay", "between 0s and 1m0s"},
		{"auto_answer_delay too long", account + "auto_answer_delay = \"2m\"\n", 4, "accounts[0].auto_answer_delay", "between 0s and 1m0s"},
		{"blank forward_to", account + "forward_to = \" \"\n", 4, "accounts[0].forward_to", "must not be blank"},
		{"forward_to without host", account + "forward_to = \"sip:1003@\"\n", 4, "accounts[0].forward_to", "needs a host"},
		{"forward_to with brackets", account + "forward_to = \"<sip:1003@pbx>\"\n", 4, "accounts[0].forward_to", "angle brackets"},
		{"dnd_voicemail unknown scheme", account + "dnd = true\ndnd_voicemail = \"http://vm\"\n", 5, "accounts[0].dnd_voicemail", "unknown URI scheme"},
		{"dnd as string", account + "dnd = \"yes\"\n", 4, "accounts[0].dnd", "must be true or false"},
		{"accept_transfer as number", account + "accept_transfer = 1\n", 4, "accounts[0].accept_transfer", "must be true or false"},
		{"control tcp_listen not loopback", "[control]\ntcp_listen = \"0.0.0.0:5099\"\ntoken_env = \"T\"\n", 2, "control.tcp_listen", "not a loopback address"},
		{"control tcp_listen without token", "[control]\n\ntcp_listen = \"127.0.0.1:5099\"\n", 3, "control.token_env", "needs token_env"},
		{"control tcp_listen without port", "[control]\ntcp_listen = \"127.0.0.1\"\n", 2, "control.tcp_listen", "not host:port"},
		{"control bad token_env", "[control]\ntoken_env = \"MY-TOKEN\"\n", 2, "control.token_env", "not a valid environment variable name"},
		{"control socket too long", "[control]\nsocket = \"/" + strings.Repeat("s", 120) + "\"\n", 2, "control.socket", "longer than a Unix socket path"},
		{"control unknown key", "[control]\ntoken = \"x\"\n", 2, "control.token", "unknown key"},
		{"unknown dtmf method", account + "dtmf = \"inband\"\n", 4, "accounts[0].dtmf", `unknown DTMF method "inband"`},
		{"dtmf in upper case", account + "dtmf = \"INFO\"\n", 4, "accounts[0].dtmf", "use auto, rfc4733 or info"},
		{"dtmf as bool", account + "dtmf = true\n", 4, "accounts[0].dtmf", "must be a string"},
		{"hold music neither kind nor wav", "[calls]\nhold_music = \"jazz\"\n", 2, "calls.hold_music", `"jazz" is neither`},
		{"hold music mp3", "[calls]\nhold_music = \"moh.mp3\"\n", 2, "calls.hold_music", "path of a .wav file"},
		{"hold music file missing", "[calls]\n\nhold_music = \"/nonexistent/moh.wav\"\n", 3, "calls.hold_music", "cannot read the music on hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			path := writeConfig(t, tt.content)
			cfg, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded, want a problem; config: %+v", cfg)
			}
			problems := problemsOf(t, err)
			p := problems[0]
			if p.File != path || p.Line != tt.wantLine || p.Field != tt.wantField || !strings.Contains(p.Message, tt.wantText) {
				t.Errorf("first problem = %s\nwant %s:%d: %s: ...%s...", p, path, tt.wantLine, tt.wantField, tt.wantText)
			}
			if !strings.HasPrefix(err.Error(), p.String()) {
				t.Errorf("Error() = %q does not start with first problem %q", err.Error(), p.String())
			}
		})
	}
}

// A WAV file for hold_music is found relative to the config file, and a
// directory of that name is refused.
func TestHoldMusicFile(t *testing.T) {
	isolateEnv(t)
	path := writeConfig(t, "[calls]\nhold_music = \"moh.WAV\"\n")
	music := filepath.Join(filepath.Dir(path), "moh.WAV")
	if err := os.Mkdir(music, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if problems := problemsOf(t, err); problems[0].Field != "calls.hold_music" || !strings.Contains(problems[0].Message, "is a directory") {
		t.Errorf("problem with a directory as hold music = %v", problems[0])
	}
	if err := os.Remove(music); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(music, []byte("RIFF"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Calls.HoldMusic != music {
		t.Errorf("hold_music = %q, want %q", cfg.Calls.HoldMusic, music)
	}
}

func TestLoadReportsAllProblems(t *testing.T) {
	path, err := filepath.Abs(filepath.Join("testdata", "bad_unknown_key.toml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	problems := problemsOf(t, err)
	// The misspelt key comes first; the value problem it causes (no registrar)
	// is reported after it.
	if len(problems) != 2 || problems[0].Line != 11 || problems[0].Field != "accounts[1].regsitrar" ||
		problems[1].Field != "accounts[1].registrar" || problems[1].File != path {
		t.Errorf("problems = %v", problems)
	}

	content := "log_level = \"loud\"\n[calls]\nmax_calls = 0\n[audio]\nbackend = \"alsa\"\n"
	_, err = Load(writeConfig(t, content))
	problems = problemsOf(t, err)
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
	}
	if !reflect.DeepEqual(lines, []int{1, 3, 5}) {
		t.Errorf("problem lines = %v, want [1 3 5]; problems: %v", lines, err)
	}
	if got := strings.Count(err.Error(), "\n"); got != 2 {
		t.Errorf("Error() has %d newlines, want one line per problem: %q", got, err.Error())
	}
}

func TestLoadMissingFileIsWrappedIOError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		problem Problem
		want    string
	}{
		{Problem{"c.toml", 3, "accounts[1].transport", "bad"}, "c.toml:3: accounts[1].transport: bad"},
		{Problem{"c.toml", 0, "accounts[0].user", "missing"}, "c.toml: accounts[0].user: missing"},
		{Problem{"c.toml", 2, "", "syntax error"}, "c.toml:2: syntax error"},
	}
	for _, tt := range tests {
		if got := tt.problem.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestSchemaCoversEveryField guards against adding a Config field of a type
// the schema does not understand: such a key would be rejected as unknown.
func TestSchemaCoversEveryField(t *testing.T) {
	var count func(reflect.Type) int
	count = func(typ reflect.Type) int {
		n := 0
		for i := 0; i < typ.NumField(); i++ {
			field := typ.Field(i)
			if field.Tag.Get("toml") == "-" {
				continue
			}
			if field.Tag.Get("toml") == "" {
				t.Errorf("%s.%s has no toml tag", typ.Name(), field.Name)
			}
			n++
			elem := field.Type
			if elem.Kind() == reflect.Slice {
				elem = elem.Elem()
			}
			if elem.Kind() == reflect.Struct && elem != reflect.TypeFor[Duration]() {
				n += count(elem)
			}
		}
		return n
	}
	var countSchema func(*schemaNode) int
	countSchema = func(node *schemaNode) int {
		n := 0
		for _, child := range node.fields {
			n += 1 + countSchema(child)
		}
		return n
	}
	if want, got := count(reflect.TypeFor[Config]()), countSchema(configSchema()); got != want {
		t.Errorf("schema has %d keys, Config has %d tagged fields", got, want)
	}
}

func TestSecuritySettings(t *testing.T) {
	isolateEnv(t)
	cfg, err := Load(writeConfig(t, `
[security]
invites_per_minute = 0

[[accounts]]
name = "pbx"
user = "op"
registrar = "127.0.0.1:5060"
accept_calls_from = "registrar"
srtp = "mandatory"
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Security.InvitesPerMinute != 0 || cfg.Security.InviteBurst != defaultInviteBurst || cfg.Security.RequestsPerSecond != defaultRequestsPerSecond || cfg.Security.ShowVersion {
		t.Errorf("security = %+v: an explicit 0 must stay, absent keys get defaults", cfg.Security)
	}
	if a := cfg.Accounts[0]; a.AcceptCallsFrom != AcceptCallsFromRegistrar || a.SRTP != SRTPMandatory {
		t.Errorf("account = %+v", a)
	}

	for _, bad := range []struct{ text, want string }{
		{"[security]\ninvites_per_minute = -1\n", "security.invites_per_minute"},
		{"[security]\ninvite_burst = 0\n", "security.invite_burst"},
		{"[[accounts]]\nname = \"a\"\nuser = \"op\"\naccept_calls_from = \"registrar\"\n", "needs a registrar"},
		{"[[accounts]]\nname = \"a\"\nuser = \"op\"\naccept_calls_from = \"friends\"\n", `unknown value "friends"`},
		{"[[accounts]]\nname = \"a\"\nuser = \"op\"\nsrtp = \"yes\"\n", `unknown value "yes" (use off, optional or mandatory)`},
	} {
		_, err := Load(writeConfig(t, bad.text))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want it to mention %q", bad.text, err, bad.want)
		}
	}
}
