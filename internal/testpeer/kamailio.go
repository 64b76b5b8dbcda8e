package testpeer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	kamailioReadyTimeout = 10 * time.Second
	kamailioStopGrace    = 3 * time.Second
)

// User is a SIP account known to Kamailio's digest authentication.
type User struct{ Name, Password string }

// DefaultUsers are provisioned when KamailioOptions.Users is empty.
func DefaultUsers() []User {
	return []User{{"1001", "secret1001"}, {"1002", "secret1002"}, {"1003", "secret1003"}}
}

// KamailioOptions configures StartKamailio.
type KamailioOptions struct {
	// Users for digest auth; default DefaultUsers().
	Users []User
	// NoAuth disables all challenges (REGISTER and INVITE).
	NoAuth bool
	// CertExpired makes the TLS listener serve a certificate whose validity
	// ended yesterday, so clients can be tested for how they report it.
	CertExpired bool
}

// Kamailio is a running registrar/proxy on 127.0.0.1.
type Kamailio struct {
	UDPPort, TCPPort, TLSPort int
	// CAFile is the PEM of the self-signed server certificate, which is its
	// own CA: clients verify the TLS listener against it.
	CAFile string
	// Domain is the SIP domain and digest realm: "127.0.0.1".
	Domain string
	// LogPath receives Kamailio's stderr.
	LogPath    string
	ConfigPath string

	t         testing.TB
	ctlSocket string
	dir       string
	// certExpired: the readiness probe cannot verify the chain, because
	// verification fails by design (see KamailioOptions.CertExpired).
	certExpired bool

	mu   sync.Mutex
	proc *process
}

// StartKamailio generates a configuration in t.TempDir(), starts Kamailio on
// free udp/tcp/tls ports of 127.0.0.1 and waits until it answers OPTIONS.
// The process is killed in t.Cleanup.
func StartKamailio(t testing.TB, opts KamailioOptions) *Kamailio {
	t.Helper()
	Require(t, "kamailio", "kamcmd")
	k, err := prepareKamailio(t, opts)
	if err != nil {
		t.Fatalf("testpeer: prepare kamailio: %v", err)
	}
	t.Cleanup(k.Stop)
	if err := k.start(); err != nil {
		t.Fatalf("testpeer: %v\nkamailio log %s:\n%s", err, k.LogPath, tailFile(k.LogPath, 40))
	}
	return k
}

func prepareKamailio(t testing.TB, opts KamailioOptions) (*Kamailio, error) {
	dir := t.TempDir()
	users := opts.Users
	if len(users) == 0 {
		users = DefaultUsers()
	}
	// udp and tcp share a number so "127.0.0.1:PORT" works for either
	// transport; tls gets its own port.
	ports, err := freePorts("udp+tcp", 2, 1)
	if err != nil {
		return nil, err
	}
	certPath, keyPath, err := selfSignedCert(dir, opts.CertExpired)
	if err != nil {
		return nil, err
	}
	k := &Kamailio{
		UDPPort:    ports[0],
		TCPPort:    ports[0],
		TLSPort:    ports[1],
		CAFile:     certPath,
		Domain:     loopback,
		LogPath:    filepath.Join(dir, "kamailio.log"),
		ConfigPath: filepath.Join(dir, "kamailio.cfg"),
		t:          t,
		// Unix socket paths are limited to ~108 bytes; TempDir paths of long
		// test names can exceed that, so keep the name short.
		ctlSocket:   filepath.Join(dir, "ctl"),
		dir:         dir,
		certExpired: opts.CertExpired,
	}
	if len(k.ctlSocket) > 100 {
		return nil, fmt.Errorf("ctl socket path too long for a unix socket: %s", k.ctlSocket)
	}
	tlsCfgPath := filepath.Join(dir, "tls.cfg")
	if err := renderTemplate(kamailioTLSCfgTemplate, tlsCfgPath, map[string]string{"Cert": certPath, "Key": keyPath}); err != nil {
		return nil, err
	}
	dbDir := filepath.Join(dir, "db")
	if !opts.NoAuth {
		if err := writeSubscriberTables(dbDir, users); err != nil {
			return nil, err
		}
	}
	cfg := kamailioConfig{
		ModulePath:   kamailioModulePath,
		Domain:       k.Domain,
		UDPPort:      k.UDPPort,
		TCPPort:      k.TCPPort,
		TLSPort:      k.TLSPort,
		DBDir:        dbDir,
		TLSConfig:    tlsCfgPath,
		CtlSocket:    k.ctlSocket,
		AuthRequired: !opts.NoAuth,
	}
	if err := renderTemplate(kamailioCfgTemplate, k.ConfigPath, cfg); err != nil {
		return nil, err
	}
	return k, nil
}

// start launches the process and waits for all three listeners.
func (k *Kamailio) start() error {
	runDir := filepath.Join(k.dir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("create kamailio run dir: %w", err)
	}
	os.Remove(k.ctlSocket) // a stale socket from before a Restart blocks ctl
	proc, err := startProcess(processSpec{
		Name:   "kamailio",
		Binary: "kamailio",
		// -DD: stay in the foreground but fork workers; -E: log to stderr;
		// -Y: runtime dir (default /run/kamailio may not exist or be shared).
		Args:    []string{"-f", k.ConfigPath, "-DD", "-E", "-Y", runDir, "-m", "64", "-M", "8"},
		Dir:     k.dir,
		LogPath: k.LogPath,
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.proc = proc
	k.mu.Unlock()
	if err := k.waitReady(); err != nil {
		return fmt.Errorf("kamailio not ready: %w", err)
	}
	return nil
}

func (k *Kamailio) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), kamailioReadyTimeout)
	defer cancel()
	k.mu.Lock()
	proc := k.proc
	k.mu.Unlock()
	var lastErr error
	for {
		if proc.Exited() {
			return fmt.Errorf("kamailio exited during startup: %w", proc.ExitError())
		}
		lastErr = k.probeAll(ctx)
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v: %w", kamailioReadyTimeout, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probeAll checks UDP (OPTIONS 200), TCP (connect), TLS (handshake verified
// against CAFile) and the ctl socket used by Registered.
func (k *Kamailio) probeAll(ctx context.Context) error {
	probeCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	status, err := ProbeOptionsUDP(probeCtx, k.Addr("udp"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(status, "SIP/2.0 200") {
		return fmt.Errorf("OPTIONS answered %q", status)
	}
	dialer := net.Dialer{Timeout: 300 * time.Millisecond}
	conn, err := dialer.DialContext(ctx, "tcp4", k.Addr("tcp"))
	if err != nil {
		return fmt.Errorf("tcp listener: %w", err)
	}
	conn.Close()
	if err := k.probeTLS(ctx); err != nil {
		return err
	}
	if _, err := os.Stat(k.ctlSocket); err != nil {
		return fmt.Errorf("ctl socket: %w", err)
	}
	return nil
}

func (k *Kamailio) probeTLS(ctx context.Context) error {
	pemData, err := os.ReadFile(k.CAFile)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		return errors.New("CA file holds no certificate")
	}
	conf := &tls.Config{RootCAs: roots, ServerName: loopback, MinVersion: tls.VersionTLS12}
	if k.certExpired {
		// An expired certificate never verifies; a completed handshake is
		// still proof that the listener is up and serving it.
		conf.InsecureSkipVerify = true //nolint:gosec // test peer with a deliberately expired certificate
	}
	dialer := tls.Dialer{NetDialer: &net.Dialer{Timeout: 500 * time.Millisecond}, Config: conf}
	conn, err := dialer.DialContext(ctx, "tcp4", k.Addr("tls"))
	if err != nil {
		return fmt.Errorf("tls listener: %w", err)
	}
	conn.Close()
	return nil
}

// Addr returns "127.0.0.1:PORT" for transport udp, tcp or tls.
func (k *Kamailio) Addr(transport string) string {
	switch strings.ToLower(transport) {
	case "tcp":
		return loopbackAddr(k.TCPPort)
	case "tls":
		return loopbackAddr(k.TLSPort)
	default:
		return loopbackAddr(k.UDPPort)
	}
}

// Stop kills Kamailio and waits for it; safe to call repeatedly.
func (k *Kamailio) Stop() {
	k.mu.Lock()
	proc := k.proc
	k.mu.Unlock()
	if proc == nil {
		return
	}
	if err := proc.Stop(kamailioStopGrace); err != nil {
		k.t.Errorf("testpeer: stop kamailio: %v (log %s)", err, k.LogPath)
	}
}

// Restart stops Kamailio and starts it again on the same ports. All
// registrations are lost, because usrloc keeps them in memory only.
func (k *Kamailio) Restart() {
	k.t.Helper()
	k.Stop()
	if err := k.start(); err != nil {
		k.t.Fatalf("testpeer: restart kamailio: %v\nkamailio log %s:\n%s", err, k.LogPath, tailFile(k.LogPath, 40))
	}
}

// PID returns the main process id (its process group id), 0 if not started.
func (k *Kamailio) PID() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.proc == nil {
		return 0
	}
	return k.proc.PID()
}

// Registered returns the contact URIs bound to aor ("1001",
// "1001@127.0.0.1" or "sip:1001@127.0.0.1"); empty when none.
func (k *Kamailio) Registered(aor string) []string {
	k.t.Helper()
	contacts, err := k.registered(aor)
	if err != nil {
		k.t.Fatalf("testpeer: kamailio registrations of %s: %v (log %s)", aor, err, k.LogPath)
	}
	return contacts
}

func (k *Kamailio) registered(aor string) ([]string, error) {
	user := strings.TrimPrefix(strings.TrimPrefix(aor, "sip:"), "sips:")
	// usrloc runs without use_domain, so the AoR key is the bare user.
	user, _, _ = strings.Cut(user, "@")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// "s:" forces a string: kamcmd would send a numeric user like 1001 as
	// an integer, which ul.lookup rejects as a missing parameter.
	output, err := exec.CommandContext(ctx, "kamcmd", "-s", "unix:"+k.ctlSocket, "ul.lookup", "location", "s:"+user).CombinedOutput()
	text := strings.TrimSpace(string(output))
	// kamcmd reports RPC errors on stdout with exit status 0; usrloc says
	// "error: 500 - AOR not found in location table" for no bindings.
	if strings.HasPrefix(text, "error:") && strings.Contains(text, "AOR not found") {
		return nil, nil
	}
	if err != nil || strings.HasPrefix(text, "error:") {
		return nil, fmt.Errorf("kamcmd ul.lookup %s: %v: %s", user, err, text)
	}
	return parseContactAddresses(text), nil
}

// parseContactAddresses extracts "Address: sip:..." lines of kamcmd output.
func parseContactAddresses(text string) []string {
	var contacts []string
	for _, line := range strings.Split(text, "\n") {
		label, value, found := strings.Cut(strings.TrimSpace(line), ":")
		if found && label == "Address" {
			contacts = append(contacts, strings.TrimSpace(value))
		}
	}
	return contacts
}
