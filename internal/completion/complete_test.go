package completion_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/fuzzseed"

	"github.com/cells-oob/cells-oob/internal/cli"
	"github.com/cells-oob/cells-oob/internal/completion"
)

// FuzzComplete reads command lines, words split by NUL, seeded from the
// command lines of the CLI's test scripts, and completes them: whatever is
// typed, completion answers with whole lines and no panic.
func FuzzComplete(f *testing.F) {
	for _, line := range fuzzseed.CommandLines(f, filepath.Join("..", "..", "testdata", "script")) {
		f.Add(line)
	}
	config := filepath.Join(f.TempDir(), "none.json")
	f.Fuzz(func(t *testing.T, line string) {
		args := append([]string{"cells-oob", "--config", config}, strings.Split(line, "\x00")...)
		app := cli.NewApp()
		var out bytes.Buffer
		app.Writer = &out
		completion.Words{Args: append(args, "--generate-bash-completion"), Verbatim: []string{"exec"}}.Complete(app)
		if out.Len() > 0 && !strings.HasSuffix(out.String(), "\n") {
			t.Fatalf("%q: offered %q, not whole lines", args, out.String())
		}
	})
}

// TestCompleteValues: what a flag waiting for its value offers, on
// cells-oob's own command line. A duration offers how one is written, so
// that the shell offers no file names; a file's flag offers nothing, so
// that it does.
func TestCompleteValues(t *testing.T) {
	config := filepath.Join(t.TempDir(), "none.json")
	tests := []struct {
		line string
		want string
	}{
		{"token --min-valid", "30s\n5m\n1h\n"},
		{"status --min-valid", "30s\n5m\n1h\n"},
		{"exec --min-valid", "30s\n5m\n1h\n"},
		{"--timeout", "30s\n5m\n1h\n"},
		{"token --timeout", "30s\n5m\n1h\n"},
		{"token --timeout=", "--timeout=30s\n--timeout=5m\n--timeout=1h\n"},
		{"-min-valid=", ""},
		{"status -min-valid=", "-min-valid=30s\n-min-valid=5m\n-min-valid=1h\n"},
		{"--config", ""},
		{"decode --key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			app := cli.NewApp()
			var out bytes.Buffer
			app.Writer = &out
			args := append([]string{"cells-oob", "--config", config}, strings.Fields(tt.line)...)
			completion.Words{Args: append(args, "--generate-bash-completion"), Verbatim: []string{"exec"}}.Complete(app)
			if out.String() != tt.want {
				t.Errorf("offered %q, want %q", out.String(), tt.want)
			}
		})
	}
}
