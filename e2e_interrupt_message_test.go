//go:build !windows

package main

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestE2ESignalAtPromptSaysCancelled sends a signal from outside (kill
// -INT, -TERM, -HUP from another shell, not Ctrl-C typed at the terminal)
// to a login waiting at the paste, on a terminal and on a pipe that stays
// open: each ends as Ctrl-C does, exit 130 and one line, "login
// cancelled", never the context's own words.
func TestE2ESignalAtPromptSaysCancelled(t *testing.T) {
	hangupsDeliverable(t)
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run("terminal "+sig.String(), func(t *testing.T) {
			cfg, before := seedConfig(t)
			tm := openTerminal(t)
			cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
			stderr := tm.startRaw(t, cmd)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := exitStatus(t, cmd); code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
			}
			assertCancelled(t, stderr.String())
			tm.assertRestored(t)
			assertUnchanged(t, cfg, before)
		})
		t.Run("pipe "+sig.String(), func(t *testing.T) {
			cfg, before := seedConfig(t)
			cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			errPipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The authorization URL is printed once the paste is awaited
			// (its reading starts with it or at once after).
			var seen strings.Builder
			lines := bufio.NewReader(errPipe)
			for !strings.Contains(seen.String(), srv.URL+cellsop.PathAuth+"?") {
				line, err := lines.ReadString('\n')
				seen.WriteString(line)
				if err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no authorization URL before %v; stderr:\n%s", err, seen.String())
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(lines)
			seen.Write(rest)
			if code := exitStatus(t, cmd); code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, seen.String())
			}
			assertCancelled(t, seen.String())
			assertUnchanged(t, cfg, before)
		})
	}
}

// assertCancelled fails the test unless stderr's one error line says the
// login was cancelled, and nothing of a context.
func assertCancelled(t *testing.T, stderr string) {
	t.Helper()
	if n := strings.Count(stderr, "cells-oob: "); n != 1 || !strings.HasSuffix(stderr, "cells-oob: login cancelled\n") || strings.Contains(stderr, "context") {
		t.Errorf("stderr does not end in the one line %q:\n%s", "cells-oob: login cancelled", stderr)
	}
}
