package control

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Defaults of Options.
const (
	defaultQueueSize      = 1024
	defaultWriteTimeout   = 2 * time.Second
	defaultCommandTimeout = 60 * time.Second // a transfer waits for its outcome
	defaultMaxClients     = 64
)

// Options configure Serve.
type Options struct {
	Target Target
	// Token is what a TCP client must present (auth) before anything else;
	// required when the Listeners have a TCP listener.
	Token  string
	Logger *slog.Logger
	// QueueSize bounds the lines waiting for one client; a client that
	// falls this far behind is disconnected instead of slowing anyone.
	QueueSize int
	// WriteTimeout bounds one write to a client that stopped reading.
	WriteTimeout time.Duration
	// CommandTimeout bounds one command.
	CommandTimeout time.Duration
	MaxClients     int
}

// Event is one line of the event stream, encoded once for every client.
type Event struct {
	Name string
	line []byte // JSON and a newline
}

// MarshalEvent encodes v (a phone event or a CRM notice, whose JSON has
// "event": name) as an Event.
func MarshalEvent(name string, v any) (Event, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Event{}, fmt.Errorf("encode event %s: %w", name, err)
	}
	return Event{Name: name, line: append(b, '\n')}, nil
}

// Server answers control requests and streams events to subscribers.
type Server struct {
	opts     Options
	ln       *Listeners
	commands map[string]command
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu      sync.Mutex
	clients map[*client]struct{}
	nextID  int64
	closed  bool
}

// Serve answers on the claimed listeners until Close. The server owns
// them from here.
func Serve(ln *Listeners, opts Options) (*Server, error) {
	if opts.Target == nil {
		return nil, errors.New("control: no target")
	}
	if ln.tcp != nil && opts.Token == "" {
		return nil, errors.New("control: a TCP listener needs a token")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = defaultQueueSize
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = defaultWriteTimeout
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = defaultCommandTimeout
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = defaultMaxClients
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{opts: opts, ln: ln, commands: commandTable(), log: opts.Logger.With("component", "control"),
		ctx: ctx, cancel: cancel, clients: map[*client]struct{}{}}
	s.wg.Go(func() { s.accept(ln.unix, false) })
	if ln.tcp != nil {
		s.wg.Go(func() { s.accept(ln.tcp, true) })
	}
	s.log.Info("control socket listening", "socket", ln.path, "tcp", ln.TCPAddr())
	return s, nil
}

// SocketPath is the Unix socket's path.
func (s *Server) SocketPath() string { return s.ln.path }

// TCPAddr is the TCP listener's address, nil without one.
func (s *Server) TCPAddr() net.Addr { return s.ln.TCPAddr() }

// Close stops listening, lets every client's queued lines go out (each
// write bounded by WriteTimeout) and waits for the connections to end.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	s.cancel()
	s.ln.Close()
	for _, c := range clients {
		c.finish()
	}
	s.wg.Wait()
}

// Publish hands an event to every subscriber whose filter takes it. It
// never blocks: a subscriber whose queue is full is disconnected.
func (s *Server) Publish(ev Event) {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.deliver(ev)
	}
}

func (s *Server) accept(ln net.Listener, tcp bool) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Error("control accept", "error", err)
			}
			return
		}
		c, ok := s.register(conn, tcp)
		if !ok {
			line, _ := json.Marshal(Response{Error: &ErrorBody{Code: CodeUnavailable,
				Message: fmt.Sprintf("too many control clients (at most %d)", s.opts.MaxClients)}})
			_ = conn.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
			_, _ = conn.Write(append(line, '\n'))
			_ = conn.Close()
			continue
		}
		s.wg.Go(c.write)
		s.wg.Go(func() { s.serveClient(c) })
	}
}

func (s *Server) register(conn net.Conn, tcp bool) (*client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.clients) >= s.opts.MaxClients {
		return nil, false
	}
	s.nextID++
	c := newClient(s.nextID, conn, s.opts.QueueSize, s.opts.WriteTimeout, s.log)
	c.needsAuth = tcp
	s.clients[c] = struct{}{}
	return c, true
}

func (s *Server) unregister(c *client) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
}

func (s *Server) clientCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// serveClient reads requests one line at a time and answers each in
// order; events interleave through the same queue.
func (s *Server) serveClient(c *client) {
	defer s.unregister(c)
	defer c.finish()
	reader := bufio.NewReaderSize(c.conn, MaxLineBytes)
	for {
		line, err := reader.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			c.reply(Response{Error: &ErrorBody{Code: CodeLineTooLong,
				Message: fmt.Sprintf("request line longer than %d bytes; closing this connection", MaxLineBytes)}})
			c.log.Warn("control client sent an over-long line; disconnected")
			return
		}
		if len(line) > 0 && !s.handleLine(c, line) {
			return
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Debug("control client read", "error", err)
			}
			return
		}
	}
}

// handleLine answers one request line; false ends the connection.
func (s *Server) handleLine(c *client, line []byte) bool {
	if len(bytes.TrimSpace(line)) == 0 {
		return true
	}
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		c.reply(Response{Error: &ErrorBody{Code: CodeBadJSON, Message: "not a JSON request object: " + err.Error()}})
		return !c.needsAuth
	}
	if c.needsAuth {
		return s.authenticate(c, req)
	}
	switch req.Cmd {
	case "":
		c.reply(Response{ID: req.ID, Error: &ErrorBody{Code: CodeBadRequest, Message: `missing "cmd"`}})
	case cmdAuth:
		c.reply(Response{ID: req.ID, OK: true})
	case cmdSubscribe:
		s.subscribe(c, req)
	default:
		s.runCommand(c, req)
	}
	return true
}

// authenticate is a TCP connection's first request: auth with the token.
// Anything else, or a wrong token, closes the connection.
func (s *Server) authenticate(c *client, req Request) bool {
	var token string
	if raw, ok := req.Args["token"]; ok {
		_ = json.Unmarshal(raw, &token)
	}
	if req.Cmd == cmdAuth && token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) == 1 {
		c.needsAuth = false
		c.reply(Response{ID: req.ID, OK: true})
		return true
	}
	c.reply(Response{ID: req.ID, Error: &ErrorBody{Code: CodeUnauthorized,
		Message: `send {"cmd":"auth","args":{"token":"…"}} with the right token first`}})
	c.log.Warn("control TCP client failed to authenticate; disconnected", "remote", c.conn.RemoteAddr())
	return false
}

func (s *Server) subscribe(c *client, req Request) {
	args, err := parseArgs(req.Args, []argSpec{{name: "events", kind: argList}})
	if err != nil {
		c.reply(Response{ID: req.ID, Error: errorBody(err)})
		return
	}
	filter := args.List("events")
	for _, pattern := range filter {
		if !validPattern(pattern) {
			c.reply(Response{ID: req.ID, Error: &ErrorBody{Code: CodeBadArgs,
				Message: fmt.Sprintf("event filter %q: use names such as call.ended, or call.* for a group", pattern)}})
			return
		}
	}
	shown := filter
	if len(shown) == 0 {
		shown = []string{"*"}
	}
	c.subscribe(Response{ID: req.ID, OK: true, Data: map[string]any{"events": shown}}, filter)
}

func (s *Server) runCommand(c *client, req Request) {
	cmd, ok := s.commands[req.Cmd]
	if !ok {
		c.reply(Response{ID: req.ID, Error: &ErrorBody{Code: CodeUnknownCommand,
			Message: fmt.Sprintf("unknown command %q (commands: %s)", req.Cmd, commandNames(s.commands))}})
		return
	}
	args, err := parseArgs(req.Args, cmd.args)
	if err != nil {
		c.reply(Response{ID: req.ID, Error: errorBody(err)})
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.CommandTimeout)
	defer cancel()
	data, err := s.safeRun(ctx, cmd, args)
	if err != nil {
		if s.ctx.Err() != nil {
			c.reply(Response{ID: req.ID, Error: &ErrorBody{Code: CodeUnavailable, Message: "switchboard is shutting down"}})
			return
		}
		c.log.Debug("control command failed", "cmd", req.Cmd, "error", err)
		c.reply(Response{ID: req.ID, Error: errorBody(err)})
		return
	}
	if st, ok := data.(Status); ok {
		st.Clients = s.clientCount()
		data = st
	}
	c.reply(Response{ID: req.ID, OK: true, Data: data})
}

// safeRun turns a panic in a command into an error reply: one bad request
// must not take the phone down with it.
func (s *Server) safeRun(ctx context.Context, cmd command, args Args) (data any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("control command panicked", "panic", r)
			data, err = nil, fmt.Errorf("internal error: %v", r)
		}
	}()
	return cmd.run(ctx, s.opts.Target, args)
}
