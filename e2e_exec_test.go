//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
)

// childReport is a command for cells-oob exec that prints its own command
// line (from /proc), its process id, the files it has open and the
// variables exec sets, one a line, and exits with $1.
const childReport = `tr '\0' ' ' </proc/$$/cmdline; echo; echo $$; for fd in /proc/$$/fd/*; do readlink "$fd"; done | tr '\n' ' '; echo; echo "CEC_URL=$CEC_URL"; echo "CEC_TOKEN=$CEC_TOKEN"; echo "CELLS_TOKEN=$CELLS_TOKEN"; exit "$1"`

// TestE2EExec runs the built binary's exec on a real session: the command
// gets a token the provider accepts in its environment, and no command
// line holds it; it runs in cells-oob's place, with the config's lock and
// files closed, so its exit code is cells-oob's. A command not found exits
// 127.
func TestE2EExec(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	p := storedProfile(t, cfg)

	for _, code := range []int{0, 1, 42} {
		cmd := exec.Command(bin, "--config", cfg, "exec", "--", "sh", "-c", childReport, "child", strconv.Itoa(code))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if got := exitStatus(t, cmd); got != code {
			t.Errorf("exit %d, want %d; stderr: %s", got, code, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("exit %d: stderr %q", code, stderr.String())
		}
		lines := strings.Split(stdout.String(), "\n")
		if len(lines) < 6 {
			t.Fatalf("the command said:\n%s", stdout.String())
		}
		if want := "sh -c " + childReport + " child " + strconv.Itoa(code) + " "; lines[0] != want {
			t.Errorf("the command line is %q, want %q", lines[0], want)
		}
		assertNoSecrets(t, lines[0], p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
		if lines[1] != strconv.Itoa(cmd.Process.Pid) {
			t.Errorf("the command runs as process %s, not in cells-oob's place (%d)", lines[1], cmd.Process.Pid)
		}
		if strings.Contains(lines[2], filepath.Dir(cfg)) {
			t.Errorf("the command has cells-oob's files open: %s", lines[2])
		}
		env := map[string]string{}
		for _, l := range lines[3:] {
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
			t.Error("the provider refuses the command's token")
		}
		assertNoSecrets(t, stdout.String(), p.Token.RefreshToken)
	}

	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--config", cfg, "exec", "--", "no-such-command-here", "arg")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got := exitStatus(t, cmd); got != 127 || stderr.String() != "cells-oob: exec: no-such-command-here: command not found\n" {
		t.Errorf("a command not found: exit %d, stderr %q; want 127 and one line", got, stderr.String())
	}

	// --min-valid holds when the command starts: a token about to expire
	// is refreshed first.
	setStoredExpiry(t, cfg, time.Now().Add(30*time.Second))
	before := srv.Count(cellsop.PathToken)
	out, err := exec.Command(bin, "--config", cfg, "exec", "--min-valid", "2m", "--", "sh", "-c", `echo "$CELLS_TOKEN"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	renewed := storedProfile(t, cfg)
	if srv.Count(cellsop.PathToken) != before+1 || strings.TrimSpace(string(out)) != renewed.Token.AccessToken || renewed.Token.AccessToken == p.Token.AccessToken {
		t.Errorf("--min-valid 2m on a token with 30s left: %d token requests, and the command did not get the new token", srv.Count(cellsop.PathToken)-before)
	}
	if time.Until(renewed.Token.Expiry) < 2*time.Minute {
		t.Errorf("the new token expires in %v", time.Until(renewed.Token.Expiry))
	}
}

// waitingCommand is a command for cells-oob exec that says ready, then
// waits; each signal it traps it names on stdout, and exits with a status
// of its own for it.
const waitingCommand = `trap 'echo got INT; exit 10' INT; trap 'echo got TERM; exit 11' TERM; trap 'echo got HUP; exit 12' HUP; trap 'echo got USR1; exit 7' USR1; trap 'echo got QUIT; exit 8' QUIT; echo ready; while :; do sleep 0.05; done`

// startWaiting starts cells-oob exec of waitingCommand and returns once
// the command has said it is ready, with the rest of its output to come.
func startWaiting(t *testing.T, bin, cfg string) (*exec.Cmd, *bufio.Reader, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "--config", cfg, "exec", "--", "sh", "-c", waitingCommand)
	// A pipe of the test's own, not StdoutPipe, which Wait closes: what
	// the command says as it ends is read after its exit status.
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = w, stderr
	// A group of its own, so that whatever is left of it at the end (a
	// command orphaned by a cells-oob that died) goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	stdout := bufio.NewReader(out)
	if line, err := stdout.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("the command said %q, %v; stderr: %s", line, err, stderr.String())
	}
	return cmd, stdout, stderr
}

// TestE2EExecSignals sends each signal to the process that was started as
// cells-oob exec: that process is the command itself, so every signal
// reaches it, not only those cells-oob would pass on (SIGQUIT dumps no Go
// stack), and it ends as the command chose.
func TestE2EExecSignals(t *testing.T) {
	hangupsDeliverable(t)
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	tests := []struct {
		sig  syscall.Signal
		name string
		want int
	}{
		{syscall.SIGINT, "INT", 10},
		{syscall.SIGTERM, "TERM", 11},
		{syscall.SIGHUP, "HUP", 12},
		{syscall.SIGUSR1, "USR1", 7},
		{syscall.SIGQUIT, "QUIT", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, stdout, stderr := startWaiting(t, bin, cfg)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if got := exitStatus(t, cmd); got != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %.300s", got, tt.want, stderr.String())
			}
			// The command has ended: its output is all there.
			if rest, err := io.ReadAll(stdout); err != nil || string(rest) != "got "+tt.name+"\n" {
				t.Errorf("after SIG%s the command said %q, %v", tt.name, rest, err)
			}
			if got := stderr.String(); got != "" {
				t.Errorf("stderr %.300q", got)
			}
		})
	}
}

// TestE2EExecJobControl: Ctrl-Z (SIGTSTP) stops the command, as the
// process the caller started, and SIGCONT resumes it.
func TestE2EExecJobControl(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	cmd, stdout, stderr := startWaiting(t, bin, cfg)
	pid := cmd.Process.Pid
	if _, comm := processState(t, pid); comm != "sh" {
		t.Errorf("the process started is %q, not the command", comm)
	}
	if err := cmd.Process.Signal(syscall.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, true)
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, false)
	// Resumed, it still answers.
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if got := exitStatus(t, cmd); got != 7 || stderr.String() != "" {
		t.Fatalf("exit %d, stderr %.300q; want 7 and nothing", got, stderr.String())
	}
	if rest, err := io.ReadAll(stdout); err != nil || string(rest) != "got USR1\n" {
		t.Errorf("after SIGCONT and SIGUSR1 the command said %q, %v", rest, err)
	}
}

// processState is the state letter of process pid (R, S, T...) and its
// command name, from /proc.
func processState(t *testing.T, pid int) (state byte, comm string) {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// "pid (comm) state ...", where comm may hold spaces and parentheses.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < 0 || end+2 >= len(stat) {
		t.Fatalf("/proc/%d/stat: %q", pid, stat)
	}
	return stat[end+2], string(stat[open+1 : end])
}

// waitState waits for the kernel to report that child pid stopped on a
// signal, or, with stopped false, that it continued: wait4 with WUNTRACED
// or WCONTINUED, which reports the change without reaping the child.
func waitState(t *testing.T, pid int, stopped bool) {
	t.Helper()
	options, what := syscall.WCONTINUED, "continue"
	if stopped {
		options, what = syscall.WUNTRACED, "stop"
	}
	reported := make(chan error, 1)
	go func() {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, options, nil)
		if err == nil && ws.Stopped() != stopped {
			err = fmt.Errorf("the kernel reported status %#x", ws)
		}
		reported <- err
	}()
	select {
	case err := <-reported:
		if err != nil {
			t.Fatalf("process %d did not %s: %v", pid, what, err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("process %d did not %s within a minute", pid, what)
	}
}
