package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/help")

// runCLI runs cells-oob in this process with no input and returns its exit
// status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), append([]string{"cells-oob"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// commandPaths lists every command of the app, subcommands too, as the
// words that name it: [login], [profiles use], ...
func commandPaths() [][]string {
	var paths [][]string
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := append(append([]string(nil), prefix...), c.Name)
			paths = append(paths, path)
			walk(path, c.Subcommands)
		}
	}
	walk(nil, newApp(&env{}).Commands)
	return paths
}

// stableHelp takes out of the help what differs between machines and
// builds: the default config path and the version.
func stableHelp(s string) string {
	s = strings.ReplaceAll(s, defaultConfigPath(), "$CONFIG_DIR/cells-oob/config.json")
	return strings.ReplaceAll(s, "\n   "+version()+"\n", "\n   (version)\n")
}

// TestHelpGolden pins the --help of the app and of every command, each with
// an example, to the files under testdata/help. Run with -update to
// rewrite them after a deliberate change.
func TestHelpGolden(t *testing.T) {
	cases := append([][]string{nil}, commandPaths()...)
	for _, path := range cases {
		name := strings.Join(append([]string{"cells-oob"}, path...), "-")
		t.Run(name, func(t *testing.T) {
			args := append(path, "--help")
			if name == "cells-oob-help" {
				// urfave/cli answers help --help with the app's help.
				args = []string{"help", "help"}
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "Example:\n") {
				t.Errorf("the help has no example:\n%s", stdout)
			}
			// Every value is named, and no switch says it is off.
			for _, line := range strings.Split(stdout, "\n") {
				if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[0], "--") && f[1] == "value" {
					t.Errorf("a flag with no name for its value: %q", line)
				}
				if strings.Contains(line, "(default: false)") {
					t.Errorf("a default that says nothing: %q", line)
				}
			}
			got := stableHelp(stdout)
			file := filepath.Join("..", "..", "testdata", "help", name+".txt")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestHelpGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("help differs from %s (run with -update if the change is deliberate):\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}

// TestHelpCommand checks that `cells-oob help X` shows what `cells-oob X
// --help` does.
func TestHelpCommand(t *testing.T) {
	for _, path := range append([][]string{nil}, commandPaths()...) {
		if len(path) == 1 && path[0] == "help" {
			continue
		}
		_, want, _ := runCLI(t, append(path, "--help")...)
		code, got, stderr := runCLI(t, append([]string{"help"}, path...)...)
		if code != exitOK || stderr != "" || got != want {
			t.Errorf("help %s: exit %d, stderr %q, same as --help: %v", strings.Join(path, " "), code, stderr, got == want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := runCLI(t, "--version")
	if code != exitOK || stderr != "" || stdout != "cells-oob version "+version()+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestHelpUsageErrors checks that a wrong command line prints one error
// line on stderr, nothing on stdout, and exits 2, whatever the command.
func TestHelpUsageErrors(t *testing.T) {
	cases := [][]string{
		{"--no-such-flag"},
		{"tokn"},
		{"help", "tokn"},
		{"help", "profiles", "nope"},
		{"export"},
		{"export", "--write"},
		{"export", "--cec", "extra"},
		{"completion"},
		{"completion", "tcsh"},
		{"completion", "bash", "zsh"},
	}
	for _, path := range commandPaths() {
		cases = append(cases, append(path, "--no-such-flag"))
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"--config", filepath.Join(t.TempDir(), "c.json")}, args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout is not empty:\n%s", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "cells-oob: ") {
				t.Errorf("want one error line on stderr, got:\n%s", stderr)
			}
			if strings.Contains(stderr, "Incorrect Usage") {
				t.Error("urfave/cli's own usage text got through")
			}
		})
	}
}

// TestHelpNoCommand: with no command there is no data to print, so the help
// goes to stderr, with the error last, and the exit status is 2.
func TestHelpNoCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t)
	if code != exitUsage || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "COMMANDS:") || !strings.HasSuffix(stderr, "cells-oob: no command given\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
