//go:build !urfave_cli_no_docs

package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/cells-oob.1 and docs/reference.md")

// TestGenerated fails while the man page or the command reference in docs/
// is not what the command line's definitions make now: after a flag,
// a command or a usage line changed, run go run ./internal/testenv/docgen
// (or this test with -update) and commit the two files.
func TestGenerated(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("generated %d files, want the man page and the reference", len(files))
	}
	for name, want := range files {
		path := filepath.Join("..", "..", "..", "docs", name)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: run go run ./internal/testenv/docgen", err)
		}
		if string(got) != want {
			t.Errorf("docs/%s is stale (first difference at line %d): run go run ./internal/testenv/docgen and commit it", name, firstDiff(string(got), want))
		}
	}
}

// TestGeneratedCoversCommands checks that every command and global flag is
// in both pages, so a generator that dropped one would not pass unseen.
func TestGeneratedCoversCommands(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"login", "token", "status", "decode", "refresh", "logout", "profiles", "use", "export", "exec", "completion", "--config", "--profile", "--timeout", "--verbose", "--min-valid"} {
		for name, text := range files {
			if !strings.Contains(text, word) {
				t.Errorf("%s does not mention %s", name, word)
			}
		}
	}
	for name, text := range files {
		if strings.Contains(text, os.Getenv("HOME")+"/") && os.Getenv("HOME") != "" {
			t.Errorf("%s holds this machine's home directory", name)
		}
	}
}

// firstDiff is the 1-based number of the first line where a and b differ.
func firstDiff(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			return i + 1
		}
	}
	return len(la) + 1
}
