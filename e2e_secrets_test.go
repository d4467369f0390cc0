package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// secretSet gathers every secret the provider hands out during a test:
// codes and each generation of access, refresh and ID tokens.
type secretSet struct{ values []string }

func (s *secretSet) add(values ...string) {
	for _, v := range values {
		if v != "" {
			s.values = append(s.values, v)
		}
	}
}

// addProfile adds the tokens of every profile stored in the config at cfg.
func (s *secretSet) addProfile(t *testing.T, cfg string) {
	t.Helper()
	c, err := (&oob.Store{Path: cfg}).Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Profiles {
		s.add(p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	}
}

// leaks names the secrets found in out, whole or by any dot-separated part
// long enough to be a secret of its own (a JWT's signature, a JWE's
// ciphertext).
func (s *secretSet) leaks(out string) []string {
	var found []string
	for _, v := range s.values {
		parts := append([]string{v}, strings.Split(v, ".")...)
		for _, part := range parts {
			if len(part) >= 16 && strings.Contains(out, part) {
				found = append(found, v[:min(len(v), 8)]+"…")
				break
			}
		}
	}
	return found
}

// TestE2ESecretsNeverShown runs every command, plain and with --verbose,
// on success and on failure, against the in-process provider, and holds
// stderr (the person's messages, the errors, the HTTP trace) to never
// showing a code or a token, whole or in part.
func TestE2ESecretsNeverShown(t *testing.T) {
	srv := cellsop.NewTest(t)
	var secrets secretSet
	var stderrs []string
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")

	// Sign in, with the trace on.
	l := startLogin(t, "--config", cfg, "--verbose", "login", "--url", srv.URL)
	res := l.signIn()
	secrets.add(res.Code)
	if code := l.finish(res.Code); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, l.stderr)
	}
	if !strings.Contains(l.stderr.String(), "http> POST "+srv.URL+cellsop.PathToken) {
		t.Fatalf("--verbose traced no token request; stderr:\n%s", l.stderr)
	}
	stderrs = append(stderrs, l.stderr.String())
	secrets.addProfile(t, cfg)
	idToken := storedProfile(t, cfg).Token.IDToken

	// A login whose code was already spent fails, and says so safely.
	l = startLogin(t, "--config", cfg, "--verbose", "login", "--url", srv.URL)
	l.signIn()
	spent := spentCode(t, srv)
	secrets.add(spent)
	if code := l.finish(spent); code != exitInvalid {
		t.Errorf("login with a spent code exited %d, want 4", code)
	}
	stderrs = append(stderrs, l.stderr.String())

	commands := []struct {
		args  []string
		stdin string
		stale bool // the stored access token is made to look old first
	}{
		{args: []string{"token"}},
		{args: []string{"token", "--header"}},
		{args: []string{"token", "--json"}},
		{args: []string{"token", "--id-token"}},
		{args: []string{"token", "--min-valid", "10m"}, stale: true}, // refreshes
		{args: []string{"status"}},
		{args: []string{"status", "--json"}},
		{args: []string{"status", "--check"}},
		{args: []string{"refresh"}},
		{args: []string{"decode", "-"}, stdin: idToken},
		{args: []string{"decode", "--verify", "--json", "-"}, stdin: idToken},
		{args: []string{"profiles"}},
		{args: []string{"profiles", "--json"}},
	}
	run := func(verbose bool, args []string, stdin string, want int) {
		t.Helper()
		if verbose {
			args = append([]string{"--verbose"}, args...)
		}
		var stdout, stderr bytes.Buffer
		if code := runWith(cfg, stdin, &stdout, &stderr, args...); code != want {
			t.Errorf("%v exited %d, want %d; stderr:\n%s", args, code, want, stderr.String())
		}
		stderrs = append(stderrs, stderr.String())
		secrets.addProfile(t, cfg)
	}
	for _, verbose := range []bool{false, true} {
		for _, c := range commands {
			if c.stale {
				setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
			}
			run(verbose, c.args, c.stdin, exitOK)
		}
	}

	// The built binary serves a fresh token on a path of its own, before
	// the App exists; it is held to the same rule.
	bin := builtBinary(t)
	for _, args := range [][]string{{"token"}, {"token", "--header"}, {"token", "--json"}, {"--verbose", "token", "--id-token"}} {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stdout.Len() == 0 {
			t.Errorf("%v: %v, %d bytes on stdout; stderr:\n%s", args, err, stdout.Len(), stderr.String())
		}
		stderrs = append(stderrs, stderr.String())
	}

	// The same commands once the server has revoked everything: refusals,
	// session expired, tokens not accepted.
	srv.RevokeAll()
	setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
	for _, verbose := range []bool{false, true} {
		run(verbose, []string{"refresh"}, "", exitNotLoggedIn)
		run(verbose, []string{"token", "--min-valid", "10m"}, "", exitNotLoggedIn)
		run(verbose, []string{"status", "--check"}, "", exitInvalid)
	}

	// Log out of a fresh session, with the trace on: revocation sends the
	// tokens in a form, which the trace must not show.
	cfg = signInWithCLI(t, srv)
	secrets.addProfile(t, cfg)
	run(true, []string{"logout"}, "", exitOK)

	if len(secrets.values) < 8 {
		t.Fatalf("only %d secrets gathered: the test would prove little", len(secrets.values))
	}
	for i, out := range stderrs {
		if found := secrets.leaks(out); len(found) > 0 {
			t.Errorf("output %d shows secrets %v:\n%s", i, found, out)
		}
	}
}

// runWith runs cells-oob in this process with --config cfg and the given
// stdin, writing to stdout and stderr.
func runWith(cfg, stdin string, stdout, stderr *bytes.Buffer, args ...string) int {
	return run(context.Background(), append([]string{"cells-oob", "--config", cfg}, args...), strings.NewReader(stdin), stdout, stderr)
}

// TestE2EClipboardArgv runs `token --copy` with a display and no SSH,
// against stand-ins for xclip, xsel and wl-copy that record their argv and
// stdin: the token must reach the clipboard program on its stdin, never on
// its command line, where any user could read it in the process list.
func TestE2EClipboardArgv(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	token := storedProfile(t, cfg).Token.AccessToken

	tests := []struct {
		name     string
		programs []string
		env      string
		want     string // the program that must have been run
	}{
		{"xclip", []string{"xclip"}, "DISPLAY=:99", "xclip"},
		{"xsel", []string{"xsel"}, "DISPLAY=:99", "xsel"},
		{"wl-copy", []string{"wl-copy", "wl-paste"}, "WAYLAND_DISPLAY=wayland-99", "wl-copy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bindir := t.TempDir()
			record := t.TempDir()
			for _, prog := range tt.programs {
				script := "#!/bin/sh\n" +
					"printf '%s\\n' \"$0\" \"$@\" > \"$CLIP_RECORD/${0##*/}.argv\"\n" +
					"exec /bin/cat > \"$CLIP_RECORD/${0##*/}.stdin\"\n"
				if err := os.WriteFile(filepath.Join(bindir, prog), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin, "--config", cfg, "token", "--copy")
			// PATH holds the stand-ins only, so no real clipboard program
			// can be picked instead.
			cmd.Env = []string{"PATH=" + bindir, "HOME=" + t.TempDir(), "CLIP_RECORD=" + record, tt.env}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("token --copy: %v; stderr %q", err, stderr.String())
				}
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("token --copy did not end")
			}
			argv, err := os.ReadFile(filepath.Join(record, tt.want+".argv"))
			if err != nil {
				t.Fatalf("%s was not run: %v; stderr %q", tt.want, err, stderr.String())
			}
			stdin, _ := os.ReadFile(filepath.Join(record, tt.want+".stdin"))
			if strings.Contains(string(argv), token) || strings.Contains(string(argv), token[:16]) {
				t.Errorf("the token is on %s's command line", tt.want)
			}
			if string(stdin) != token {
				t.Errorf("%s read %d bytes on stdin, not the token", tt.want, len(stdin))
			}
			if stdout.Len() != 0 {
				t.Errorf("token --copy wrote on stdout: %q", stdout.String())
			}
			if msg := stderr.String(); !strings.Contains(msg, "system clipboard") || strings.Contains(msg, token) {
				t.Errorf("stderr should name the system clipboard and never the token: %q", msg)
			}
		})
	}
}
