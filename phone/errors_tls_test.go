package phone

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The e2e test (cmd/switchboard/e2e_tls_test.go) proves the wording against
// Kamailio; these cover the branches a real server is awkward to put in.
func TestDescribeCertificateErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	future := &x509.Certificate{NotBefore: now.Add(48 * time.Hour), NotAfter: now.Add(72 * time.Hour)}
	if got := describeValidity(future, now); !strings.Contains(got, "not valid before 2026-11-25 12:00 UTC") ||
		!strings.Contains(got, "clock") {
		t.Errorf("not yet valid: %q, want the start date and a hint at the clock", got)
	}
	past := &x509.Certificate{NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(-48 * time.Hour)}
	if got := describeValidity(past, now); got != "TLS: server certificate expired on 2026-11-21 12:00 UTC" {
		t.Errorf("expired: %q", got)
	}

	many := &x509.Certificate{DNSNames: []string{"a.example", "b.example", "c.example", "d.example", "e.example"},
		IPAddresses: []net.IP{net.ParseIP("192.0.2.1")}}
	hostErr := &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: many, Host: "sip.example.com"}}
	got := describeNetErr(fmt.Errorf("dial: %w", hostErr))
	if want := "TLS: server certificate is not valid for sip.example.com (it is for a.example, b.example, c.example, d.example, …)"; got != want {
		t.Errorf("wrong host:\n got %q\nwant %q", got, want)
	}
	cnOnly := x509.HostnameError{Certificate: &x509.Certificate{Subject: pkix.Name{CommonName: "old.example"}}, Host: "x"}
	if got := describeNetErr(cnOnly); !strings.HasSuffix(got, "(it is for old.example)") {
		t.Errorf("common name only: %q", got)
	}
}

func TestRegisterErrorTellsUntrustedFromUnreachable(t *testing.T) {
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	untrusted := &RegisterError{Reason: describeNetErr(certErr), Err: certErr}
	if got := untrusted.Error(); !strings.HasPrefix(got, "registrar not trusted: TLS:") || strings.Contains(got, "unreachable") {
		t.Errorf("certificate failure: %q", got)
	}
	refused := &RegisterError{Reason: describeNetErr(syscall.ECONNREFUSED), Err: syscall.ECONNREFUSED}
	if got := refused.Error(); got != "registrar unreachable: connection refused" {
		t.Errorf("network failure: %q", got)
	}
	if isCertificateError(errors.New("x509-looking text is not enough")) {
		t.Error("a plain error taken for a certificate error")
	}
}
