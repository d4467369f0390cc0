package oob

import (
	"errors"
	"fmt"

	"github.com/cells-oob/cells-oob/internal/termsafe"
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
	// ErrBadServerURL means the server URL given to sign in to cannot be
	// one: no scheme, no host, a password in it, or the OpenID provider's
	// own address (exit 2).
	ErrBadServerURL = errors.New("bad server URL")
	// ErrInterrupted means the person pressed Ctrl-C or Ctrl-D at a prompt
	// (exit 130).
	ErrInterrupted = errors.New("interrupted")
)

// badServerURL returns an error that matches ErrBadServerURL, worded by
// format.
func badServerURL(format string, args ...any) error {
	return &markedError{msg: fmt.Sprintf(format, args...), mark: ErrBadServerURL}
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

// HandedToError is a session that cannot be refreshed here because it
// was handed over to another program, To, which holds the refresh token
// now. It matches ErrSessionExpired (exit 5).
type HandedToError struct{ To string }

func (e *HandedToError) Error() string {
	return fmt.Sprintf("the session was handed over to %s, which holds the refresh token now", termsafe.Text(e.To, termsafe.MaxServerText))
}

// Is makes a handed-over session an ErrSessionExpired.
func (e *HandedToError) Is(target error) bool { return target == ErrSessionExpired }

// NoRefreshTokenError is a profile whose access token cannot be refreshed
// because the profile holds no refresh token: a personal access token
// (login --token) comes without one, as may a token pasted on its own or
// one from a provider that grants none. It matches ErrSessionExpired
// (exit 5): no refresh can be made.
type NoRefreshTokenError struct {
	// Profile is the profile's name.
	Profile string
	// Stale says why the access token needed a refresh: it has expired, or
	// does not last as long as asked. It is nil when a refresh was asked
	// for whatever the expiry and the access token is still valid.
	Stale error
	// NoIDToken says the profile holds no ID token either: its access
	// token was given on its own, as a personal access token is, rather
	// than got by signing in.
	NoIDToken bool
}

func (e *NoRefreshTokenError) Error() string {
	switch {
	case e.Stale != nil:
		return fmt.Sprintf("%s, and the profile holds no refresh token", e.Stale)
	case e.NoIDToken:
		return fmt.Sprintf("profile %q holds an access token without a refresh token (a personal access token, say), which cannot be refreshed", e.Profile)
	}
	return fmt.Sprintf("profile %q holds no refresh token, so its access token cannot be refreshed", e.Profile)
}

// Is makes a profile without a refresh token an ErrSessionExpired.
func (e *NoRefreshTokenError) Is(target error) bool { return target == ErrSessionExpired }

// NewerConfigError is a config file in a version of the format newer
// than this cells-oob reads, written by a newer cells-oob: it is refused,
// so that this one never rewrites what it does not understand.
type NewerConfigError struct {
	// Version is the file's; Reads, the newest this cells-oob reads.
	Version, Reads int
}

func (e *NewerConfigError) Error() string {
	return fmt.Sprintf("version %d is newer than this cells-oob reads (%d)", e.Version, e.Reads)
}

// NotCellsError is a profile signed in to an OpenID provider, not to a
// Cells server, asked for what only a Cells server has (exit 2).
type NotCellsError struct {
	// Profile is the profile's name; Issuer the provider it was signed in
	// to.
	Profile, Issuer string
	// Lacks says what the profile cannot give for want of a Cells server.
	Lacks string
}

func (e *NotCellsError) Error() string {
	return fmt.Sprintf("profile %q was signed in to an OpenID provider (%s), not to a Cells server: %s", e.Profile, termsafe.Text(e.Issuer, termsafe.MaxServerText), e.Lacks)
}
