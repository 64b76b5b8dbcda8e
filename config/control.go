package config

import "net"

// maxSocketPath is what a Unix socket path may hold (sun_path, 108 bytes
// with the terminating NUL).
const maxSocketPath = 107

// Control configures the control socket (switchboard ctl, events, open).
type Control struct {
	// Socket is the Unix socket's path; "" = $XDG_RUNTIME_DIR/switchboard/
	// control.sock (a private directory under the temp dir without one).
	Socket string `toml:"socket"`
	// TCPListen is an optional loopback host:port for programs that cannot
	// use a Unix socket; "" = off.
	TCPListen string `toml:"tcp_listen"`
	// TokenEnv names the environment variable holding the token TCP
	// clients must present; required with tcp_listen.
	TokenEnv string `toml:"token_env"`
}

func applyControlDefaults(c *Control, baseDir string) {
	if c.Socket != "" {
		c.Socket = resolvePath(baseDir, c.Socket, "")
	}
}

func (v *validator) checkControl(c Control) {
	if len(c.Socket) > maxSocketPath {
		v.report("control.socket", "path is %d bytes, longer than a Unix socket path may be (%d)", len(c.Socket), maxSocketPath)
	}
	if c.TokenEnv != "" && !isEnvVarName(c.TokenEnv) {
		v.report("control.token_env", "%q is not a valid environment variable name", c.TokenEnv)
	}
	if c.TCPListen == "" {
		return
	}
	host, err := checkHostPort(c.TCPListen)
	if err != nil {
		v.report("control.tcp_listen", "%v", err)
		return
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		v.report("control.tcp_listen", "%q is not a loopback address: the control port must not be reachable from other machines (use 127.0.0.1)", c.TCPListen)
	}
	if c.TokenEnv == "" {
		v.reportAt("control.tcp_listen", "control.token_env", "tcp_listen needs token_env, the environment variable holding the clients' token")
	}
}
