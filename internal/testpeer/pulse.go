package testpeer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PulseRate is the sample rate of the test sinks and of what Record returns
// and PlayTone plays (mono S16).
const PulseRate = 48000

const (
	pulseReadyTimeout = 10 * time.Second
	pulseStopGrace    = 2 * time.Second
	pulseToneLevel    = 0.5 // of full scale
	// systemALSAConfig is alsa-lib's top configuration; ALSA_CONFIG_PATH
	// replaces the default list, so it has to be named again.
	systemALSAConfig = "/usr/share/alsa/alsa.conf"
)

// Pulse is a private PulseAudio server reachable only through a unix socket
// in its own runtime directory. Its null sinks stand in for sound cards:
// "spk" is the speaker (what is played there can be read back from
// "spk.monitor"), "mic" carries the microphone signal (its monitor
// "mic.monitor" is the default source) and "spare" is a second output.
// Through libasound2-plugins, ALSA's default device routes to it for every
// process started with Env.
type Pulse struct {
	Dir     string // XDG_RUNTIME_DIR, mode 0700; the socket is Dir/pulse/native
	Home    string // HOME and config dir of the daemon (cookie, state)
	LogPath string

	t          testing.TB
	script     string
	alsaConfig string // extra ALSA PCMs; "" until AddALSADevice

	mu   sync.Mutex
	proc *process
}

// StartPulse starts a PulseAudio daemon with the sinks spk, mic and spare and
// waits until it answers; it is killed in t.Cleanup. Nothing global is
// touched: runtime dir, HOME and config are temporary and only the local
// unix socket protocol is loaded.
func StartPulse(t testing.TB) *Pulse {
	t.Helper()
	Require(t, "pulseaudio", "pactl", "pacat")
	// Not t.TempDir: its paths can exceed the 108-byte unix socket limit.
	dir, err := os.MkdirTemp("", "sbpulse-")
	if err != nil {
		t.Fatalf("testpeer: pulse dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &Pulse{
		Dir:     filepath.Join(dir, "run"),
		Home:    filepath.Join(dir, "home"),
		LogPath: filepath.Join(dir, "pulse.log"),
		t:       t,
		script:  filepath.Join(dir, "test.pa"),
	}
	for _, d := range []string{p.Dir, p.Home} {
		// PulseAudio refuses a runtime dir that others could enter.
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("testpeer: %v", err)
		}
	}
	if err := os.WriteFile(p.script, []byte(pulseScript), 0o600); err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	if err := os.WriteFile(p.clientConf(), []byte(pulseClientConf), 0o600); err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	t.Cleanup(p.Stop)
	if err := p.start(); err != nil {
		t.Fatalf("testpeer: %v\npulse log %s:\n%s", err, p.LogPath, tailFile(p.LogPath, 30))
	}
	return p
}

// pulseScript replaces default.pa (-n): the unix socket only, anonymous
// because the socket's directory is private (and a second test server's
// clients would otherwise need its cookie), and the three null sinks.
//
// An idle null sink renders in 2 s blocks: a recording of its monitor gets
// nothing for the first seconds and a new stream stalls for over a second.
// A silent loopback into every sink keeps it running at low latency, as a
// real sound card would be, and a suspend/resume cycle discards the 2 s
// block the sink rendered before the loopback connected.
var pulseScript = "load-module module-native-protocol-unix auth-anonymous=1\n" +
	fmt.Sprintf("load-module module-null-source source_name=silence rate=%d\n", PulseRate) +
	nullSinkScript("spk", "Speaker") + nullSinkScript("mic", "Microphone") + nullSinkScript("spare", "Spare") +
	"set-default-sink spk\nset-default-source mic.monitor\n"

func nullSinkScript(name, description string) string {
	return fmt.Sprintf("load-module module-null-sink sink_name=%s rate=%d sink_properties=device.description=%s\n"+
		"load-module module-loopback source=silence sink=%[4]s latency_msec=20 source_dont_move=true sink_dont_move=true\n"+
		"suspend-sink %[4]s 1\nsuspend-sink %[4]s 0\n",
		name, PulseRate, description, name)
}

// pulseClientConf is what clients started with Env use.
//
// No autospawn: a client must never start a real per-user daemon while the
// test server is down (the device-loss tests kill it on purpose).
//
// No shared memory: when the server dies while a client records, libpulse
// can deadlock (its mainloop thread waits in pa_memimport_free for a block
// the ALSA plugin holds, while the plugin waits for the mainloop lock). The
// code under test survives that by abandoning the stuck stream, but then
// keeps PortAudio initialised for the rest of the process, which would leak
// into later tests. Over the socket the same audio flows without the trap.
const pulseClientConf = "autospawn = no\nenable-shm = no\n"

func (p *Pulse) clientConf() string { return filepath.Join(p.Home, "client.conf") }

// Server is the PULSE_SERVER address of this daemon.
func (p *Pulse) Server() string { return "unix:" + filepath.Join(p.Dir, "pulse", "native") }

// Env returns the variables that route a process's PulseAudio and ALSA
// default devices to this server; append them to os.Environ(). HOME is left
// alone so the process keeps its own configuration.
func (p *Pulse) Env() []string {
	env := []string{
		"XDG_RUNTIME_DIR=" + p.Dir,
		"PULSE_SERVER=" + p.Server(),
		"PULSE_SINK=spk",
		"PULSE_SOURCE=mic.monitor",
		"PULSE_CLIENTCONFIG=" + p.clientConf(),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.alsaConfig != "" {
		env = append(env, "ALSA_CONFIG_PATH="+systemALSAConfig+":"+p.alsaConfig)
	}
	return env
}

// Setenv applies Env to the test process itself (restored after the test),
// for code that opens the sound system in-process.
func (p *Pulse) Setenv(t testing.TB) {
	t.Helper()
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// AddALSADevice makes ALSA (and so PortAudio) list an extra PCM called name
// that plays to and records from the default sink and source of target,
// typically a second Pulse: a stand-in for a USB headset that can be
// "unplugged" with target.Kill. It takes effect through Env.
func (p *Pulse) AddALSADevice(name string, target *Pulse) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.alsaConfig == "" {
		p.alsaConfig = filepath.Join(filepath.Dir(p.Dir), "alsa.conf")
	}
	pcm := fmt.Sprintf("pcm.%s {\n\ttype pulse\n\tserver %q\n\thint { show on description %q }\n}\n", name, target.Server(), name)
	old, err := os.ReadFile(p.alsaConfig)
	if err == nil || os.IsNotExist(err) {
		err = os.WriteFile(p.alsaConfig, append(old, pcm...), 0o600)
	}
	if err != nil {
		p.t.Fatalf("testpeer: write ALSA config: %v", err)
	}
}

func (p *Pulse) start() error {
	proc, err := startProcess(processSpec{
		Name:   "pulseaudio",
		Binary: "pulseaudio",
		Args: []string{"--daemonize=no", "-n", "--file=" + p.script, "--exit-idle-time=-1",
			"--use-pid-file=no", "--realtime=false", "--high-priority=false", "--log-target=stderr"},
		Dir:     p.Home,
		Env:     append(os.Environ(), "HOME="+p.Home, "XDG_CONFIG_HOME="+filepath.Join(p.Home, ".config"), "XDG_RUNTIME_DIR="+p.Dir),
		LogPath: p.LogPath,
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.proc = proc
	p.mu.Unlock()
	deadline := time.Now().Add(pulseReadyTimeout)
	for {
		if proc.Exited() {
			return fmt.Errorf("pulseaudio exited during startup: %w", proc.ExitError())
		}
		_, err := p.pactl("info")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pulseaudio not ready after %v: %w", pulseReadyTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop terminates the daemon; safe to call repeatedly.
func (p *Pulse) Stop() {
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if proc == nil {
		return
	}
	if err := proc.Stop(pulseStopGrace); err != nil {
		p.t.Errorf("testpeer: stop pulseaudio: %v (log %s)", err, p.LogPath)
	}
}

// Kill SIGKILLs the daemon, like a crash: clients see their connection drop.
func (p *Pulse) Kill() {
	p.t.Helper()
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if proc == nil {
		return
	}
	_ = syscall.Kill(-proc.PID(), syscall.SIGKILL)
	p.Stop() // reaps it and closes the log
}

// Restart starts the daemon again after Kill or Stop, with fresh sinks.
func (p *Pulse) Restart() {
	p.t.Helper()
	p.Stop()
	if err := p.start(); err != nil {
		p.t.Fatalf("testpeer: restart pulseaudio: %v\nlog %s:\n%s", err, p.LogPath, tailFile(p.LogPath, 30))
	}
}

// PID returns the daemon's process id, 0 before start.
func (p *Pulse) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return 0
	}
	return p.proc.PID()
}

// Pactl runs pactl against this server and returns its output.
func (p *Pulse) Pactl(args ...string) string {
	p.t.Helper()
	out, err := p.pactl(args...)
	if err != nil {
		p.t.Fatalf("testpeer: %v", err)
	}
	return out
}

func (p *Pulse) pactl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pactl", args...)
	cmd.Env = append(os.Environ(), p.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pactl %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// UnloadSink removes the null sink name (PulseAudio moves its streams to
// the default sink, which becomes another sink if name was the default).
func (p *Pulse) UnloadSink(name string) {
	p.t.Helper()
	for _, line := range strings.Split(p.Pactl("list", "short", "modules"), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 3 && fields[1] == "module-null-sink" && strings.Contains(line, "sink_name="+name+" ") {
			p.Pactl("unload-module", fields[0])
			return
		}
	}
	p.t.Fatalf("testpeer: no null sink %q loaded", name)
}

// LoadSink adds the null sink name again (with its silent keep-alive).
func (p *Pulse) LoadSink(name string) {
	p.t.Helper()
	p.Pactl("load-module", "module-null-sink", "sink_name="+name, fmt.Sprintf("rate=%d", PulseRate))
	p.Pactl("load-module", "module-loopback", "source=silence", "sink="+name, "latency_msec=20",
		"source_dont_move=true", "sink_dont_move=true")
	p.Pactl("suspend-sink", name, "1")
	p.Pactl("suspend-sink", name, "0")
}

// PlayTone plays a sine of freq Hz at half full scale into sink for dur and
// returns when it has been played.
func (p *Pulse) PlayTone(t testing.TB, sink string, freq float64, dur time.Duration) {
	t.Helper()
	if err := p.playTone(sink, freq, dur); err != nil {
		t.Fatalf("testpeer: %v", err)
	}
}

func (p *Pulse) playTone(sink string, freq float64, dur time.Duration) error {
	pcm := make([]byte, 2*int(dur.Seconds()*PulseRate))
	pulseTone(pcm, freq, 0)
	ctx, cancel := context.WithTimeout(context.Background(), dur+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pacat", p.pacatArgs("--playback", sink)...)
	cmd.Env = append(os.Environ(), p.Env()...)
	cmd.Stdin = bytes.NewReader(pcm)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pacat into %s: %w: %s", sink, err, out)
	}
	return nil
}

// StartTone plays freq Hz into sink until the returned stop is called (or the
// test ends, or the server goes away).
func (p *Pulse) StartTone(t testing.TB, sink string, freq float64) (stop func()) {
	t.Helper()
	cmd := exec.Command("pacat", p.pacatArgs("--playback", sink)...)
	cmd.Env = append(os.Environ(), p.Env()...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testpeer: start pacat: %v", err)
	}
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		chunk := make([]byte, 2*PulseRate/50)
		for i := 0; ; i = (i + len(chunk)/2) % PulseRate { // phase continuous for integer freq
			pulseTone(chunk, freq, i)
			if _, err := in.Write(chunk); err != nil {
				return // pacat gone
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			in.Close()
			waitBounded(cmd, 5*time.Second)
			<-fed
		})
	}
	t.Cleanup(stop)
	return stop
}

// pulseTone fills dst with S16LE samples of a half-scale sine of freq Hz,
// starting at sample index start.
func pulseTone(dst []byte, freq float64, start int) {
	for i := range len(dst) / 2 {
		v := pulseToneLevel * 32767 * math.Sin(2*math.Pi*freq*float64(start+i)/PulseRate)
		binary.LittleEndian.PutUint16(dst[2*i:], uint16(int16(math.Round(v))))
	}
}

// Record captures dur of source (e.g. "spk.monitor") as mono samples at
// PulseRate.
func (p *Pulse) Record(t testing.TB, source string, dur time.Duration) []int16 {
	t.Helper()
	cmd := exec.Command("pacat", p.pacatArgs("--record", source)...)
	cmd.Env = append(os.Environ(), p.Env()...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("testpeer: start pacat --record: %v", err)
	}
	time.Sleep(dur)
	// SIGINT makes pacat flush what it has and exit cleanly.
	_ = cmd.Process.Signal(syscall.SIGINT)
	waitBounded(cmd, 5*time.Second)
	data := out.Bytes()
	samples := make([]int16, len(data)/2)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	if len(samples) == 0 {
		t.Fatalf("testpeer: recorded nothing from %s: %s", source, errOut.String())
	}
	return samples
}

func (p *Pulse) pacatArgs(mode, device string) []string {
	// 20 ms latency: the default of about 2 s would delay and truncate.
	return []string{mode, "--raw", "--format=s16le", fmt.Sprintf("--rate=%d", PulseRate),
		"--channels=1", "--latency-msec=20", "--device=" + device}
}

// waitBounded waits for cmd, killing it if it outlives timeout.
func waitBounded(cmd *exec.Cmd, timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
	}
}
