package control

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"
)

// fuzzToken is the TCP token of the fuzzed server.
const fuzzToken = "fuzz-token"

// FuzzRequestLines feeds arbitrary bytes to one client's connection, read
// line by line exactly as a socket is, with the fake Target behind it. It
// must never panic, answer every non-blank line with exactly one
// well-formed reply that echoes the request's id, answer what is not a
// request with an error, and end the connection on an over-long line
// (longTail appends one) with line_too_long after the replies before it.
// tcp makes the connection one that must authenticate first. Seeds are
// also in testdata/fuzz/FuzzRequestLines.
func FuzzRequestLines(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"cmd":"status"}` + "\n",
		`{"id":"a","cmd":"dial","args":{"target":"sip:1002@127.0.0.1"}}` + "\n" + `{"id":2,"cmd":"hangup","args":{"id":"call-1"}}` + "\n",
		`{"id":[1,{"x":null}],"cmd":"nope"}` + "\n\n   \n" + `{"cmd":""}`,
		`{"id":3,"cmd":"reject","args":{"id":"call-9","code":"99"}}` + "\n" + `{"cmd":"mute","args":{"id":1,"on":"maybe"}}` + "\n",
		`{"id":4,"cmd":"subscribe","args":{"events":["call.*","BAD name"]}}` + "\n" + `{"cmd":"subscribe","args":{"events":"call.ended"}}` + "\n",
		`{"id":5,"cmd":"tasks.add","args":{"number":"+442079460000","in":"30m","note":"x"}}` + "\n" + `{"cmd":"tasks.list","args":{"limit":-1}}` + "\n",
		"not json\n{\"id\":\n[]\nnull\n\"string\"\n" + `{"id":1e400,"cmd":"status"}`,
		`{"id":6,"cmd":"status","args":{"extra":1}}` + "\r\n" + `{"id":7,"cmd":"dtmf","args":{"id":"x","digits":"12#*ABCDz"}}` + "\n",
		"\xff\xfe{\"cmd\":\"status\"}\n{\"cmd\":\"st\u0000atus\"}\n",
	} {
		f.Add([]byte(seed), false, false)
	}
	f.Add([]byte(`{"id":1,"cmd":"auth","args":{"token":"`+fuzzToken+`"}}`+"\n"+`{"id":2,"cmd":"calls"}`+"\n"), true, false)
	f.Add([]byte(`{"id":1,"cmd":"status"}`+"\n"+`{"id":2,"cmd":"status"}`+"\n"), true, false)
	f.Add([]byte(`{"id":1,"cmd":"auth","args":{"token":"wrong"}}`+"\n"), true, false)
	f.Add([]byte(`{"id":1,"cmd":"status"}`+"\n"), false, true)
	f.Fuzz(func(t *testing.T, data []byte, tcp, longTail bool) {
		input := data
		if longTail {
			input = append(bytes.Clone(data), bytes.Repeat([]byte("x"), MaxLineBytes+1)...)
		}
		got := serveLines(t, input, tcp)
		want := expectedReplies(input, tcp)
		if len(got) != len(want) {
			t.Fatalf("%d replies, want %d (one per request line)\ninput %q\nreplies %q", len(got), len(want), trimmed(input), got)
		}
		for i, line := range got {
			checkReply(t, i, line, want[i])
		}
	})
}

// expectation is what one reply must be: its id (nil for none) and, for a failure, its code ("" for any code, or success).
type expectation struct {
	id       json.RawMessage
	failCode string
	mayFail  bool // a command's own outcome, which the fake decides
}

// expectedReplies models the protocol: one reply per non-blank line until
// a TCP client fails to authenticate or a line is too long.
func expectedReplies(data []byte, tcp bool) []expectation {
	commands := commandTable()
	authed := !tcp
	var want []expectation
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		// The reader holds MaxLineBytes: a line, newline included, must
		// fit, and one still open when the buffer is full is too long.
		if len(line) > MaxLineBytes || len(line) == MaxLineBytes && line[len(line)-1] != '\n' {
			return append(want, expectation{failCode: CodeLineTooLong})
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			want = append(want, expectation{failCode: CodeBadJSON})
			if !authed {
				return want // the connection is closed
			}
			continue
		}
		e := expectation{id: req.ID}
		switch {
		case !authed:
			var token string
			_ = json.Unmarshal(req.Args["token"], &token)
			if req.Cmd != cmdAuth || token != fuzzToken {
				e.failCode = CodeUnauthorized
				return append(want, e)
			}
			authed = true
		case req.Cmd == "":
			e.failCode = CodeBadRequest
		case req.Cmd == cmdAuth:
		case req.Cmd == cmdSubscribe:
			e.mayFail = true
		default:
			if _, ok := commands[req.Cmd]; !ok {
				e.failCode = CodeUnknownCommand
			} else {
				e.mayFail = true
			}
		}
		want = append(want, e)
	}
	return want
}

func checkReply(t *testing.T, i int, line []byte, want expectation) {
	t.Helper()
	var reply struct {
		ID    json.RawMessage `json:"id"`
		OK    *bool           `json:"ok"`
		Error *ErrorBody      `json:"error"`
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		t.Fatalf("reply %d %q is not a JSON object: %v", i, line, err)
	}
	for key := range raw {
		if key != "id" && key != "ok" && key != "data" && key != "error" {
			t.Fatalf("reply %d %q has a field %q", i, line, key)
		}
	}
	if err := json.Unmarshal(line, &reply); err != nil || reply.OK == nil {
		t.Fatalf("reply %d %q: no ok field (%v)", i, line, err)
	}
	if !sameJSON(reply.ID, want.id) {
		t.Fatalf("reply %d %q: id %s, want %s", i, line, reply.ID, want.id)
	}
	if *reply.OK != (reply.Error == nil) || reply.Error != nil && reply.Error.Code == "" {
		t.Fatalf("reply %d %q: ok and error disagree", i, line)
	}
	switch {
	case want.failCode != "":
		if reply.Error == nil || reply.Error.Code != want.failCode {
			t.Fatalf("reply %d %q: want error %s", i, line, want.failCode)
		}
	case !want.mayFail && !*reply.OK:
		t.Fatalf("reply %d %q: want success", i, line)
	}
}

// serveLines runs one client connection over input to its end and returns
// the reply lines.
func serveLines(t *testing.T, input []byte, tcp bool) [][]byte {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Server{opts: Options{Target: newFakeTarget(), Token: fuzzToken, CommandTimeout: 5 * time.Second},
		commands: commandTable(), log: slog.New(slog.DiscardHandler), ctx: ctx, cancel: cancel, clients: map[*client]struct{}{}}
	conn := &scriptedConn{in: bytes.NewReader(input)}
	// Room for every reply: this test is about the replies, not about a
	// client that stops reading (stall_test.go).
	c := newClient(1, conn, bytes.Count(input, []byte("\n"))+2, time.Second, s.log)
	c.needsAuth = tcp
	s.clients[c] = struct{}{}
	s.serveClient(c) // reads to EOF (or the over-long line), then closes the queue
	c.write()        // sends what was queued
	var lines [][]byte
	out := conn.written()
	for len(out) > 0 {
		i := bytes.IndexByte(out, '\n')
		if i < 0 {
			t.Fatalf("reply without a newline: %q", out)
		}
		lines = append(lines, out[:i])
		out = out[i+1:]
	}
	return lines
}

// scriptedConn is a connection whose peer sent input and reads whatever
// is written; the rest of net.Conn is never called (a nil Conn panics if
// it is, which the fuzzer reports).
type scriptedConn struct {
	net.Conn
	in     io.Reader
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
}

func (c *scriptedConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	return c.in.Read(b)
}

func (c *scriptedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.out.Write(b)
}

func (c *scriptedConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }
func (c *scriptedConn) RemoteAddr() net.Addr             { return &net.UnixAddr{Name: "fuzz", Net: "unix"} }

func (c *scriptedConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

// sameJSON compares two ids as values: the reply's is re-encoded (compact,
// HTML characters escaped), so the bytes may differ.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	decode := func(raw json.RawMessage) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // 1e400 is a valid id that float64 cannot hold
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	va, errA := decode(a)
	vb, errB := decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// trimmed shortens an input for a failure message.
func trimmed(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
