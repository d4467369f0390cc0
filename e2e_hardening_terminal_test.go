//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// terminal is a pseudo-terminal standing in for the keyboard of a login
// run as a child. Its master side is in packet mode, so that the test hears
// when the child makes the terminal raw instead of guessing: raw mode turns
// flow control (IXON) off, and the kernel tells the master so with a
// TIOCPKT_NOSTOP packet.
type terminal struct {
	master *os.File      // where the test types
	tty    *os.File      // the child's stdin
	modes  *term.State   // the terminal's modes before the child ran
	raw    chan struct{} // closed once the child has turned flow control off
}

// openTerminal opens a terminal, closed when the test ends. It skips the
// test where there is none, or none with packet mode.
func openTerminal(t *testing.T) *terminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close(); master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCPKT, 1); err != nil {
		t.Skipf("no packet mode on the pseudo-terminal: %v", err)
	}
	tm := &terminal{master: master, tty: tty, raw: make(chan struct{})}
	if tm.modes, err = term.GetState(int(tty.Fd())); err != nil {
		t.Fatal(err)
	}
	go tm.listen()
	return tm
}

// listen reads the master side until the terminal closes. What it echoes is
// dropped (left unread, it would fill up); the packet saying flow control
// went off closes raw.
func (tm *terminal) listen() {
	var once sync.Once
	buf := make([]byte, 512)
	for {
		n, err := tm.master.Read(buf)
		if n > 0 && buf[0]&unix.TIOCPKT_NOSTOP != 0 {
			once.Do(func() { close(tm.raw) })
		}
		if err != nil {
			return
		}
	}
}

// startRaw starts cmd with the terminal as its stdin and waits until cmd
// has made the terminal raw: keys typed before that would be cooked, Ctrl-C
// and Ctrl-D among them. It returns cmd's stderr as it comes.
func (tm *terminal) startRaw(t *testing.T, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	cmd.Stdin = tm.tty
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tm.raw:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s did not make the terminal raw; stderr:\n%s", cmd.Args[0], stderr)
	}
	return stderr
}

// startLogin starts `cells-oob --config cfg login --url url`, the binary
// bin, with the terminal as its stdin, as startRaw does.
func (tm *terminal) startLogin(t *testing.T, bin, cfg, url string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "--config", cfg, "login", "--url", url)
	return cmd, tm.startRaw(t, cmd)
}

// assertRestored fails the test unless the terminal's modes are as they
// were before the child ran.
func (tm *terminal) assertRestored(t *testing.T) {
	t.Helper()
	after, err := term.GetState(int(tm.tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tm.modes, after) {
		t.Errorf("the terminal was left in another mode:\n before %+v\n after  %+v", tm.modes, after)
	}
}

// TestE2EInterruptLoginTerminal runs a login whose stdin is a terminal,
// which the paste reads in raw mode: Ctrl-C typed at the prompt and SIGINT
// from outside exit 130, Ctrl-D (no input, as from an empty pipe) exits 4,
// each with the terminal's modes restored and the config as it was.
func TestE2EInterruptLoginTerminal(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	tests := []struct {
		name  string
		typed string
		code  int
	}{
		{"Ctrl-C", "ory_ac_SYNTH\x03", exitInterrupted},
		{"Ctrl-D", "\x04", exitInvalid},
		{"SIGINT", "", exitInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			tm := openTerminal(t)
			cmd, stderr := tm.startLogin(t, bin, cfg, srv.URL)
			if tt.typed != "" {
				io.WriteString(tm.master, tt.typed)
			} else if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			if code := exitStatus(t, cmd); code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr.String(), "Code: ") {
				t.Errorf("no prompt on stderr:\n%s", stderr)
			}
			if tt.name == "Ctrl-C" && !strings.Contains(stderr.String(), "cells-oob: login cancelled\n") {
				t.Errorf("Ctrl-C at the prompt does not say the login was cancelled:\n%s", stderr)
			}
			tm.assertRestored(t)
			assertNoSecrets(t, stderr.String(), "ory_ac_SYNTH")
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2ETerminalRestoredEveryWayOut ends a login whose stdin is a
// terminal, in raw mode at the prompt, every way it can end there besides
// those of TestE2EInterruptLoginTerminal (Ctrl-C, Ctrl-D): a hangup, a
// termination or an interrupt from outside, and a paste that is refused.
// Each time the terminal's modes are as they were before, and the config
// too.
func TestE2ETerminalRestoredEveryWayOut(t *testing.T) {
	hangupsDeliverable(t)
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	otherSignIn := srv.RedirectURI() + "?code=SYNTHETIC\x01code&state=another-sign-in\r"
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
		// the paste typed after it, and refuses that. (An address of
		// another sign-in, which no second paste can mend; a bare code
		// the server refuses is asked for again.)
		{name: "SIGHUP under nohup", signal: syscall.SIGHUP, nohup: true, typed: otherSignIn, want: exitInvalid},
		{name: "paste refused", typed: otherSignIn, want: exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			tm := openTerminal(t)
			cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL)
			if tt.nohup {
				// What nohup does, but keeping the terminal as stdin.
				sh, err := exec.LookPath("sh")
				if err != nil {
					t.Skip("no sh here")
				}
				cmd = exec.Command(sh, append([]string{"-c", `trap "" HUP; exec "$0" "$@"`, bin}, cmd.Args[1:]...)...)
			}
			stderr := tm.startRaw(t, cmd)
			if tt.signal != nil {
				if err := cmd.Process.Signal(tt.signal); err != nil {
					t.Fatal(err)
				}
			}
			if tt.typed != "" {
				io.WriteString(tm.master, tt.typed)
			}
			if code := exitStatus(t, cmd); code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			tm.assertRestored(t)
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

// authURLOn waits for the authorization URL on a login's stderr.
func authURLOn(t *testing.T, stderr *syncBuffer) string {
	t.Helper()
	var u string
	waitFor(t, "the authorization URL", func() bool {
		for line := range strings.Lines(stderr.String()) {
			if strings.HasPrefix(line, "http") && strings.HasSuffix(line, "\n") {
				u = strings.TrimSpace(line)
				return true
			}
		}
		return false
	})
	return u
}

// shellReadsOnly runs a shell that reads one line from the terminal, as
// the shell the login gives the terminal back to would, types want, and
// fails the test unless the shell read want: anything a login left in the
// terminal would come first.
func (tm *terminal) shellReadsOnly(t *testing.T, want string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	cmd := exec.Command(sh, "-c", `read -r line; printf 'got:%s\n' "$line"`)
	cmd.Stdin = tm.tty
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(tm.master, want+"\n"); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd); code != 0 {
		t.Fatalf("sh exit %d", code)
	}
	if got := out.String(); got != "got:"+want+"\n" {
		t.Errorf("the shell after login read %q, want only %q", strings.TrimPrefix(strings.TrimSpace(got), "got:"), want)
	}
}

// TestE2EPastejacking pastes, at a login whose stdin is a terminal, a code,
// a newline and a command, the command coming late as it does over SSH; a
// shell then reads the terminal. The login signs in with the code, and the
// shell gets nothing of the command. Protected: any tail within a
// bracketed paste (which the login turns on, and every terminal that knows
// it then uses) up to 2 s late; without the paste markers, a tail that
// comes within 300 ms of quiet. A tail without markers later than that is
// not covered by SPEC and not tested.
func TestE2EPastejacking(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	const (
		start = "\x1b[200~"
		end   = "\x1b[201~"
		tail  = "echo PWNED\n"
	)
	tests := []struct {
		name       string
		bracketed  bool
		gap        time.Duration
		quietBound time.Duration // the gap must stay under this for the case to hold
	}{
		{name: "bracketed, 100ms", bracketed: true, gap: 100 * time.Millisecond},
		{name: "bracketed, 300ms", bracketed: true, gap: 300 * time.Millisecond},
		{name: "bracketed, 1000ms", bracketed: true, gap: 1000 * time.Millisecond},
		{name: "unbracketed, 100ms", gap: 100 * time.Millisecond, quietBound: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.json")
			tm := openTerminal(t)
			cmd, stderr := tm.startLogin(t, bin, cfg, srv.URL)
			res, err := browser.Authorize(t.Context(), authURLOn(t, stderr), cellsop.Username, cellsop.Password)
			if err != nil || res.Code == "" {
				t.Fatalf("browser: %v (error %q)", err, res.Error)
			}
			first, last := res.Code+"\n", tail
			if tt.bracketed {
				first, last = start+first, tail+end
			}
			// The paste's tail comes gap after its first line: that delay
			// is the scenario, not a wait for the login.
			var gap time.Duration
			written := make(chan struct{})
			go func() {
				defer close(written)
				io.WriteString(tm.master, first)
				began := time.Now()
				time.Sleep(tt.gap)
				gap = time.Since(began)
				io.WriteString(tm.master, last)
			}()
			code := exitStatus(t, cmd)
			<-written
			if code != exitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			if tt.quietBound > 0 && gap >= tt.quietBound {
				t.Skipf("the machine delayed the tail %v, past the quiet time: not this case", gap)
			}
			tm.assertRestored(t)
			assertNoSecrets(t, stderr.String(), res.Code)
			tm.shellReadsOnly(t, "echo typed-later")
		})
	}
}

// TestE2EJSONPasteHint pastes a token response at a login's terminal prompt
// in two parts, Enter after the first: the login says once that the JSON is
// not closed yet, then takes the rest, or exits 130 on Ctrl-C with the
// config as it was.
func TestE2EJSONPasteHint(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	_, tok := codeFlowElsewhere(t, srv)
	access, _ := json.Marshal(tok.AccessToken)
	rest, _ := json.Marshal(map[string]any{
		"refresh_token": tok.RefreshToken,
		"id_token":      tok.Extra("id_token"),
		"token_type":    "bearer",
		"expires_in":    300,
	})
	tests := []struct {
		name string
		rest string
		want int
	}{
		{"the rest pasted", strings.TrimPrefix(string(rest), "{") + "\r", exitOK},
		{"Ctrl-C", "\x03", exitInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			tm := openTerminal(t)
			cmd, stderr := tm.startLogin(t, bin, cfg, srv.URL)
			io.WriteString(tm.master, `{"access_token": `+string(access)+",\r")
			waitFor(t, "the hint", func() bool { return strings.Contains(stderr.String(), jsonHintLine) })
			io.WriteString(tm.master, tt.rest)
			if code := exitStatus(t, cmd); code != tt.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if n := strings.Count(stderr.String(), jsonHintLine); n != 1 {
				t.Errorf("the hint came %d times; stderr:\n%s", n, stderr)
			}
			tm.assertRestored(t)
			assertNoSecrets(t, stderr.String(), tok.AccessToken, tok.RefreshToken)
			if tt.want != exitOK {
				assertUnchanged(t, cfg, before)
				return
			}
			if _, p, err := readConfig(t, cfg).Select(""); err != nil || p.User.Subject != cellsop.UserID {
				t.Errorf("the profile signed in: %v", err)
			}
		})
	}
}

// jsonHintLine is the hint of SPEC "The login flow", step 3.
const jsonHintLine = "the JSON is not closed yet: paste the rest, or Ctrl-C"

// hangupsDeliverable makes the commands this test starts get SIGHUP's
// default action even when the test itself runs under nohup (a signal
// ignored on entry is inherited ignored, and a shell cannot trap it then;
// one a handler catches is reset to the default by exec). The handler
// stays for the rest of the run: stopping it would ignore SIGHUP again,
// where signal.Ignored no longer sees it.
func hangupsDeliverable(*testing.T) {
	hangupsOnce.Do(func() {
		if signal.Ignored(syscall.SIGHUP) {
			signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
		}
	})
}

var hangupsOnce sync.Once
