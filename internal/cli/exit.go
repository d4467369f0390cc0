package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/cec"
	"github.com/cells-oob/cells-oob/internal/childexec"
	"github.com/cells-oob/cells-oob/internal/decode"
	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/jwtinfo"
	"github.com/cells-oob/cells-oob/oob"
)

// Exit codes, as the spec lists them.
const (
	exitOK          = 0
	exitRuntime     = 1
	exitUsage       = 2
	exitExpired     = 3
	exitInvalid     = 4
	exitNotLoggedIn = 5
	exitNotFound    = 127
	exitInterrupted = 130
)

// usageError is a mistake in the command line (exit 2), worded for the
// person who typed it: which flag or argument to give instead.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// durationRefused is a duration flag's value its Action refuses: a usage
// error naming the flag and the value, and saying what to give instead.
// The Action sees only the parsed duration; normalize, which sees the
// words, names the value as it was typed (-90s, not -1m30s).
type durationRefused struct {
	usageError
	want string
}

// Unwrap makes a refused duration a usage error (exit 2) wherever it is
// met.
func (e *durationRefused) Unwrap() error { return &e.usageError }

// refuseDuration is the refusal of d as the value of the flag name, with
// what to give instead.
func refuseDuration(name string, d time.Duration, want string) error {
	return &durationRefused{usageError{fmt.Sprintf("--%s %s: %s", name, when.Short(d), want)}, want}
}

// usagef returns a usage error with a message for people.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// report turns how a command ended into the exit code, saying on stderr
// what went wrong.
func report(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	if code != exitOK && err.Error() != "" {
		fmt.Fprintf(stderr, "cells-oob: %s\n", message(err))
	}
	return code
}

// message is err as the line people read: what failed, then what to do,
// with advice only the command line can give.
func message(err error) string {
	msg := termsafe.OneLine(err.Error())
	var (
		noProfile  *oob.ProfileError
		handedOver *cec.HandedOverError
		refused    *show.RefusedError
		noDevice   *oob.NoDeviceError
		handedTo   *oob.HandedToError
		noRefresh  *oob.NoRefreshTokenError
		newer      *oob.NewerConfigError
	)
	switch {
	case errors.As(err, &handedTo):
		return fmt.Sprintf("%s: use %s, or run cells-oob login for a session of cells-oob's own", msg, termsafe.Text(handedTo.To, termsafe.MaxServerText))
	case errors.Is(err, prompt.ErrInterrupted), errors.Is(err, errLoginCancelled):
		// Ctrl-C at the paste prompt, which only login shows, or a signal
		// (kill -INT from another shell, SIGTERM, a hangup) while login
		// waits, at the prompt, for the browser or for the device's
		// approval: the person chose to stop, and nothing failed.
		return "login cancelled"
	case errors.As(err, &handedOver):
		// Before the advice for what it wraps: a login of the profile's
		// own is the way out, but a refresh would spend cec's token.
		return msg + ": do not refresh it with cells-oob; run cells-oob login for a session of its own"
	case errors.As(err, &refused):
		return msg + ": run cells-oob refresh, or cells-oob login"
	case errors.As(err, &noProfile) && len(noProfile.Names) > 0:
		if noProfile.Name == "" {
			return msg + ": make one current with cells-oob profiles use NAME"
		}
		return msg + ": give one of those"
	case errors.As(err, &noRefresh):
		return msg + noRefreshAdvice(noRefresh)
	case errors.Is(err, oob.ErrNotLoggedIn), errors.Is(err, oob.ErrSessionExpired):
		return msg + ": run cells-oob login"
	case errors.Is(err, decode.ErrNoIDToken):
		return msg + ": give a token, or - to read one from stdin"
	case errors.Is(err, decode.ErrNoToken):
		return msg + ": give one as the argument, or pipe one in"
	case errors.Is(err, decode.ErrNoJWKSURL):
		return msg + ": give --jwks-url or --key"
	case errors.As(err, &newer):
		return msg + ": upgrade cells-oob"
	case errors.As(err, &noDevice) && noDevice.Asked:
		return msg + ": sign in with the paste (leave out --device)"
	case errors.As(err, &noDevice):
		return msg + ": give --redirect-uri, the address registered for this client that shows the code, or --loopback"
	}
	return msg + notProviderAdvice(err) + tlsAdvice(err)
}

// noRefreshAdvice is what to do about a profile that holds no refresh
// token: nothing while its access token is valid; once it is not, a new
// token for one given on its own (a personal access token), else a new
// login.
func noRefreshAdvice(e *oob.NoRefreshTokenError) string {
	again := "run cells-oob login"
	if e.NoIDToken {
		again = "run cells-oob login --token with a new one"
	}
	if e.Stale == nil {
		return ": nothing to do while it is valid; once it expires, " + again
	}
	return ": " + again
}

// notProviderAdvice is what the command line adds when no OpenID provider
// answered where login looked: which address to give instead.
func notProviderAdvice(err error) string {
	var notProvider *oob.NotProviderError
	switch {
	case !errors.As(err, &notProvider):
		return ""
	case notProvider.Server != "":
		return ": this does not look like a Cells server: give --url the address people open in the browser, without a path such as /login"
	}
	return ": this does not look like an OpenID provider: give --issuer the provider's issuer, the URL under which /.well-known/openid-configuration answers"
}

// tlsAdvice is what the command line adds to a certificate the client
// refused: the flags that would make it trusted.
func tlsAdvice(err error) string {
	const risky = " (or, at your own risk, --insecure-skip-verify)"
	var (
		unknownCA x509.UnknownAuthorityError
		wrongHost x509.HostnameError
		badCert   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknownCA):
		return ": pass --ca-file PEM" + risky
	case errors.As(err, &wrongHost), errors.As(err, &badCert):
		return risky
	}
	return ""
}

// errLoginCancelled is a login the person stopped before it saved
// anything: whatever it was doing then, the line they read is the same.
var errLoginCancelled = fmt.Errorf("login cancelled: %w", oob.ErrInterrupted)

// exitCode decides the exit status from a typed error, in one place.
func exitCode(ctx context.Context, err error) int {
	var (
		exitErr  cli.ExitCoder
		notFound *childexec.NotFoundError
		usage    *usageError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, oob.ErrInterrupted), errors.Is(err, prompt.ErrInterrupted),
		errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted
	case errors.As(err, &usage), isUsage(err):
		return exitUsage
	case errors.Is(err, oob.ErrNotLoggedIn), errors.Is(err, oob.ErrSessionExpired):
		return exitNotLoggedIn
	case errors.Is(err, oob.ErrExpired),
		errors.Is(err, jwtinfo.ErrExpired),
		errors.Is(err, jwtinfo.ErrNotYetValid):
		return exitExpired
	case errors.Is(err, oob.ErrInvalid),
		errors.Is(err, jwtinfo.ErrInvalid),
		errors.Is(err, prompt.ErrNoInput), errors.Is(err, prompt.ErrTooLong):
		return exitInvalid
	case errors.As(err, &notFound):
		return exitNotFound
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	return exitRuntime
}

// isUsage says whether err is one of the libraries' errors that mean the
// person asked for something that cannot be: exit 2, as a mistake in the
// command line is.
func isUsage(err error) bool {
	var (
		notCells *oob.NotCellsError
		noDevice *oob.NoDeviceError
	)
	return errors.Is(err, oob.ErrBadServerURL) || errors.As(err, &notCells) || errors.As(err, &noDevice) ||
		errors.Is(err, decode.ErrNoIDToken) || errors.Is(err, decode.ErrNoJWKSURL) || errors.Is(err, decode.ErrNoToken)
}
