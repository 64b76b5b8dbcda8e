package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
)

// ErrNotRunning is returned by Connect when no switchboard listens on the
// socket.
var ErrNotRunning = errors.New("no running switchboard")

// maxReplyBytes bounds one reply or event line read by a client.
const maxReplyBytes = 16 << 20

// Conn is a client's connection to the control socket (switchboard ctl,
// events and open use it).
type Conn struct {
	conn    net.Conn
	scanner *bufio.Scanner
	nextID  int
}

// Connect opens the control socket at path ("" = DefaultSocketPath()).
func Connect(ctx context.Context, path string) (*Conn, error) {
	if path == "" {
		path = DefaultSocketPath()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w: nothing listens on %s (start one with `switchboard serve`)", ErrNotRunning, path)
		}
		return nil, fmt.Errorf("connect to %s: %w", path, err)
	}
	// Replies (a long task list) may be large; the bound only protects the
	// client from a peer that is not switchboard.
	scanner := bufio.NewScanner(conn)
	scanner.Buffer(make([]byte, 0, 64<<10), maxReplyBytes)
	return &Conn{conn: conn, scanner: scanner}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }

// Call sends one request and returns its raw response line and the
// decoded response. ctx ending closes the connection.
func (c *Conn) Call(ctx context.Context, cmd string, args map[string]any) ([]byte, Response, error) {
	c.nextID++
	id, _ := json.Marshal(c.nextID)
	if err := c.send(Request{ID: id, Cmd: cmd, Args: rawArgs(args)}); err != nil {
		return nil, Response{}, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.Close() })
	defer stop()
	for {
		line, err := c.readLine()
		if err != nil {
			if ctx.Err() != nil {
				return nil, Response{}, ctx.Err()
			}
			return nil, Response{}, err
		}
		var resp Response
		if err := json.Unmarshal(line, &resp); err != nil {
			return nil, Response{}, fmt.Errorf("unreadable reply %q: %w", line, err)
		}
		// An error without an id (a line too long, too many clients) is
		// about this request too.
		if string(resp.ID) == string(id) || resp.ID == nil {
			return line, resp, nil
		}
	}
}

// Subscribe asks for the events matching filter (nil: all) and calls
// handle with each event line until ctx ends (nil error) or the server
// goes away.
func (c *Conn) Subscribe(ctx context.Context, filter []string, handle func(line []byte) error) error {
	args := map[string]any{}
	if len(filter) > 0 {
		args["events"] = filter
	}
	_, resp, err := c.Call(ctx, cmdSubscribe, args)
	if err != nil {
		return err
	}
	if !resp.OK {
		return fmt.Errorf("subscribe: %s", resp.Error.Message)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.Close() })
	defer stop()
	for {
		line, err := c.readLine()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return errors.New("the running switchboard closed the connection")
			}
			return err
		}
		if err := handle(line); err != nil {
			return err
		}
	}
}

func (c *Conn) send(req Request) error {
	line, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	return nil
}

// readLine returns the next line without its newline; io.EOF when the
// server closed the connection.
func (c *Conn) readLine() ([]byte, error) {
	if !c.scanner.Scan() {
		if err := c.scanner.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return bytes.Clone(c.scanner.Bytes()), nil
}

func rawArgs(args map[string]any) map[string]json.RawMessage {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(args))
	for k, v := range args {
		b, err := json.Marshal(v)
		if err != nil {
			b, _ = json.Marshal(fmt.Sprint(v))
		}
		out[k] = b
	}
	return out
}
