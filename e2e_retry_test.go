//go:build !windows

package main

import (
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestE2EMistypedCode types codes the server never issued at a login's
// terminal prompt: each refusal is one line, and the prompt comes back for
// the same sign-in, three pastes in all. Two bad codes then the right one
// sign in with one authorization URL; three bad ones exit 4, with the
// config as it was. From a pipe a bad code exits 4 at once.
func TestE2EMistypedCode(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	bad := []string{"SYNTHETIC-mistyped-1", "SYNTHETIC-mistyped-2", "SYNTHETIC-mistyped-3"}
	tests := []struct {
		name  string
		bad   int
		right bool
		want  int
	}{
		{name: "two bad then the right one", bad: 2, right: true, want: exitOK},
		{name: "three bad", bad: 3, want: exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			tm := openTerminal(t)
			cmd, stderr := tm.startLogin(t, bin, cfg, srv.URL)
			authURL := authURLOn(t, stderr)
			for i, code := range bad[:tt.bad] {
				if i > 0 {
					// The person reads the refusal, then pastes again at
					// the prompt that follows it.
					waitFor(t, "the prompt again", func() bool {
						s := stderr.String()
						return strings.Count(s, "refused the code") == i && strings.HasSuffix(s, "Code: ")
					})
				}
				io.WriteString(tm.master, code+"\r")
			}
			var secret string
			if tt.right {
				waitFor(t, "the prompt again", func() bool {
					s := stderr.String()
					return strings.Count(s, "refused the code") == tt.bad && strings.HasSuffix(s, "Code: ")
				})
				res, err := browser.Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
				if err != nil || res.Code == "" {
					t.Fatalf("browser: %v (error %q)", err, res.Error)
				}
				secret = res.Code
				io.WriteString(tm.master, res.Code+"\r")
			}
			if code := exitStatus(t, cmd); code != tt.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			out := stderr.String()
			if n := strings.Count(out, srv.URL+cellsop.PathAuth+"?"); n != 1 {
				t.Errorf("%d authorization URLs, want 1 sign-in:\n%s", n, out)
			}
			for _, want := range []string{
				"\n" + srv.URL + " refused the code (invalid code): paste it again (2 tries left), or Ctrl-C\nCode: ",
				"\n" + srv.URL + " refused the code (invalid code): paste it again (1 try left), or Ctrl-C\nCode: ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("stderr does not say %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "refused the code"); n != 2 {
				t.Errorf("%d refusal lines, want 2:\n%s", n, out)
			}
			tm.assertRestored(t)
			assertNoSecrets(t, out, append(bad, secret)...)
			if tt.want != exitOK {
				if !strings.Contains(out, "cells-oob: exchange code: "+srv.URL+" refused it: invalid_grant") {
					t.Errorf("the last refusal is not the error:\n%s", out)
				}
				assertUnchanged(t, cfg, before)
			}
		})
	}

	t.Run("from a pipe", func(t *testing.T) {
		cfg, before := seedConfig(t)
		cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
		cmd.Stdin = strings.NewReader(strings.Join(bad, "\n") + "\n")
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if code := exitStatus(t, cmd); code != exitInvalid {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInvalid, stderr)
		}
		if out := stderr.String(); strings.Contains(out, "refused the code") || strings.Count(out, "cells-oob: ") != 1 {
			t.Errorf("a piped login did not end at the first refusal:\n%s", out)
		}
		assertNoSecrets(t, stderr.String(), bad...)
		assertUnchanged(t, cfg, before)
	})
}
