package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// tlsPassword is what every account here authenticates with; no message may show it.
const tlsPassword = "secret1001"

// tlsOutcome is one `register --json` run over TLS.
type tlsOutcome struct {
	code   int
	events []jsonEvent
	stdout string
	stderr string
	log    string // the log file
}

// registerTLS runs `switchboard register --json` against k's TLS listener with
// tlsTable as the account's [accounts.tls] lines ("" for none).
func registerTLS(t *testing.T, k *testpeer.Kamailio, tlsTable string) tlsOutcome {
	t.Helper()
	extra := ""
	if tlsTable != "" {
		// The harness writes [accounts.tls] only for ca_file; the table is the
		// account's last part, so it can be given whole here.
		extra = "[accounts.tls]\n" + tlsTable
	}
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: tlsPassword,
		Registrar: k.Addr("tls"), Transport: "tls", Listen: listenAddr(t, "tcp"), Extra: extra})
	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "register", "--json")
	logText, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "switchboard.log"))
	if err != nil {
		t.Fatalf("read log: %v", err)
	}
	return tlsOutcome{code: code, events: parseEvents(t, out), stdout: strings.Join(out, "\n"),
		stderr: errText, log: string(logText)}
}

// requireTLSFailure checks that registration failed as a runtime failure and that
// both the reg.failed reason and the stderr line carry every one of want.
func requireTLSFailure(t *testing.T, got tlsOutcome, want ...string) {
	t.Helper()
	if got.code != exitRuntime {
		t.Fatalf("exit %d, want %d (runtime failure)\nstdout:\n%s\nstderr:\n%s", got.code, exitRuntime, got.stdout, got.stderr)
	}
	if len(got.events) != 1 || got.events[0].Event != "reg.failed" {
		t.Fatalf("events %+v, want one reg.failed", got.events)
	}
	reason := got.events[0].Reason
	for _, w := range want {
		if !strings.Contains(reason, w) {
			t.Errorf("reg.failed reason %q does not say %q", reason, w)
		}
		if !strings.Contains(got.stderr, w) {
			t.Errorf("stderr %q does not say %q", got.stderr, w)
		}
	}
	// A certificate problem is not an unreachable registrar: the user would look
	// for a network fault that is not there.
	if strings.Contains(reason, "unreachable") || strings.Contains(got.stderr, "unreachable") {
		t.Errorf("a certificate failure reported as unreachable: %q / %q", reason, got.stderr)
	}
	t.Logf("stderr: %s", strings.TrimSpace(got.stderr))
}

// Issue 9: the registrar's certificate is verified by default, and each way it
// can fail is named. All against Kamailio's real TLS listener.
func TestTLSCertificateErrors(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	var all []tlsOutcome

	t.Run("unknown authority without ca_file", func(t *testing.T) {
		got := registerTLS(t, k, "")
		all = append(all, got)
		requireTLSFailure(t, got, "unknown authority", "tls.ca_file")
	})

	t.Run("wrong server name", func(t *testing.T) {
		got := registerTLS(t, k, fmt.Sprintf("ca_file = %q\nserver_name = \"sip.example.com\"\n", k.CAFile))
		all = append(all, got)
		// The certificate is for 127.0.0.1: saying so shows which side is wrong.
		requireTLSFailure(t, got, "not valid for sip.example.com", "127.0.0.1")
	})

	t.Run("expired certificate", func(t *testing.T) {
		expired := testpeer.StartKamailio(t, testpeer.KamailioOptions{CertExpired: true})
		got := registerTLS(t, expired, fmt.Sprintf("ca_file = %q\n", expired.CAFile))
		all = append(all, got)
		requireTLSFailure(t, got, "expired")
	})

	t.Run("insecure_skip_verify registers and warns", func(t *testing.T) {
		got := registerTLS(t, k, "insecure_skip_verify = true\n")
		all = append(all, got)
		if got.code != exitOK {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
		}
		if kinds := eventKinds(got.events); !slices.Equal(kinds, []string{"reg.ok", "reg.unregistered"}) {
			t.Errorf("events %v, want [reg.ok reg.unregistered]", kinds)
		}
		const warning = "certificate verification is off"
		if n := strings.Count(got.stderr, warning); n != 1 {
			t.Errorf("stderr warns %d times that %s, want once: %q", n, warning, got.stderr)
		}
		if n := strings.Count(got.log, warning); n != 1 {
			t.Errorf("log warns %d times that %s, want once:\n%s", n, warning, got.log)
		}
		t.Logf("stderr: %s", strings.TrimSpace(got.stderr))
	})

	t.Run("no password in any message", func(t *testing.T) {
		if len(all) != 4 {
			t.Skipf("only %d of 4 runs happened", len(all))
		}
		for i, got := range all {
			if strings.Contains(got.stdout+got.stderr+got.log, tlsPassword) {
				t.Errorf("run %d: the password appears in stdout, stderr or the log", i)
			}
		}
	})
}
