package phone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/switchboard/switchboard/config"
)

// clientTLSConfig verifies the registrar's certificate against the system roots, or
// against the account's CA file; insecure_skip_verify exists only for test servers.
func clientTLSConfig(t config.TLS) (*tls.Config, error) {
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // explicit per-account opt-in for self-signed test servers
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA file %s holds no PEM certificate", t.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// InsecureTLSWarning is the warning owed for an account that does not verify its
// registrar's certificate, "" when it does: anyone on the path can then pose as
// the registrar and take the calls, so the user must not forget it is set.
func InsecureTLSWarning(acct config.Account) string {
	if !strings.EqualFold(acct.Transport, "tls") || !acct.TLS.InsecureSkipVerify {
		return ""
	}
	return fmt.Sprintf("account %s: TLS certificate verification is off (tls.insecure_skip_verify): "+
		"the registrar is not authenticated; use this only with test servers", acct.Name)
}

// listenerTLSConfig gives our own TLS listener a certificate. A softphone has no
// certificate of its own; the registrar connects to it only to deliver calls and does
// not verify it, so a fresh self-signed one made at start is enough.
func listenerTLSConfig(host string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate TLS key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "switchboard"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else if host != "" {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create TLS certificate: %w", err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
