package main

import (
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/phone"
)

// Exit codes are a contract with scripts; README.md and --help list them.
const (
	exitOK       = 0 // success, call answered
	exitRuntime  = 1 // network, registrar unreachable, timeout, any runtime failure
	exitUsage    = 2 // bad flags, bad target, bad config
	exitBusy     = 3 // the far end is busy
	exitNoAnswer = 4 // nobody answered in time (or the caller gave up before we answered)
	exitRejected = 5 // rejected, declined, or any other final SIP failure
	exitAuth     = 6 // the registrar or proxy refused our credentials
)

const exitCodeHelp = `Exit codes:
  0  success (registered, call answered, or transferred with --transfer-to)
  1  runtime failure: network, registrar unreachable, timeout
  2  usage or configuration error
  3  busy
  4  no answer
  5  rejected, declined or another final SIP failure
  6  authentication failed`

// exitError carries an exit code through cobra to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withExit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCodeOf returns the exit code an error asks for; plain errors are runtime failures.
func exitCodeOf(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitRuntime
}

// exitCodeForCall maps how a call ended to the process exit code.
func exitCodeForCall(ev phone.Event) int {
	switch ev.Result {
	case phone.ResultAnswered, phone.ResultTransferred:
		return exitOK
	case phone.ResultBusy:
		return exitBusy
	case phone.ResultNoAnswer, phone.ResultMissed:
		return exitNoAnswer
	case phone.ResultRejected, phone.ResultDeclined, phone.ResultBlacklisted:
		return exitRejected
	case phone.ResultFailed:
		switch {
		case ev.Code == 401 || ev.Code == 407 || ev.Code == 403:
			return exitAuth
		case ev.Code >= 400:
			return exitRejected
		}
	}
	return exitRuntime
}

// exitCodeForRegister maps a failed registration to the exit code.
func exitCodeForRegister(err error) int {
	var re *phone.RegisterError
	if errors.As(err, &re) {
		switch {
		case re.AuthFailed():
			return exitAuth
		case re.Code >= 400:
			return exitRejected
		}
	}
	return exitRuntime
}
