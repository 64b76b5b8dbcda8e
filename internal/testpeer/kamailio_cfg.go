package testpeer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// kamailioModulePath is where Debian's kamailio package installs modules.
const kamailioModulePath = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

// kamailioConfig holds the values rendered into kamailio.cfg.
type kamailioConfig struct {
	ModulePath   string
	Domain       string
	UDPPort      int
	TCPPort      int
	TLSPort      int
	DBDir        string
	TLSConfig    string
	CtlSocket    string
	AuthRequired bool
}

// kamailioCfgTemplate is a minimal registrar + proxy. Why the less obvious
// parts are there:
//   - No port-less alias="127.0.0.1": it would make every 127.0.0.1 URI
//     (the phones' contacts too) "myself" and break loose_route. The
//     listen sockets alone define myself.
//   - DNS is off and only 127.0.0.1 listeners exist: no traffic elsewhere.
//   - Initial requests from users of our domain are challenged, in-dialog
//     requests (To-tag), ACK and CANCEL never are (clients cannot answer).
//   - In-dialog requests without Route (SIPp's built-in uac ignores
//     Record-Route and sends BYE to the proxy) fall back to lookup("location").
var kamailioCfgTemplate = template.Must(template.New("kamailio.cfg").Parse(`#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
tcp_children=2
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=off
dns_try_ipv6=no
listen=udp:127.0.0.1:{{.UDPPort}}
listen=tcp:127.0.0.1:{{.TCPPort}}
listen=tls:127.0.0.1:{{.TLSPort}}
enable_tls=yes
tcp_connection_lifetime=3605

mpath="{{.ModulePath}}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "ctl.so"
loadmodule "tls.so"
{{- if .AuthRequired}}
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
{{- end}}

modparam("ctl", "binrpc", "unix:{{.CtlSocket}}")
modparam("tls", "config", "{{.TLSConfig}}")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 10)
modparam("rr", "append_fromtag", 1)
modparam("tm", "fr_timer", 10000)
modparam("tm", "fr_inv_timer", 60000)
{{- if .AuthRequired}}
modparam("auth_db", "db_url", "text://{{.DBDir}}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("auth_db", "use_domain", 0)
{{- end}}

request_route {
	# One line per request: the log is what a failing test points at.
	xlog("L_NOTICE", "req $rm $ru from $proto:$si:$sp ftag=$ft ttag=$tt route=$hdr(Route)\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	# Keepalive / readiness probe addressed to the proxy itself.
	if (is_method("OPTIONS") && uri==myself && $rU==$null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	if (has_totag()) {
		route(WITHINDLG);
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			route(RELAY);
		}
		exit;
	}
	# Absorb retransmissions of transactions already being handled.
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}
	if (is_method("REGISTER")) {
		route(REGISTRAR);
		exit;
	}
	if (is_method("ACK")) {
		# ACK without To-tag belongs to a stateful transaction handled above.
		exit;
	}
	route(AUTH);
	# A preloaded Route to ourselves (outbound proxy) is not needed anymore.
	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE|REFER")) {
		record_route();
	}
	if ($rU==$null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}
	route(LOCATION);
}

route[RELAY] {
	xlog("L_NOTICE", "relay $rm to $ru dst=$du\n");
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

route[WITHINDLG] {
	if (loose_route()) {
		route(RELAY);
	}
	if (is_method("ACK") && t_check_trans()) {
		route(RELAY);
	}
	if (uri==myself) {
		# Fallback for peers that ignore Record-Route and address the proxy.
		if ($rU!=$null && lookup("location")) {
			route(RELAY);
		}
		if (!is_method("ACK")) {
			sl_send_reply("404", "Not here");
		}
		exit;
	}
	# Request-URI is the remote target itself (no Route): forward it.
	route(RELAY);
}

route[REGISTRAR] {
{{- if .AuthRequired}}
	if (!www_authorize("{{.Domain}}", "subscriber")) {
		www_challenge("{{.Domain}}", "0");
		exit;
	}
	if ($au!=$tU) {
		sl_send_reply("403", "Forbidden auth ID");
		exit;
	}
	consume_credentials();
{{- end}}
	if (!save("location")) {
		sl_reply_error();
	}
	exit;
}

route[AUTH] {
{{- if .AuthRequired}}
	# Users of our domain must prove who they are (407), like a real PBX.
	if ($fd=="{{.Domain}}") {
		if (!proxy_authorize("{{.Domain}}", "subscriber")) {
			proxy_challenge("{{.Domain}}", "0");
			exit;
		}
		if ($au!=$fU) {
			sl_send_reply("403", "Forbidden auth ID");
			exit;
		}
		consume_credentials();
	}
{{- end}}
	return;
}

route[LOCATION] {
	if (!lookup("location")) {
		sl_send_reply("404", "Not Found");
		exit;
	}
	route(RELAY);
}
`))

// kamailioTLSCfgTemplate: no client certificates are asked for or checked;
// tests only need an encrypted hop with a known server certificate.
var kamailioTLSCfgTemplate = template.Must(template.New("tls.cfg").Parse(`[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = {{.Key}}
certificate = {{.Cert}}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`))

func renderTemplate(tmpl *template.Template, path string, data any) error {
	var builder strings.Builder
	if err := tmpl.Execute(&builder, data); err != nil {
		return fmt.Errorf("render %s: %w", tmpl.Name(), err)
	}
	if err := os.WriteFile(path, []byte(builder.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeSubscriberTables writes the db_text tables auth_db reads. The ha1
// columns must be declared (nullable) or every REGISTER fails with 401
// "null value not allowed"; version must say subscriber:7.
func writeSubscriberTables(dir string, users []User) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create db dir: %w", err)
	}
	var subscriber strings.Builder
	subscriber.WriteString("id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n")
	for i, user := range users {
		if strings.ContainsAny(user.Name+user.Password, ":\n\\") {
			return fmt.Errorf("user %q: name/password must not contain ':', '\\' or newlines (db_text separators)", user.Name)
		}
		fmt.Fprintf(&subscriber, "%d:%s:%s:%s::\n", i+1, user.Name, loopback, user.Password)
	}
	version := "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n"
	files := map[string]string{"subscriber": subscriber.String(), "version": version}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write db_text table %s: %w", name, err)
		}
	}
	return nil
}
