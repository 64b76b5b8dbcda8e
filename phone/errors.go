package phone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
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
		return "TLS: server certificate is not valid for " + hostErr.Host
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS: server certificate expired or not yet valid"
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
