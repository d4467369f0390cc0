//go:build unix

package childexec

import (
	"bufio"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 1", 1},
		{"exit 42", 42},
		{"kill -TERM $$", 128 + int(syscall.SIGTERM)},
		{"kill -KILL $$", 128 + int(syscall.SIGKILL)},
	}
	for _, tt := range tests {
		got, err := Run(exec.Command("sh", "-c", tt.script))
		if err != nil || got != tt.want {
			t.Errorf("sh -c %q: %d, %v; want %d", tt.script, got, err, tt.want)
		}
	}
}

func TestRunNotStarted(t *testing.T) {
	if _, err := Run(exec.Command("/nonexistent/command")); err == nil {
		t.Error("no error for a command that does not exist")
	}
}

// TestRunForwardsSignals sends this process each signal while a child
// waits for it: the child must get it, and Run return the status the
// child chose.
func TestRunForwardsSignals(t *testing.T) {
	// Under nohup a child would inherit SIGHUP ignored, and sh cannot trap
	// a signal ignored on entry; one this process catches is reset to the
	// default for the child instead.
	// (Never stopped: that would ignore SIGHUP again for the tests after.)
	if signal.Ignored(syscall.SIGHUP) {
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			// The child's status says which signal it trapped.
			cmd := exec.Command("sh", "-c", `sleep 60 & trap 'kill $!; exit 10' INT; trap 'kill $!; exit 11' TERM; trap 'kill $!; exit 12' HUP; echo ready; wait`)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				code int
				err  error
			}
			done := make(chan result, 1)
			go func() {
				code, err := Run(cmd)
				done <- result{code, err}
			}()
			if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
				t.Fatalf("child said %q, %v", line, err)
			}
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			want := 10 + slices.Index([]syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}, sig)
			if r := <-done; r.err != nil || r.code != want {
				t.Errorf("Run = %d, %v; want %d", r.code, r.err, want)
			}
		})
	}
}

// TestRunKeepsIgnored: a signal this process ignores, as nohup makes
// SIGHUP, stays ignored in the child.
func TestRunKeepsIgnored(t *testing.T) {
	signal.Ignore(syscall.SIGHUP)
	defer signal.Reset(syscall.SIGHUP)
	got, err := Run(exec.Command("sh", "-c", `kill -HUP $$; exit 3`))
	if err != nil || got != 3 {
		t.Errorf("a child sent SIGHUP under nohup: %d, %v; want 3", got, err)
	}
}

// TestExecOtherStreams: a command whose output is not this process's own,
// as in a test calling the program's run, runs as a child, and Exec
// returns its status instead of replacing the test.
func TestExecOtherStreams(t *testing.T) {
	var out strings.Builder
	cmd := exec.Command("sh", "-c", "echo said; exit 3")
	cmd.Stdout = &out
	if code, err := Exec(cmd); code != 3 || err != nil || out.String() != "said\n" {
		t.Errorf("Exec = %d, %v; output %q", code, err, out.String())
	}
}
