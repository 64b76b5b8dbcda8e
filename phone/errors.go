package phone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
	"time"
)

// describeNetErr turns a transport failure into a sentence an operator can act on.
func describeNetErr(err error) string {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &unknownCA):
		return "TLS: server certificate signed by an unknown authority (set tls.ca_file)"
	case errors.As(err, &hostErr):
		return "TLS: server certificate is not valid for " + hostErr.Host + certNames(hostErr.Certificate)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return describeValidity(invalid.Cert, time.Now())
	case errors.As(err, &certErr):
		return "TLS: " + certErr.Error()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	msg := err.Error()
	if strings.Contains(msg, "transaction") && strings.Contains(msg, "timed out") {
		return "no answer in time"
	}
	return msg
}

// isCertificateError tells a registrar we reached but cannot trust from one we
// could not reach: the fixes differ (configuration, not network).
func isCertificateError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid)
}

// certNames says which names a certificate does cover, so that a wrong
// tls.server_name and a wrong certificate can be told apart.
func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	names := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = append(names, cert.Subject.CommonName)
	}
	if len(names) == 0 {
		return ""
	}
	const most = 4 // a wildcard-heavy certificate can list hundreds
	if len(names) > most {
		names = append(names[:most], "…")
	}
	return " (it is for " + strings.Join(names, ", ") + ")"
}

// describeValidity tells an expired certificate from one not valid yet, which
// usually means our own clock is wrong.
func describeValidity(cert *x509.Certificate, now time.Time) string {
	const layout = "2006-01-02 15:04 UTC"
	switch {
	case cert == nil:
		return "TLS: server certificate expired or not yet valid"
	case now.After(cert.NotAfter):
		return "TLS: server certificate expired on " + cert.NotAfter.UTC().Format(layout)
	default:
		return "TLS: server certificate is not valid before " + cert.NotBefore.UTC().Format(layout) + " (check this computer's clock)"
	}
}

// reasonPhrase is the standard phrase for a final response code we send.
func reasonPhrase(code int) string {
	switch code {
	case 302:
		return "Moved Temporarily"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	}
	switch {
	case code >= 600:
		return "Global Failure"
	case code >= 500:
		return "Server Error"
	}
	return "Rejected"
}
