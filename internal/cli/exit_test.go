package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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

// TestMessageDropsPackageNames: a package's name goes wherever it stands
// in a chain of wrapped errors, and a name that is not a package's stays.
func TestMessageDropsPackageNames(t *testing.T) {
	inner := fmt.Errorf("jwtinfo: oob: awsconfig: deep: %w", errors.New("oob: root cause"))
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("export: %w", inner), "export: deep: root cause"},
		{inner, "deep: root cause"},
		{errors.New("decode: fetch the JWKS: cannot reach https://cells-oob: example"), "decode: fetch the JWKS: cannot reach https://cells-oob: example"},
		{errors.New("oob:no space"), "oob:no space"},
	}
	for _, tt := range tests {
		if got := message(tt.err); got != tt.want {
			t.Errorf("message(%q) = %q, want %q", tt.err, got, tt.want)
		}
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
