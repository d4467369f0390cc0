package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/cellsop"
	"github.com/cells-oob/cells-oob/internal/oobtest"
)

// childReport is a child for cells-oob exec that prints its own command
// line (from /proc), its parent's (cells-oob's) and the variables exec
// sets, one a line, and exits with $1.
const childReport = `tr '\0' ' ' </proc/$$/cmdline; echo; tr '\0' ' ' </proc/$PPID/cmdline; echo; echo "CEC_URL=$CEC_URL"; echo "CEC_TOKEN=$CEC_TOKEN"; echo "CELLS_TOKEN=$CELLS_TOKEN"; exit "$1"`

// TestE2EExec runs the built binary's exec on a real session: the child
// gets a token the provider accepts in its environment, and no command
// line holds it; exit codes and signal deaths pass through.
func TestE2EExec(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	p := storedProfile(t, cfg)

	for _, code := range []string{"0", "1", "42"} {
		cmd := exec.Command(bin, "--config", cfg, "exec", "--", "sh", "-c", childReport, "child", code)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		got := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			got = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if want, _ := strconv.Atoi(code); got != want {
			t.Errorf("exit %d, want %d; stderr: %s", got, want, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("exit %s: stderr %q", code, stderr.String())
		}
		lines := strings.Split(stdout.String(), "\n")
		if len(lines) < 5 {
			t.Fatalf("the child said:\n%s", stdout.String())
		}
		for _, argv := range lines[:2] {
			if argv == "" {
				t.Errorf("empty command line in:\n%s", stdout.String())
			}
			assertNoSecrets(t, argv, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
		}
		if !strings.HasPrefix(lines[1], bin+" --config ") {
			t.Errorf("the child's parent is %q, not cells-oob", lines[1])
		}
		env := map[string]string{}
		for _, l := range lines[2:] {
			if k, v, ok := strings.Cut(l, "="); ok {
				env[k] = v
			}
		}
		switch tok := env["CELLS_TOKEN"]; {
		case env["CEC_URL"] != srv.URL:
			t.Errorf("CEC_URL=%s, want %s", env["CEC_URL"], srv.URL)
		case tok == "" || env["CEC_TOKEN"] != tok:
			t.Errorf("CEC_TOKEN (%d chars) and CELLS_TOKEN (%d chars) differ", len(env["CEC_TOKEN"]), len(tok))
		case !oobtest.Accepted(t, srv, tok):
			t.Error("the provider refuses the child's token")
		}
		assertNoSecrets(t, stdout.String(), p.Token.RefreshToken)
	}

	// --min-valid holds when the child starts: a token about to expire is
	// refreshed first.
	setStoredExpiry(t, cfg, time.Now().Add(30*time.Second))
	before := srv.Count(cellsop.PathToken)
	out, err := exec.Command(bin, "--config", cfg, "exec", "--min-valid", "2m", "--", "sh", "-c", `echo "$CELLS_TOKEN"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	renewed := storedProfile(t, cfg)
	if srv.Count(cellsop.PathToken) != before+1 || strings.TrimSpace(string(out)) != renewed.Token.AccessToken || renewed.Token.AccessToken == p.Token.AccessToken {
		t.Errorf("--min-valid 2m on a token with 30s left: %d token requests, and the child did not get the new token", srv.Count(cellsop.PathToken)-before)
	}
	if time.Until(renewed.Token.Expiry) < 2*time.Minute {
		t.Errorf("the new token expires in %v", time.Until(renewed.Token.Expiry))
	}
}

// TestE2EExecSignals sends cells-oob exec each signal it passes on while
// its child waits: the child gets it, decides how to end, and cells-oob
// exits as the child did, after it.
func TestE2EExecSignals(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	const child = `sleep 60 & trap 'kill $!; echo got INT >&2; exit 10' INT; trap 'kill $!; echo got TERM >&2; exit 11' TERM; trap 'kill $!; echo got HUP >&2; exit 12' HUP; echo ready; wait`
	tests := []struct {
		sig  syscall.Signal
		name string
		want int
	}{
		{syscall.SIGINT, "INT", 10},
		{syscall.SIGTERM, "TERM", 11},
		{syscall.SIGHUP, "HUP", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "--config", cfg, "exec", "--", "sh", "-c", child)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
				cmd.Process.Kill()
				t.Fatalf("child said %q, %v; stderr: %s", line, err, stderr.String())
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if got := exitStatus(t, cmd); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
			if got := stderr.String(); got != "got "+tt.name+"\n" {
				t.Errorf("stderr %q", got)
			}
		})
	}
}
