package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/cec"
	"github.com/cells-oob/cells-oob/internal/decode"
	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/oob"
)

// TestGlobalFlagsAfterEveryCommand types the global flags after the words
// of each command and subcommand: they are taken there as before the
// command, so the help that follows them is the command's own.
func TestGlobalFlagsAfterEveryCommand(t *testing.T) {
	config := filepath.Join(t.TempDir(), "c.json")
	for _, path := range commandPaths() {
		t.Run(strings.Join(path, " "), func(t *testing.T) {
			_, want, _ := runCLI(t, append(path, "--help")...)
			args := append(slices.Clone(path), "--config", config, "--profile=p", "-timeout", "5s", "--verbose", "--help")
			code, got, stderr := runCLI(t, args...)
			if code != exitOK || stderr != "" || got != want {
				t.Errorf("%q: exit %d, stderr %q, same help as without the flags: %v", args, code, stderr, got == want)
			}
		})
	}
}

// TestMessageTLSAdvice: a certificate the client refused gets the flags
// that would make it trusted, which only the command line knows.
func TestMessageTLSAdvice(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{saying{"https://h: certificate signed by an unknown authority", x509.UnknownAuthorityError{}},
			"https://h: certificate signed by an unknown authority: pass --ca-file PEM (or, at your own risk, --insecure-skip-verify)"},
		{saying{"https://h: not h: check the URL", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}},
			"https://h: not h: check the URL (or, at your own risk, --insecure-skip-verify)"},
		{errors.New("https://h: connection refused"), "https://h: connection refused"},
	}
	for _, tt := range tests {
		if got := message(tt.err); got != tt.want {
			t.Errorf("message(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// saying is an error that says msg of its cause, as safehttp's do.
type saying struct {
	msg   string
	cause error
}

func (e saying) Error() string { return e.msg }
func (e saying) Unwrap() error { return e.cause }

// TestPolicy: the libraries' typed errors get their exit code and the
// advice only the command line words.
func TestPolicy(t *testing.T) {
	tests := []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("decode: profile %q %w", "a", decode.ErrNoIDToken), exitUsage,
			`decode: profile "a" holds no ID token: give a token, or - to read one from stdin`},
		{fmt.Errorf("decode: profile %q %w", "a", decode.ErrNoJWKSURL), exitUsage,
			`decode: profile "a" has no JWKS URL: give --jwks-url or --key`},
		{&oob.NotCellsError{Profile: "a", Issuer: "https://idp.example/", Lacks: "it has no S3 gateway"}, exitUsage,
			`profile "a" was signed in to an OpenID provider (https://idp.example/), not to a Cells server: it has no S3 gateway`},
		{fmt.Errorf("no current profile: %w", oob.ErrNotLoggedIn), exitNotLoggedIn,
			"no current profile: not logged in: run cells-oob login"},
		{usagef("token takes no arguments"), exitUsage, "token takes no arguments"},
		{&show.RefusedError{Profile: "a"}, exitInvalid,
			`the server does not accept the access token of profile "a": run cells-oob refresh, or cells-oob login`},
		{&cec.HandedOverError{Path: "/c.json", Profile: "a", Err: fmt.Errorf("no current profile: %w", oob.ErrNotLoggedIn)}, exitNotLoggedIn,
			`cec's config /c.json now holds the session of profile "a", but the profile could not be updated (no current profile: not logged in): do not refresh it with cells-oob; run cells-oob login for a session of its own`},
		{fmt.Errorf("%w on stdin", decode.ErrNoToken), exitUsage,
			"no token given on stdin: give one as the argument, or pipe one in"},
		{fmt.Errorf("read paste: %w", prompt.ErrInterrupted), exitInterrupted, "login cancelled"},
		{errLoginCancelled, exitInterrupted, "login cancelled"},
		{refuseDuration("timeout", -90*time.Second, "give a time limit above zero"), exitUsage, "--timeout -1m30s: give a time limit above zero"},
		{fmt.Errorf("profile %q cannot be refreshed: %w", "a", &oob.HandedToError{To: "cec"}), exitNotLoggedIn,
			`profile "a" cannot be refreshed: the session was handed over to cec, which holds the refresh token now: use cec, or run cells-oob login for a session of cells-oob's own`},
		// A profile without a refresh token: nothing to do while its
		// token is valid, a new token (or login) once it is not.
		{&oob.NoRefreshTokenError{Profile: "a", NoIDToken: true}, exitNotLoggedIn,
			`profile "a" holds an access token without a refresh token (a personal access token, say), which cannot be refreshed: nothing to do while it is valid; once it expires, run cells-oob login --token with a new one`},
		{&oob.NoRefreshTokenError{Profile: "a"}, exitNotLoggedIn,
			`profile "a" holds no refresh token, so its access token cannot be refreshed: nothing to do while it is valid; once it expires, run cells-oob login`},
		{&oob.NoRefreshTokenError{Profile: "a", Stale: errors.New(`the access token of profile "a" expired 3m ago`), NoIDToken: true}, exitNotLoggedIn,
			`the access token of profile "a" expired 3m ago, and the profile holds no refresh token: run cells-oob login --token with a new one`},
		{&oob.NoRefreshTokenError{Profile: "a", Stale: fmt.Errorf(`the access token of profile "a" expired 3m ago: %w`, oob.ErrExpired)}, exitNotLoggedIn,
			`the access token of profile "a" expired 3m ago: expired, and the profile holds no refresh token: run cells-oob login`},
		{&oob.ConfigError{Path: "/c.json", Err: &oob.NewerConfigError{Version: 2, Reads: 1}}, exitRuntime,
			"config /c.json: version 2 is newer than this cells-oob reads (1): upgrade cells-oob"},
		{errors.New("disk full"), exitRuntime, "disk full"},
	}
	for _, tt := range tests {
		if code, got := exitCode(t.Context(), tt.err), message(tt.err); code != tt.code || got != tt.want {
			t.Errorf("%v: exit %d, message %q; want %d, %q", tt.err, code, got, tt.code, tt.want)
		}
	}
}
