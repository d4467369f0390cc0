package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/oob"
)

// TestCompletionScripts generates the script for each shell and has the
// shell itself check its syntax, where that shell is installed.
func TestCompletionScripts(t *testing.T) {
	tests := []struct {
		shell string
		check []string
		has   string
	}{
		{"bash", []string{"bash", "-n"}, "complete -o default -F _cells_oob cells-oob"},
		{"zsh", []string{"zsh", "-n"}, "compdef _cells-oob cells-oob"},
		{"fish", []string{"fish", "--no-execute"}, "complete -c cells-oob"},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "completion", tt.shell)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "--generate-bash-completion") || !strings.Contains(stdout, tt.has) {
				t.Errorf("the %s script does not ask cells-oob or does not register itself:\n%s", tt.shell, stdout)
			}
			if _, err := exec.LookPath(tt.check[0]); err != nil {
				t.Skipf("%s is not installed: syntax not checked", tt.check[0])
			}
			file := filepath.Join(t.TempDir(), "cells-oob."+tt.shell)
			if err := os.WriteFile(file, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tt.check[0], append(tt.check[1:], file)...).CombinedOutput()
			if err != nil {
				t.Errorf("%s finds the script wrong: %v\n%s", tt.check[0], err, out)
			}
		})
	}
}

// completionConfig writes a config holding three profiles, one with a
// colon and one with a space in its name.
func completionConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	err := (&oob.Store{Path: path}).Update(context.Background(), func(c *oob.Config) error {
		for _, name := range []string{"bob@cells.example.com:8443", "alice@cells.example.com", "carol x"} {
			c.Put(name, &oob.Profile{Issuer: "https://cells.example.com/oidc/", ClientID: "cells-client"}, false)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCompletionProfileNames asks for completions the way the scripts do:
// the words typed so far, then --generate-bash-completion, as the process's
// arguments.
func TestCompletionProfileNames(t *testing.T) {
	cfg := completionConfig(t)
	names := "alice@cells.example.com\nbob@cells.example.com:8443\ncarol x\n"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"after --profile", []string{"--config", cfg, "--profile"}, names},
		{"in --profile=", []string{"--config", cfg, "--profile=al"}, strings.ReplaceAll("--profile="+strings.TrimSuffix(names, "\n"), "\n", "\n--profile=") + "\n"},
		{"profiles use", []string{"--config", cfg, "profiles", "use"}, names},
		{"profiles use, name given", []string{"--config", cfg, "profiles", "use", "alice@cells.example.com"}, ""},
		{"profiles use, a flag", []string{"--config", cfg, "profiles", "use", "--he"}, "--help\n"},
		// Commands by their names only: "h" beside "help" would stop the
		// shell from completing either.
		{"commands", []string{"--config", cfg}, "login\ntoken\nstatus\ndecode\nrefresh\nlogout\nprofiles\nexport\nexec\ncompletion\nhelp\n"},
		{"subcommands", []string{"--config", cfg, "profiles"}, "use\n"},
		// Global flags, and their values, after the command word, where
		// they parse too.
		{"after token --profile", []string{"token", "--config", cfg, "--profile"}, names},
		{"in token --profile=", []string{"token", "--config=" + cfg, "--profile="}, strings.ReplaceAll("--profile="+strings.TrimSuffix(names, "\n"), "\n", "\n--profile=") + "\n"},
		{"token's and global flags", []string{"--config", cfg, "token", "-"}, "--min-valid\n--header\n--id-token\n--json\n--copy\n--no-refresh\n--aws\n--help\n-h\n--config\n--profile\n--timeout\n--verbose\n--version\n-v\n"},
		{"a global flag after token", []string{"--config", cfg, "token", "--pro"}, "--profile\n"},
		{"a value given", []string{"--config", cfg, "token", "--profile", "alice@cells.example.com", "--he"}, "--header\n--help\n"},
		{"profiles use, --config after", []string{"profiles", "use", "--config", cfg}, names},
		// Another program's words are not ours to complete.
		{"exec's program", []string{"--config", cfg, "exec", "curl", "-"}, ""},
		{"after --", []string{"--config", cfg, "token", "--", "-"}, ""},
		{"global flags", []string{"--config", cfg, "--pro"}, "--profile\n"},
		{"shells", []string{"completion"}, "bash\nzsh\nfish\n"},
		{"no config", []string{"--config", filepath.Join(t.TempDir(), "none.json"), "--profile"}, ""},
	}
	saved := os.Args
	t.Cleanup(func() { os.Args = saved })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Args = append(append([]string{"cells-oob"}, tt.args...), "--generate-bash-completion")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), os.Args, strings.NewReader(""), &stdout, &stderr)
			if code != exitOK || stderr.String() != "" {
				t.Errorf("exit %d, stderr %q", code, stderr.String())
			}
			if stdout.String() != tt.want {
				t.Errorf("offered:\n%s\nwant:\n%s", stdout.String(), tt.want)
			}
		})
	}
}
