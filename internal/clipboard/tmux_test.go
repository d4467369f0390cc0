package clipboard

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTmux puts a tmux on PATH, alone, that answers show-options -gqv
// with the values given, as a tmux server would, and logs its arguments
// to the returned file. A nil answers means no tmux at all; exit fails it
// as a tmux with no server does.
func fakeTmux(t *testing.T, answers map[string]string, exit int) (log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	t.Setenv("PATH", dir)
	if answers == nil {
		return log
	}
	script := "#!/bin/sh\necho \"$*\" >>" + log + "\n"
	if exit != 0 {
		script += "echo 'no server running on /tmp/tmux-1000/default' >&2\nexit 1\n"
	}
	script += "case \"$3\" in\n"
	for name, value := range answers {
		script += name + ") echo " + value + " ;;\n"
	}
	script += "esac\n"
	if err := os.WriteFile(filepath.Join(dir, "tmux"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return log
}

// TestClipboardTmux runs Copy as New makes it, inside a tmux over SSH,
// against a tmux program on PATH: tmux is asked whether it would pass the
// sequence on, and when it would not, nothing is sent and the error says
// the one command that fixes it.
func TestClipboardTmux(t *testing.T) {
	const fix = "run tmux set -g set-clipboard on"
	tests := []struct {
		name    string
		answers map[string]string // nil: no tmux on PATH
		exit    int
		wantErr string // empty: sent
		asked   string // the calls tmux got, one a line
	}{
		{name: "set-clipboard on", answers: map[string]string{"set-clipboard": "on", "allow-passthrough": "off"},
			asked: "show-options -gqv set-clipboard\n"},
		{name: "external, tmux's default", answers: map[string]string{"set-clipboard": "external", "allow-passthrough": "off"},
			wantErr: "no clipboard: SSH session and tmux passes nothing on to your terminal (set-clipboard external, allow-passthrough off): " + fix,
			asked:   "show-options -gqv set-clipboard\nshow-options -gqv allow-passthrough\n"},
		{name: "off", answers: map[string]string{"set-clipboard": "off", "allow-passthrough": "off"},
			wantErr: "tmux passes nothing on to your terminal (set-clipboard off, allow-passthrough off): " + fix,
			asked:   "show-options -gqv set-clipboard\nshow-options -gqv allow-passthrough\n"},
		{name: "external with allow-passthrough on", answers: map[string]string{"set-clipboard": "external", "allow-passthrough": "on"},
			asked: "show-options -gqv set-clipboard\nshow-options -gqv allow-passthrough\n"},
		{name: "off before tmux 3.3, which always passes through", answers: map[string]string{"set-clipboard": "off"},
			asked: "show-options -gqv set-clipboard\nshow-options -gqv allow-passthrough\n"},
		{name: "tmux without a server", answers: map[string]string{}, exit: 1,
			asked: "show-options -gqv set-clipboard\n"},
		{name: "no tmux on PATH", answers: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := fakeTmux(t, tt.answers, tt.exit)
			tty := &fakeTTY{}
			c := New(env(map[string]string{"SSH_TTY": "/dev/pts/3", "TMUX": "/tmp/tmux-1000/default,1234,0"}))
			c.OpenTTY = tty.open

			got, err := c.Copy("synthetic-access-token")

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnavailable) {
					t.Errorf("Copy() = %q, %v; want ErrUnavailable saying %q", got, err, tt.wantErr)
				}
				if tty.opens != 0 {
					t.Error("the terminal was written to although tmux passes nothing on")
				}
			} else {
				if err != nil || got != MethodOSC52Tmux {
					t.Errorf("Copy() = %q, %v; want %q", got, err, MethodOSC52Tmux)
				}
				if !strings.Contains(tty.written.String(), "\x1bPtmux;") {
					t.Error("nothing sent through tmux")
				}
			}
			calls, _ := os.ReadFile(log)
			if string(calls) != tt.asked {
				t.Errorf("tmux was asked %q; want %q", calls, tt.asked)
			}
		})
	}
}

// TestTmuxOptionReal asks a real tmux server, started on a socket of the
// test's own and found through TMUX as inside a pane, for the options
// Copy asks about, so that the command line is one tmux understands.
func TestTmuxOptionReal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux installed")
	}
	socket := filepath.Join(t.TempDir(), "tmux.sock")
	start := exec.Command("tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "sleep 600")
	start.Env = append(os.Environ(), "TMUX=")
	if out, err := start.CombinedOutput(); err != nil {
		t.Skipf("cannot start a tmux server: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", socket, "kill-server").Run() })
	t.Setenv("TMUX", socket+",0,0")

	for name, want := range map[string]string{"set-clipboard": "external", "allow-passthrough": "off", "no-such-option": ""} {
		if got, err := tmuxOption(name); err != nil || got != want {
			t.Errorf("tmuxOption(%q) = %q, %v; want %q (tmux's default)", name, got, err, want)
		}
	}
	if err := exec.Command("tmux", "-S", socket, "set", "-g", "set-clipboard", "on").Run(); err != nil {
		t.Fatal(err)
	}
	if got, err := tmuxOption("set-clipboard"); err != nil || got != "on" {
		t.Errorf("after tmux set -g set-clipboard on, tmuxOption = %q, %v", got, err)
	}
}

func TestMethodReport(t *testing.T) {
	what := `the access token of profile "demo"`
	tests := map[Method]string{
		MethodSystem:    `Copied the access token of profile "demo" to the system clipboard`,
		MethodOSC52:     `Sent the access token of profile "demo" to your terminal (OSC 52) for its clipboard`,
		MethodOSC52Tmux: `Sent the access token of profile "demo" to your terminal (OSC 52 through tmux) for its clipboard`,
	}
	for m, want := range tests {
		if got := m.Report(what); got != want {
			t.Errorf("%q.Report = %q; want %q", m, got, want)
		}
	}
}
