package crm

import "errors"

// Sentinel errors, for errors.Is. Errors returned by the CRM wrap them with
// the details.
var (
	// ErrNotFound: no contact, case, task, company or blacklist entry has
	// the requested id.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input breaks a rule (empty name, unknown status, bad
	// number, unknown time zone …); nothing was written.
	ErrInvalid = errors.New("invalid input")
	// ErrInvalidNumber: a phone number has no usable digits. errors.Is
	// also matches it with ErrInvalid.
	ErrInvalidNumber error = &subError{message: "invalid phone number", parent: ErrInvalid}
	// ErrClosed: the case or task is already closed.
	ErrClosed = errors.New("already closed")
)

// subError is a sentinel that is also a kind of another sentinel.
type subError struct {
	message string
	parent  error
}

func (e *subError) Error() string { return e.message }
func (e *subError) Unwrap() error { return e.parent }
