package oob

import (
	"errors"
	"fmt"
)

// Sentinel errors. The command line maps them to exit codes, so wrap them
// with %w rather than replacing them.
var (
	// ErrNotLoggedIn means there is no profile to use (exit 5): a new
	// login is the way out.
	ErrNotLoggedIn = errors.New("not logged in")
	// ErrSessionExpired means the session cannot be refreshed, as the
	// server refused the refresh token or there is none (exit 5): a new
	// login is the way out.
	ErrSessionExpired = errors.New("session expired")
	// ErrExpired means a token is expired or not valid long enough (exit 3).
	ErrExpired = errors.New("expired")
	// ErrInvalid means input or a token failed validation, or the server
	// rejected it (exit 4).
	ErrInvalid = errors.New("invalid")
	// ErrUsage means the command line itself is wrong (exit 2).
	ErrUsage = errors.New("usage")
	// ErrInterrupted means the person pressed Ctrl-C or Ctrl-D at a prompt
	// (exit 130).
	ErrInterrupted = errors.New("interrupted")
)

// Usagef returns a usage error (exit 2) with a message for people.
func Usagef(format string, args ...any) error {
	return &markedError{msg: fmt.Sprintf(format, args...), mark: ErrUsage}
}

// Invalidf returns an error that matches ErrInvalid (exit 4) without the
// word "invalid" being forced into its message.
func Invalidf(format string, args ...any) error {
	return &markedError{msg: fmt.Sprintf(format, args...), mark: ErrInvalid}
}

// markedError carries a message of its own and is also one of the sentinels,
// so that messages read naturally while exit codes stay typed.
type markedError struct {
	msg  string
	mark error
	err  error
}

func (e *markedError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *markedError) Is(target error) bool { return target == e.mark }

func (e *markedError) Unwrap() error { return e.err }
