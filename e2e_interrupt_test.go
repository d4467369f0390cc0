package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
)

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exitStatus waits for cmd and returns its exit status, failing the test
// if it does not end soon.
func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exitErr):
			return exitErr.ExitCode()
		}
		t.Fatalf("wait: %v", err)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the process did not end within 10s of the interrupt")
	}
	return -1
}

// TestE2EInterruptLoginPrompt interrupts a login that waits for the paste:
// exit 130, and the config and its directory as they were.
func TestE2EInterruptLoginPrompt(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg, before := seedConfig(t)
	cmd, stdin, stderr := startBinaryLogin(t, bin, cfg, srv.URL)
	defer stdin.Close()
	// From a pipe there is no prompt; the authorization URL is shown.
	waitFor(t, "the authorization URL", func() bool { return strings.Contains(stderr.String(), cellsop.PathAuth+"?") })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd); code != exitInterrupted {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
	assertUnchanged(t, cfg, before)
}

// TestE2EInterruptSlowServer interrupts commands while the server holds
// their request: exit 130, the config byte-identical, no file left beside
// it, and the lock released, so that the next command works.
func TestE2EInterruptSlowServer(t *testing.T) {
	bin := builtBinary(t)
	fs := faultserver.NewCells(t, faultserver.Options{})
	tests := []struct {
		name string
		path string
		args []string
		// awaits says the request's answer is awaited through the
		// interrupt, up to --timeout: a refresh token the server rotated
		// on receipt must not be lost.
		awaits bool
	}{
		{"token refreshing", cellsop.PathToken, []string{"token"}, true},
		{"refresh", cellsop.PathToken, []string{"refresh"}, true},
		{"status check", cellsop.PathUserinfo, []string{"status", "--check"}, false},
		{"logout", cellsop.PathRevoke, []string{"logout"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A session of its own: the refresh that ends the case rotates
			// the refresh token.
			cfg := signInWithCLI(t, fs.Cells)
			if tt.args[0] == "token" {
				setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
			}
			before, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			fs.Set(tt.path, faultserver.Hang)
			defer fs.Clear()
			hits := fs.Count(tt.path)
			timeout := "1m"
			if tt.awaits {
				timeout = "2s"
			}
			cmd := exec.Command(bin, append([]string{"--config", cfg, "--timeout", timeout}, tt.args...)...)
			var stdout bytes.Buffer
			stderr := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the request to "+tt.path, func() bool { return fs.Count(tt.path) > hits })
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			if tt.awaits {
				waitFor(t, "the note that the answer is awaited", func() bool { return strings.Contains(stderr.String(), "waiting for its answer") })
			}
			if code := exitStatus(t, cmd); code != exitInterrupted {
				t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr)
			}
			if strings.Contains(stderr.String(), "warning") {
				t.Errorf("an interrupt is no failure to warn about:\n%s", stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout holds %q", stdout.String())
			}
			assertNoSecrets(t, stderr.String(), profileSecrets(t, cfg)...)
			assertUnchanged(t, cfg, before)

			// A lock left held would make this wait for ever; --timeout
			// does not bound the wait for the lock, the test's deadline does.
			fs.Clear()
			if code, out := binaryRefresh(t, bin, cfg); code != exitOK {
				t.Errorf("refresh after the interrupt exited %d: %s", code, out)
			}
		})
	}
}

// binaryRefresh runs the built binary's refresh on cfg and returns its
// exit status and stderr; exitStatus bounds the wait.
func binaryRefresh(t *testing.T, bin, cfg string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, "--config", cfg, "refresh")
	var out bytes.Buffer
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return exitStatus(t, cmd), out.String()
}

// TestE2EKilledHoldingTheLock kills a refresh that holds the config's lock
// while the server makes it wait. The lock file stays behind, but the lock
// went with the process: the next refresh takes it at once.
func TestE2EKilledHoldingTheLock(t *testing.T) {
	bin := builtBinary(t)
	fs := faultserver.NewCells(t, faultserver.Options{})
	cfg := signInWithCLI(t, fs.Cells)
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fs.Set(cellsop.PathToken, faultserver.Hang)
	cmd := exec.Command(bin, "--config", cfg, "--timeout", "1m", "refresh")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refresh request", func() bool { return fs.Count(cellsop.PathToken) > 0 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	assertUnchanged(t, cfg, before)
	if _, err := os.Stat(cfg + ".lock"); err != nil {
		t.Fatalf("the lock file is gone, so this test proves nothing: %v", err)
	}

	fs.Clear()
	start := time.Now()
	next := exec.Command(bin, "--config", cfg, "refresh")
	var out bytes.Buffer
	next.Stderr = &out
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, next); code != exitOK {
		t.Errorf("refresh after the kill exited %d: %s", code, out.String())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the next refresh took %s: it waited for a dead process's lock", took)
	}
}

// TestE2EInterruptLoginExchange interrupts a login after the paste, while
// the server holds the exchange of the code: exit 130 and nothing saved.
func TestE2EInterruptLoginExchange(t *testing.T) {
	bin := builtBinary(t)
	fs := faultserver.NewCells(t, faultserver.Options{})
	fs.Set(cellsop.PathToken, faultserver.Hang)
	cfg, before := seedConfig(t)
	cmd, paste, stderr := startBinaryLogin(t, bin, cfg, fs.URL)
	defer paste.Close()
	var authURL string
	waitFor(t, "the authorization URL", func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(line, fs.URL+cellsop.PathAuth+"?") {
				authURL = line
				return true
			}
		}
		return false
	})
	res, err := browser.Authorize(context.Background(), authURL, cellsop.Username, cellsop.Password)
	if err != nil || res.Code == "" {
		t.Fatalf("browser: %v %+v", err, res)
	}
	io.WriteString(paste, res.Code+"\n")
	waitFor(t, "the exchange", func() bool { return fs.Count(cellsop.PathToken) > 0 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd); code != exitInterrupted {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
	assertNoSecrets(t, stderr.String(), res.Code)
	assertUnchanged(t, cfg, before)
}

// startBinaryLogin starts the built binary's login against url, with a
// pipe for the paste and stderr collected.
func startBinaryLogin(t *testing.T, bin, cfg, url string, global ...string) (*exec.Cmd, io.WriteCloser, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{"--config", cfg}, global...), "login", "--url", url)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stdin, stderr
}
