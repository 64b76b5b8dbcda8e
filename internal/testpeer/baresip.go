package testpeer

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	baresipReadyTimeout = 10 * time.Second
	// baresip unregisters on SIGTERM and waits for the registrar; when that
	// is gone already, it would hang, so the grace is short.
	baresipStopGrace   = 2 * time.Second
	defaultToneHz      = 1000
	defaultToneSeconds = 30
)

// BaresipOptions configures StartBaresip.
type BaresipOptions struct {
	// User is the account user part, e.g. "1002".
	User     string
	Password string
	// Registrar "127.0.0.1:PORT" registers there (it is also the outbound
	// proxy); empty listens for direct calls only.
	Registrar string
	// Transport udp (default) or tcp towards the registrar.
	Transport  string
	AutoAnswer bool
	// PlayWAV is sent into calls; it must be 8 kHz mono S16. Empty: a
	// generated 30 s tone at ToneHz.
	PlayWAV string
	// ToneHz of the generated tone (default 1000).
	ToneHz float64
	// Codecs in order of preference (default PCMU, PCMA); "opus" loads the
	// opus module.
	Codecs []string
	// SoundCard plays and captures through ALSA's default device instead of
	// files (with Env pointing it at a test PulseAudio). Without it, playback
	// goes to ALSA's null device, which does not pace the player: fine for
	// tests, not for measuring CPU.
	SoundCard bool
	// Env is added to the phone's environment (e.g. Pulse.Env()).
	Env []string
	// MediaEnc is the account's mediaenc (srtp, srtp-mand, srtp-mandf): it
	// loads the srtp module. Empty: plain RTP.
	MediaEnc string
}

// Baresip is a running baresip phone on 127.0.0.1 controlled via ctrl_tcp.
type Baresip struct {
	SIPPort  int
	CtrlPort int
	User     string
	// RecordDir is where the sndfile module writes "...-dec.wav" files with
	// the audio the phone received.
	RecordDir string
	ConfigDir string
	LogPath   string
	// PlayWAV is the file this phone sends into calls.
	PlayWAV string

	codecs    []string
	soundCard bool
	mediaEnc  string
	t         testing.TB
	proc      *process
	ctrl      *ctrlClient
}

// StartBaresip starts a phone with its own config dir and waits until
// ctrl_tcp answers and, with a Registrar, until it is registered.
func StartBaresip(t testing.TB, opts BaresipOptions) *Baresip {
	t.Helper()
	Require(t, "baresip")
	b, err := prepareBaresip(t, opts)
	if err != nil {
		t.Fatalf("testpeer: prepare baresip %s: %v", opts.User, err)
	}
	t.Cleanup(b.Stop)
	proc, err := startProcess(processSpec{
		Name:    "baresip-" + b.User,
		Binary:  "baresip",
		Args:    []string{"-4", "-f", b.ConfigDir},
		Dir:     b.ConfigDir,
		LogPath: b.LogPath,
		// HOME points into the temp dir so nothing reads or writes ~/.baresip.
		Env: append(append(os.Environ(), opts.Env...), "HOME="+b.ConfigDir),
	})
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	b.proc = proc
	if err := b.waitReady(opts.Registrar != ""); err != nil {
		t.Fatalf("testpeer: baresip %s not ready: %v\nlog %s:\n%s", b.User, err, b.LogPath, tailFile(b.LogPath, 40))
	}
	return b
}

func prepareBaresip(t testing.TB, opts BaresipOptions) (*Baresip, error) {
	if opts.User == "" {
		return nil, fmt.Errorf("BaresipOptions.User is empty")
	}
	transport := strings.ToLower(opts.Transport)
	if transport == "" {
		transport = "udp"
	}
	if transport != "udp" && transport != "tcp" {
		return nil, fmt.Errorf("transport %q not supported (udp or tcp)", opts.Transport)
	}
	if opts.Registrar != "" {
		host, _, err := net.SplitHostPort(opts.Registrar)
		if err != nil || host != loopback {
			return nil, fmt.Errorf("registrar %q must be %s:PORT", opts.Registrar, loopback)
		}
	}
	dir := t.TempDir()
	// SIP port and port+1 (baresip's implicit TLS listener) must be free.
	sipPorts, err := freePorts("udp+tcp", 1, 2)
	if err != nil {
		return nil, err
	}
	ctrlPorts, err := freePorts("tcp", 1, 1)
	if err != nil {
		return nil, err
	}
	b := &Baresip{
		SIPPort:   sipPorts[0],
		CtrlPort:  ctrlPorts[0],
		User:      opts.User,
		RecordDir: filepath.Join(dir, "received"),
		ConfigDir: filepath.Join(dir, "config"),
		LogPath:   filepath.Join(dir, "baresip.log"),
		PlayWAV:   opts.PlayWAV,
		codecs:    opts.Codecs,
		soundCard: opts.SoundCard,
		mediaEnc:  opts.MediaEnc,
		t:         t,
	}
	if len(b.codecs) == 0 {
		b.codecs = []string{"PCMU", "PCMA"}
	}
	if b.SIPPort+1 == b.CtrlPort {
		return nil, fmt.Errorf("ctrl port collides with TLS port %d", b.CtrlPort)
	}
	for _, path := range []string{b.RecordDir, b.ConfigDir} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
	}
	if b.PlayWAV == "" {
		hz := opts.ToneHz
		if hz <= 0 {
			hz = defaultToneHz
		}
		b.PlayWAV = filepath.Join(dir, fmt.Sprintf("tone-%gHz.wav", hz))
		if err := WriteToneWAV(b.PlayWAV, hz, defaultToneSeconds*time.Second); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(b.ConfigDir, "config"), []byte(b.configFile()), 0o644); err != nil {
		return nil, fmt.Errorf("write baresip config: %w", err)
	}
	accounts := b.accountLine(opts, transport) + "\n"
	if err := os.WriteFile(filepath.Join(b.ConfigDir, "accounts"), []byte(accounts), 0o600); err != nil {
		return nil, fmt.Errorf("write baresip accounts: %w", err)
	}
	// An empty contacts file keeps baresip from writing a template.
	if err := os.WriteFile(filepath.Join(b.ConfigDir, "contacts"), nil, 0o644); err != nil {
		return nil, fmt.Errorf("write baresip contacts: %w", err)
	}
	return b, nil
}

// configFile renders baresip's config. Without a sound card, playback goes
// to ALSA's "null" PCM and capture comes from aufile; with one, both use
// ALSA's default device. sndfile records what the call decoded either way.
// menu provides dial/accept/hangup and auto-answer.
func (b *Baresip) configFile() string {
	audio := []string{"audio_player alsa,null", "audio_alert alsa,null", "audio_source aufile," + b.PlayWAV}
	if b.soundCard {
		audio = []string{"audio_player alsa,default", "audio_alert alsa,default", "audio_source alsa,default"}
	}
	lines := append([]string{
		"poll_method epoll",
		"sip_listen " + loopbackAddr(b.SIPPort),
		"call_local_timeout 120",
		"call_max_calls 4",
	}, audio...)
	lines = append(lines,
		"audio_level no",
		"rtp_tos 0",
		// Below the range FreePort hands out, so RTP never takes a SIP port.
		"rtp_ports 10000-19998",
		"rtcp_mux no",
		"jitter_buffer_delay 1-10",
		"net_interface "+loopback, // "lo" does not work in 1.0.0
		// Nothing here needs DNS; if something asks, keep it on loopback.
		"dns_server "+loopback+":53",
		"module_path /usr/lib/baresip/modules",
		"module g711.so",
		"module alsa.so",
		"module aufile.so",
		"module sndfile.so",
		"module_tmp account.so",
		"module_app menu.so",
		"module_app ctrl_tcp.so",
		"ctrl_tcp_listen "+loopbackAddr(b.CtrlPort),
		"snd_path "+b.RecordDir,
	)
	if b.mediaEnc != "" {
		lines = append(lines, "module srtp.so")
	}
	for _, c := range b.codecs {
		if strings.EqualFold(c, "opus") {
			lines = append(lines, "module opus.so", "opus_bitrate 32000")
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// accountLine: with a registrar the AoR is sip:USER@127.0.0.1 (our realm)
// and the registrar doubles as outbound proxy, so calls route through it.
func (b *Baresip) accountLine(opts BaresipOptions, transport string) string {
	params := []string{"audio_codecs=" + strings.Join(b.codecs, ",")}
	if opts.Password != "" {
		params = append(params, "auth_pass="+opts.Password)
	}
	if opts.MediaEnc != "" {
		params = append(params, "mediaenc="+opts.MediaEnc)
	}
	if opts.AutoAnswer {
		params = append(params, "answermode=auto")
	} else {
		params = append(params, "answermode=manual")
	}
	var aor string
	if opts.Registrar != "" {
		aor = fmt.Sprintf("<sip:%s@%s;transport=%s>", opts.User, loopback, transport)
		params = append(params,
			fmt.Sprintf("outbound=\"sip:%s;transport=%s\"", opts.Registrar, transport),
			"regint=600")
	} else {
		aor = fmt.Sprintf("<sip:%s@%s>", opts.User, loopbackAddr(b.SIPPort))
		params = append(params, "regint=0")
	}
	return aor + ";" + strings.Join(params, ";")
}

func (b *Baresip) waitReady(wantRegistered bool) error {
	deadline := time.Now().Add(baresipReadyTimeout)
	var lastErr error
	for b.ctrl == nil {
		if b.proc.Exited() {
			return fmt.Errorf("baresip exited: %w", b.proc.ExitError())
		}
		conn, err := net.DialTimeout("tcp4", loopbackAddr(b.CtrlPort), 200*time.Millisecond)
		if err == nil {
			b.ctrl = newCtrlClient(conn)
			break
		}
		lastErr = err
		if time.Now().After(deadline) {
			return fmt.Errorf("ctrl_tcp %d not reachable: %w", b.CtrlPort, lastErr)
		}
		time.Sleep(30 * time.Millisecond)
	}
	if !wantRegistered {
		return nil
	}
	// REGISTER_OK may fire before we connected, so poll the registration
	// state instead of waiting only for the event.
	for {
		info, err := b.ctrl.command("reginfo", "")
		if err == nil && registrationOK(info) {
			return nil
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("reginfo: %q", info)
		}
		if b.proc.Exited() {
			return fmt.Errorf("baresip exited: %w", b.proc.ExitError())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not registered within %v: %w", baresipReadyTimeout, lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// registrationOK reads menu's reginfo text, which marks a registered user
// agent with "OK" (colored with ANSI escapes).
func registrationOK(info string) bool {
	return strings.Contains(info, "OK")
}

// URI is the phone's direct SIP URI, sip:USER@127.0.0.1:PORT.
func (b *Baresip) URI() string {
	return fmt.Sprintf("sip:%s@%s", b.User, loopbackAddr(b.SIPPort))
}

// PID returns the process id (also its process group id).
func (b *Baresip) PID() int { return b.proc.PID() }

// Command runs a ctrl_tcp command and returns the response data.
func (b *Baresip) Command(cmd, params string) (string, error) {
	if b.ctrl == nil {
		return "", fmt.Errorf("baresip %s: ctrl_tcp not connected", b.User)
	}
	data, err := b.ctrl.command(cmd, params)
	if err != nil {
		return data, fmt.Errorf("baresip %s: %w", b.User, err)
	}
	return data, nil
}

// Dial calls uri, which must be on 127.0.0.1.
func (b *Baresip) Dial(uri string) error {
	if !strings.Contains(uri, "@"+loopback) && !strings.HasPrefix(strings.TrimPrefix(uri, "sip:"), loopback) {
		return fmt.Errorf("baresip %s: refusing to dial %q: not on %s", b.User, uri, loopback)
	}
	_, err := b.Command("dial", uri)
	return err
}

// Hangup ends the current call.
func (b *Baresip) Hangup() error {
	_, err := b.Command("hangup", "")
	return err
}

// Accept answers the incoming call.
func (b *Baresip) Accept() error {
	_, err := b.Command("accept", "")
	return err
}

// WaitEvent waits for the oldest unconsumed event of type typ (e.g.
// CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK) and fails the
// test on timeout.
func (b *Baresip) WaitEvent(t testing.TB, typ string, timeout time.Duration) map[string]any {
	t.Helper()
	event, err := b.ctrl.waitEvent(typ, timeout)
	if err != nil {
		t.Fatalf("testpeer: baresip %s: %v; events seen: %v\nlog %s:\n%s",
			b.User, err, b.ctrl.eventTypes(), b.LogPath, tailFile(b.LogPath, 30))
	}
	return event
}

// Events lists the types of all events received so far.
func (b *Baresip) Events() []string { return b.ctrl.eventTypes() }

// ReceivedWAV returns the newest "*-dec.wav" sndfile wrote, waiting up to 5 s
// for it to appear and to be finalized (RIFF size matches the file size,
// which libsndfile writes on close, i.e. after the call ended).
func (b *Baresip) ReceivedWAV(t testing.TB) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		path, err := newestFile(b.RecordDir, "*-dec.wav")
		if err == nil && wavFinalized(path) {
			return path
		}
		if time.Now().After(deadline) {
			t.Fatalf("testpeer: baresip %s: no finished *-dec.wav in %s (last: %q, %v)", b.User, b.RecordDir, path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func newestFile(dir, pattern string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return "", fmt.Errorf("glob %s: %w", pattern, err)
	}
	if len(matches) == 0 {
		return "", fmt.Errorf("no %s in %s", pattern, dir)
	}
	modTime := func(path string) time.Time {
		info, err := os.Stat(path)
		if err != nil {
			return time.Time{}
		}
		return info.ModTime()
	}
	sort.Slice(matches, func(i, j int) bool { return modTime(matches[i]).After(modTime(matches[j])) })
	return matches[0], nil
}

// Stop terminates the phone (SIGTERM, then SIGKILL) and closes ctrl_tcp.
func (b *Baresip) Stop() {
	if b.ctrl != nil {
		b.ctrl.close()
	}
	if b.proc == nil {
		return
	}
	if err := b.proc.Stop(baresipStopGrace); err != nil {
		b.t.Errorf("testpeer: stop baresip %s: %v (log %s)", b.User, err, b.LogPath)
	}
}
