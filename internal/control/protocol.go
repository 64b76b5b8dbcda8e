// Package control is switchboard's control socket: JSON lines over a Unix
// socket (and optionally loopback TCP with a token) through which scripts
// and other programs drive the running phone and follow its events.
// docs/control.md is the protocol's reference.
package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxLineBytes bounds one request line: a longer one is answered with an
// error and that client is disconnected (reading on would let one client
// make us buffer without end).
const MaxLineBytes = 64 << 10

// Request is one line from a client.
type Request struct {
	// ID is echoed in the response: any JSON value the client likes.
	ID   json.RawMessage            `json:"id,omitempty"`
	Cmd  string                     `json:"cmd"`
	Args map[string]json.RawMessage `json:"args,omitempty"`
}

// Response answers one request: Data when OK, else Error.
type Response struct {
	ID    json.RawMessage `json:"id,omitempty"`
	OK    bool            `json:"ok"`
	Data  any             `json:"data,omitempty"`
	Error *ErrorBody      `json:"error,omitempty"`
}

// ErrorBody says what went wrong: Code for programs, Message for people.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of a failed request; a contract like the event names.
const (
	CodeBadJSON        = "bad_json"        // the line is not a JSON object
	CodeBadRequest     = "bad_request"     // no cmd, or a request that is not allowed now
	CodeUnknownCommand = "unknown_command" // cmd names no command
	CodeBadArgs        = "bad_args"        // a missing, unknown or malformed argument
	CodeNotFound       = "not_found"       // the call, contact or task named does not exist
	CodeFailed         = "failed"          // the command ran and failed
	CodeLineTooLong    = "line_too_long"   // over MaxLineBytes; the connection is closed
	CodeUnauthorized   = "unauthorized"    // TCP without (or with a wrong) token
	CodeUnavailable    = "unavailable"     // the phone is shutting down
)

// Errors a Target returns to choose the reply's code; wrap them with %w.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
)

// errorBody turns a failure into its reply.
func errorBody(err error) *ErrorBody {
	var ae *argError
	switch {
	case errors.As(err, &ae), errors.Is(err, ErrInvalid):
		return &ErrorBody{Code: CodeBadArgs, Message: err.Error()}
	case errors.Is(err, ErrNotFound):
		return &ErrorBody{Code: CodeNotFound, Message: err.Error()}
	}
	return &ErrorBody{Code: CodeFailed, Message: err.Error()}
}

// argKind is what an argument must hold. Strings are accepted for every
// kind, because `switchboard ctl` sends key=value pairs as strings.
type argKind int

const (
	argString argKind = iota
	argInt
	argBool
	argDuration
	argTime
	argList // a JSON array of strings, or one comma-separated string
)

// argSpec declares one argument of a command.
type argSpec struct {
	name     string
	kind     argKind
	required bool
}

// argError is a request whose arguments do not fit the command.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }

func argErrorf(format string, a ...any) error { return &argError{msg: fmt.Sprintf(format, a...)} }

// Args are a request's arguments after validation against the command's
// specs: every value has its declared kind, so the getters cannot fail.
type Args struct{ values map[string]any }

func (a Args) has(name string) bool { _, ok := a.values[name]; return ok }

// String returns a string argument, "" when absent.
func (a Args) String(name string) string { s, _ := a.values[name].(string); return s }

// Int returns an integer argument, def when absent.
func (a Args) Int(name string, def int) int {
	if v, ok := a.values[name].(int); ok {
		return v
	}
	return def
}

// Bool returns a boolean argument, def when absent.
func (a Args) Bool(name string, def bool) bool {
	if v, ok := a.values[name].(bool); ok {
		return v
	}
	return def
}

// Duration returns a duration argument, 0 when absent.
func (a Args) Duration(name string) time.Duration { d, _ := a.values[name].(time.Duration); return d }

// Time returns a time argument, zero when absent.
func (a Args) Time(name string) time.Time { t, _ := a.values[name].(time.Time); return t }

// List returns a list argument, nil when absent.
func (a Args) List(name string) []string { l, _ := a.values[name].([]string); return l }

// parseArgs checks raw against specs: unknown names, missing required
// ones and values of the wrong kind are errors.
func parseArgs(raw map[string]json.RawMessage, specs []argSpec) (Args, error) {
	out := Args{values: map[string]any{}}
	known := map[string]argSpec{}
	for _, spec := range specs {
		known[spec.name] = spec
	}
	for name, value := range raw {
		spec, ok := known[name]
		if !ok {
			return Args{}, argErrorf("unknown argument %q (allowed: %s)", name, specNames(specs))
		}
		if string(value) == "null" {
			continue
		}
		v, err := decodeArg(spec.kind, value)
		if err != nil {
			return Args{}, argErrorf("argument %q: %v", name, err)
		}
		out.values[name] = v
	}
	for _, spec := range specs {
		if spec.required && !out.has(spec.name) {
			return Args{}, argErrorf("missing argument %q", spec.name)
		}
	}
	return out, nil
}

func specNames(specs []argSpec) string {
	if len(specs) == 0 {
		return "none"
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

func decodeArg(kind argKind, raw json.RawMessage) (any, error) {
	var text string
	isString := json.Unmarshal(raw, &text) == nil
	switch kind {
	case argString:
		if !isString {
			return nil, errors.New("must be a string")
		}
		return text, nil
	case argInt:
		var n int
		if isString {
			parsed, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				return nil, fmt.Errorf("%q is not an integer", text)
			}
			return parsed, nil
		}
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, errors.New("must be an integer")
		}
		return n, nil
	case argBool:
		if isString {
			b, err := strconv.ParseBool(strings.TrimSpace(text))
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", text)
			}
			return b, nil
		}
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, errors.New("must be true or false")
		}
		return b, nil
	case argDuration:
		if !isString {
			return nil, errors.New(`must be a duration string such as "30m"`)
		}
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration such as \"30m\"", text)
		}
		return d, nil
	case argTime:
		if !isString {
			return nil, errors.New("must be an RFC 3339 time string")
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time such as 2025-03-05T14:00:00+01:00", text)
		}
		return t, nil
	case argList:
		if isString {
			return splitList(text), nil
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errors.New("must be an array of strings or a comma-separated string")
		}
		return list, nil
	}
	return nil, fmt.Errorf("argument kind %d has no decoder", kind)
}

// splitList splits "a, b,,c" into [a b c].
func splitList(text string) []string {
	var out []string
	for part := range strings.SplitSeq(text, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
