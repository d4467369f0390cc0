//go:build !windows

package main

import (
	"io"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/cells-oob/cells-oob/internal/cellsop"
)

// TestE2ETerminalRestoredEveryWayOut ends a login whose stdin is a
// terminal, in raw mode at the prompt, every way it can end there besides
// those of TestE2EInterruptLoginTerminal (Ctrl-C, Ctrl-D): a hangup, a
// termination or an interrupt from outside, and a paste that is refused. Each time the terminal's modes are as they were before, and the
// config too.
func TestE2ETerminalRestoredEveryWayOut(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	tests := []struct {
		name   string
		signal os.Signal
		typed  string
		nohup  bool
		want   int
	}{
		// A hangup is an interrupt like the others: the person is gone.
		{name: "SIGHUP", signal: syscall.SIGHUP, want: exitInterrupted},
		{name: "SIGTERM", signal: syscall.SIGTERM, want: exitInterrupted},
		{name: "SIGINT", signal: os.Interrupt, want: exitInterrupted},
		// Under nohup a hangup stays ignored: the login goes on to read
		// the paste typed after it, and refuses that.
		{name: "SIGHUP under nohup", signal: syscall.SIGHUP, nohup: true, typed: "SYNTHETIC\x01code\r", want: exitInvalid},
		{name: "paste refused", typed: "SYNTHETIC\x01code\r", want: exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			master, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer tty.Close()
			defer master.Close()
			// Nothing needs reading from the master: keys are typed only in
			// raw mode, which echoes none.
			fd := int(tty.Fd())
			modes, err := term.GetState(fd)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
			if tt.nohup {
				// What nohup does, but keeping the terminal as stdin.
				sh, err := exec.LookPath("sh")
				if err != nil {
					t.Skip("no sh here")
				}
				cmd = exec.Command(sh, append([]string{"-c", `trap "" HUP; exec "$0" "$@"`, bin}, cmd.Args[1:]...)...)
			}
			cmd.Stdin = tty
			stderr := &syncBuffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Keys typed before the terminal is raw would be cooked.
			waitFor(t, "raw mode", func() bool {
				now, err := term.GetState(fd)
				return err == nil && !reflect.DeepEqual(now, modes)
			})
			if tt.signal != nil {
				if err := cmd.Process.Signal(tt.signal); err != nil {
					t.Fatal(err)
				}
			}
			if tt.typed != "" {
				io.WriteString(master, tt.typed)
			}
			if code := exitStatus(t, cmd); code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			after, err := term.GetState(fd)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(modes, after) {
				t.Errorf("the terminal was left in another mode:\n before %+v\n after  %+v", modes, after)
			}
			if n := strings.Count(stderr.String(), "cells-oob: "); tt.want != exitOK && n != 1 {
				t.Errorf("%d error lines, want 1; stderr:\n%s", n, stderr)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2EInterruptWinsOverClosedPipe ends a piped login the way Ctrl-C
// ends a whole pipeline: the interrupt reaches cells-oob while the command
// writing into its stdin dies and closes the pipe. The interrupt is what
// happened, so it is what the exit says: 130, never "no input on stdin".
// The race is run many times, as it goes one way or the other.
func TestE2EInterruptWinsOverClosedPipe(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	const rounds = 40
	lost := 0
	for range rounds {
		cfg, before := seedConfig(t)
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
		cmd.Stdin = pr
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pr.Close()
		waitFor(t, "the authorization URL", func() bool { return strings.Contains(stderr.String(), srv.URL+cellsop.PathAuth+"?") })
		// The terminal signals the whole pipeline at once; the writer's
		// end of the pipe closes as it dies.
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		if code := exitStatus(t, cmd); code != exitInterrupted {
			lost++
			t.Logf("exit %d; stderr ends %q", code, stderr.String()[max(0, len(stderr.String())-80):])
		}
		assertUnchanged(t, cfg, before)
	}
	if lost > 0 {
		t.Errorf("the closed pipe won over the interrupt %d times in %d", lost, rounds)
	}
}
