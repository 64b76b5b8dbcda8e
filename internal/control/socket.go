package control

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// SocketName is the control socket's file name inside its directory.
const SocketName = "control.sock"

// maxSocketPath is what fits in sockaddr_un.sun_path (108 bytes on Linux,
// with the terminating NUL).
const maxSocketPath = 107

// ErrAlreadyRunning is returned by Claim when another live switchboard owns
// the socket.
var ErrAlreadyRunning = errors.New("another switchboard is already running")

// DefaultSocketPath is $XDG_RUNTIME_DIR/switchboard/control.sock, or a
// private directory of this user under the system's temp dir when there is
// no runtime directory (a server without a login session).
func DefaultSocketPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "switchboard", SocketName)
	}
	return filepath.Join(os.TempDir(), "switchboard-"+strconv.Itoa(os.Getuid()), SocketName)
}

// ClaimOptions say where to listen.
type ClaimOptions struct {
	SocketPath string // "" = DefaultSocketPath()
	// TCPAddr is an optional loopback host:port; "" = no TCP listener.
	TCPAddr string
}

// Listeners are the claimed control endpoints: the Unix socket (with the
// lock that proves this process owns it) and the optional TCP listener.
// Claim them before the phone starts, so that a second instance stops
// before it touches the database; hand them to Serve.
type Listeners struct {
	unix     *net.UnixListener
	tcp      net.Listener
	lock     *os.File
	path     string
	released bool
}

// SocketPath is the Unix socket's path.
func (l *Listeners) SocketPath() string { return l.path }

// TCPAddr is the TCP listener's address, nil without one.
func (l *Listeners) TCPAddr() net.Addr {
	if l.tcp == nil {
		return nil
	}
	return l.tcp.Addr()
}

// Close stops listening and gives up the socket (the file is removed).
// Serve's Server.Close calls it; call it directly only when Serve never ran.
func (l *Listeners) Close() {
	if l.released {
		return
	}
	l.released = true
	_ = l.unix.Close() // unlinks the socket file
	if l.tcp != nil {
		_ = l.tcp.Close()
	}
	// The lock goes last: until the socket file is gone, nobody else may
	// decide it is stale.
	_ = l.lock.Close()
}

// Claim creates the socket directory (0700), refuses to start when a live
// instance answers on the socket, removes a stale socket file and listens
// (socket 0600). A lock file next to the socket closes the race of two
// instances starting at the same moment.
func Claim(ctx context.Context, opts ClaimOptions) (*Listeners, error) {
	path := opts.SocketPath
	if path == "" {
		path = DefaultSocketPath()
	}
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("control socket path %s is longer than %d bytes (set control.socket to a shorter path)", path, maxSocketPath)
	}
	if err := privateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	lock, err := lockSocket(path)
	if err != nil {
		return nil, err
	}
	if err := removeStale(ctx, path); err != nil {
		_ = lock.Close()
		return nil, err
	}
	unixLn, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	// The directory already keeps others out; 0600 keeps it so if the
	// socket is ever moved or the directory opened up.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = unixLn.Close()
		_ = lock.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	l := &Listeners{unix: unixLn, lock: lock, path: path}
	if opts.TCPAddr != "" {
		if err := checkLoopback(opts.TCPAddr); err != nil {
			l.Close()
			return nil, err
		}
		var lc net.ListenConfig
		tcpLn, err := lc.Listen(ctx, "tcp", opts.TCPAddr)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("control TCP listener: %w", err)
		}
		l.tcp = tcpLn
	}
	return l, nil
}

// privateDir makes dir (and parents) and insists that it is a real
// directory of ours with mode 0700: the socket's protection rests on it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("control socket directory: %w", err)
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("control socket directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("control socket directory %s is not a directory (a symlink?)", dir)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("control socket directory %s belongs to uid %d, not to us", dir, st.Uid)
	}
	if info.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("control socket directory: %w", err)
		}
	}
	return nil
}

// lockSocket takes an exclusive lock on path+".lock" for the process's
// life; the kernel drops it when the process dies, however it dies.
func lockSocket(path string) (*os.File, error) {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("control socket lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (it owns %s)", ErrAlreadyRunning, path)
		}
		return nil, fmt.Errorf("control socket lock: %w", err)
	}
	return lock, nil
}

// removeStale deletes a socket file left by a process that died without
// cleaning up. One that still answers belongs to a live instance (one that
// does not take the lock, such as an older version): refused.
func removeStale(ctx context.Context, path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if info.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("control socket path %s exists and is not a socket; remove it or set control.socket", path)
	}
	dialCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	if conn, err := d.DialContext(dialCtx, "unix", path); err == nil {
		_ = conn.Close()
		return fmt.Errorf("%w (it answers on %s)", ErrAlreadyRunning, path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale control socket: %w", err)
	}
	return nil
}

// checkLoopback refuses a TCP address that other machines could reach: the
// token is the only protection there, and it travels in clear text.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("control TCP address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("control TCP address %q is not a loopback address (use 127.0.0.1 or [::1])", addr)
	}
	return nil
}
