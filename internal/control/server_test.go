package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ioTimeout bounds every read in these tests, so that a bug fails a test
// instead of hanging it.
const ioTimeout = 10 * time.Second

func socketPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "run", "switchboard", SocketName)
}

func startServer(t *testing.T, target Target, tune func(*Options)) *Server {
	t.Helper()
	ln, err := Claim(context.Background(), ClaimOptions{SocketPath: socketPath(t)})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Target: target}
	if tune != nil {
		tune(&opts)
	}
	srv, err := Serve(ln, opts)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// testConn is a raw protocol client.
type testConn struct {
	t       *testing.T
	conn    net.Conn
	scanner *bufio.Scanner
}

func dialTest(t *testing.T, network, addr string) *testConn {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	return &testConn{t: t, conn: conn, scanner: sc}
}

func (c *testConn) send(line string) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// next reads one line as a generic object.
func (c *testConn) next() map[string]any {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if !c.scanner.Scan() {
		c.t.Fatalf("no line: %v", c.scanner.Err())
	}
	var v map[string]any
	if err := json.Unmarshal(c.scanner.Bytes(), &v); err != nil {
		c.t.Fatalf("not JSON: %q", c.scanner.Text())
	}
	return v
}

func (c *testConn) call(line string) map[string]any {
	c.t.Helper()
	c.send(line)
	return c.next()
}

// expectClosed reads until EOF, which must come before ioTimeout.
func (c *testConn) expectClosed() {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	for c.scanner.Scan() {
	}
	var ne net.Error
	if err := c.scanner.Err(); errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatal("the server did not close the connection")
	}
}

func errCode(resp map[string]any) string {
	e, _ := resp["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestSocketFileIs0600InA0700Directory(t *testing.T) {
	srv := startServer(t, newFakeTarget(), nil)
	info, err := os.Lstat(srv.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Type() != os.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", info.Mode())
	}
	dir, err := os.Stat(filepath.Dir(srv.SocketPath()))
	if err != nil {
		t.Fatal(err)
	}
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", dir.Mode().Perm())
	}
	srv.Close()
	if _, err := os.Lstat(srv.SocketPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind after Close: %v", err)
	}
}

func TestAnExistingLooseDirectoryIsTightened(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := Claim(context.Background(), ClaimOptions{SocketPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", dir.Mode().Perm())
	}
}

func TestDefaultSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/4242")
	if got := DefaultSocketPath(); got != "/run/user/4242/switchboard/control.sock" {
		t.Errorf("with XDG_RUNTIME_DIR: %s", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	got := DefaultSocketPath()
	if !strings.HasPrefix(got, os.TempDir()) || !strings.Contains(got, "switchboard-") || filepath.Base(got) != SocketName {
		t.Errorf("without XDG_RUNTIME_DIR: %s, want a private dir under %s", got, os.TempDir())
	}
}

func TestSecondInstanceIsRefused(t *testing.T) {
	srv := startServer(t, newFakeTarget(), nil)
	_, err := Claim(context.Background(), ClaimOptions{SocketPath: srv.SocketPath()})
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Claim: %v, want ErrAlreadyRunning", err)
	}
	// The first instance still answers.
	c := dialTest(t, "unix", srv.SocketPath())
	if resp := c.call(`{"id":1,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("status after the refused claim: %v", resp)
	}
}

// A process that listens without taking the lock (an older version) is
// found by connecting.
func TestLiveSocketWithoutLockIsRefused(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	other, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			conn, err := other.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()
	if _, err := Claim(context.Background(), ClaimOptions{SocketPath: path}); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("Claim next to a live listener: %v, want ErrAlreadyRunning", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	dead.SetUnlinkOnClose(false) // as if the process had been killed
	_ = dead.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not in place: %v", err)
	}
	ln, err := Claim(context.Background(), ClaimOptions{SocketPath: path})
	if err != nil {
		t.Fatalf("Claim over a stale socket: %v", err)
	}
	srv, err := Serve(ln, Options{Target: newFakeTarget()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if resp := dialTest(t, "unix", path).call(`{"id":1,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("status on the new socket: %v", resp)
	}
}

func TestAPlainFileInTheWayIsNotRemoved(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Claim(context.Background(), ClaimOptions{SocketPath: path}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Claim over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Error("the file was changed")
	}
}

func TestTwoClientsAtOnce(t *testing.T) {
	target := newFakeTarget()
	srv := startServer(t, target, nil)
	a := dialTest(t, "unix", srv.SocketPath())
	b := dialTest(t, "unix", srv.SocketPath())
	a.send(`{"id":"a1","cmd":"dial","args":{"target":"sip:1002@127.0.0.1"}}`)
	b.send(`{"id":"b1","cmd":"subscribe","args":{"events":"call.*"}}`)
	ra, rb := a.next(), b.next()
	if ra["id"] != "a1" || ra["ok"] != true || rb["id"] != "b1" || rb["ok"] != true {
		t.Fatalf("replies: %v / %v", ra, rb)
	}
	id := ra["data"].(map[string]any)["call_id"].(string)
	ev, _ := MarshalEvent("call.outgoing", map[string]string{"event": "call.outgoing", "call_id": id})
	srv.Publish(ev)
	if got := b.next(); got["event"] != "call.outgoing" || got["call_id"] != id {
		t.Errorf("subscriber got %v", got)
	}
	// a did not subscribe: its next line is the reply to its next request.
	if resp := a.call(`{"id":"a2","cmd":"hangup","args":{"id":"` + id + `"}}`); resp["id"] != "a2" || resp["ok"] != true {
		t.Errorf("hangup: %v", resp)
	}
	if resp := b.call(`{"id":"b2","cmd":"status"}`); resp["id"] != "b2" || resp["data"].(map[string]any)["clients"] != 2.0 {
		t.Errorf("status: %v", resp)
	}
	if got, want := target.requests(), []string{"dial sip:1002@127.0.0.1", "hangup " + id}; !slices.Equal(got, want) {
		t.Errorf("target saw %v, want %v", got, want)
	}
}

func TestBadRequestsGetErrorsAndTheConnectionStays(t *testing.T) {
	target := newFakeTarget()
	srv := startServer(t, target, nil)
	c := dialTest(t, "unix", srv.SocketPath())
	other := dialTest(t, "unix", srv.SocketPath())
	cases := []struct{ line, code string }{
		{`{not json`, CodeBadJSON},
		{`[1,2]`, CodeBadJSON},
		{`{"id":1}`, CodeBadRequest},
		{`{"id":2,"cmd":"explode"}`, CodeUnknownCommand},
		{`{"id":3,"cmd":"dial"}`, CodeBadArgs},
		{`{"id":4,"cmd":"dial","args":{"target":"  "}}`, CodeBadArgs},
		{`{"id":5,"cmd":"dial","args":{"target":42}}`, CodeBadArgs},
		{`{"id":6,"cmd":"hangup","args":{"id":"x","force":true}}`, CodeBadArgs},
		{`{"id":7,"cmd":"hangup","args":{"id":"no-such-call"}}`, CodeNotFound},
		{`{"id":8,"cmd":"reject","args":{"id":"x","code":"99"}}`, CodeBadArgs},
		{`{"id":9,"cmd":"mute","args":{"id":"x","on":"perhaps"}}`, CodeBadArgs},
		{`{"id":10,"cmd":"dtmf","args":{"id":"x","digits":"12;rm"}}`, CodeBadArgs},
		{`{"id":11,"cmd":"tasks.add","args":{"number":"+4420"}}`, CodeBadArgs},
		{`{"id":12,"cmd":"tasks.add","args":{"number":"+4420","in":"soon"}}`, CodeBadArgs},
		{`{"id":13,"cmd":"tasks.list","args":{"view":"someday"}}`, CodeBadArgs},
		{`{"id":14,"cmd":"contacts.find","args":{"query":"a","limit":0}}`, CodeBadArgs},
		{`{"id":15,"cmd":"subscribe","args":{"events":["call ended; x"]}}`, CodeBadArgs},
	}
	for _, tc := range cases {
		resp := c.call(tc.line)
		if resp["ok"] != false || errCode(resp) != tc.code {
			t.Errorf("%s: reply %v, want error %s", tc.line, resp, tc.code)
		}
	}
	if len(target.requests()) != 0 {
		t.Errorf("invalid requests reached the target: %v", target.requests())
	}
	// Strings stand for numbers and booleans (what `ctl key=value` sends).
	for _, line := range []string{
		`{"id":"s","cmd":"status"}`,
		`{"id":"t","cmd":"tasks.add","args":{"number":"+44 20 7946 0000","in":"30m","note":"call back"}}`,
		`{"id":"l","cmd":"tasks.list","args":{"view":"due","limit":"5"}}`,
	} {
		if resp := c.call(line); resp["ok"] != true {
			t.Errorf("%s after the bad requests: %v", line, resp)
		}
	}
	if resp := other.call(`{"id":1,"cmd":"accounts"}`); resp["ok"] != true {
		t.Errorf("the other client: %v", resp)
	}
	want := []string{"task +44 20 7946 0000 in=30m0s note=call back", "tasks due  5"}
	if got := target.requests(); !slices.Equal(got, want) {
		t.Errorf("target saw %v, want %v", got, want)
	}
}

func TestHugeLineClosesOnlyThatClient(t *testing.T) {
	srv := startServer(t, newFakeTarget(), nil)
	huge := dialTest(t, "unix", srv.SocketPath())
	other := dialTest(t, "unix", srv.SocketPath())
	go func() {
		// The server stops reading, so this write may fail: that is fine.
		_ = huge.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
		_, _ = huge.conn.Write([]byte(`{"id":1,"cmd":"dial","args":{"target":"` + strings.Repeat("9", 4*MaxLineBytes) + "\"}}\n"))
	}()
	if resp := huge.next(); errCode(resp) != CodeLineTooLong {
		t.Fatalf("reply to a huge line: %v", resp)
	}
	huge.expectClosed()
	if resp := other.call(`{"id":2,"cmd":"status"}`); resp["ok"] != true {
		t.Errorf("the other client after the huge line: %v", resp)
	}
}

func TestSubscribeFilter(t *testing.T) {
	srv := startServer(t, newFakeTarget(), nil)
	c := dialTest(t, "unix", srv.SocketPath())
	if resp := c.call(`{"id":1,"cmd":"subscribe","args":{"events":["call.incoming","reg.*"]}}`); resp["ok"] != true {
		t.Fatalf("subscribe: %v", resp)
	}
	for _, name := range []string{"call.outgoing", "call.incoming", "call.ended", "reg.ok", "task.due"} {
		ev, _ := MarshalEvent(name, map[string]string{"event": name})
		srv.Publish(ev)
	}
	for _, want := range []string{"call.incoming", "reg.ok"} {
		if got := c.next(); got["event"] != want {
			t.Errorf("got %v, want %s", got, want)
		}
	}
	// Nothing else was queued: the next line is a reply.
	if resp := c.call(`{"id":2,"cmd":"status"}`); resp["id"] != 2.0 {
		t.Errorf("after the filtered events: %v", resp)
	}
}
