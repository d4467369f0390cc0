//go:build !windows

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest/oddpath"
)

// TestE2EConfigPathKinds points every command that reads or writes the
// config at a path that cannot hold it: each exits 1 at once with one line
// naming the path, the path is left as it was, and a login is refused
// before it asks the server anything, so nobody signs in for nothing.
func TestE2EConfigPathKinds(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	commands := [][]string{
		{"login", "--url", fs.URL},
		{"token"},
		{"token", "--no-refresh"},
		{"refresh"},
		{"status"},
		{"status", "--check"},
		{"logout"},
		{"logout", "--all", "--no-revoke"},
		{"profiles", "use", "alice@example.com"},
	}
	for _, kind := range oddpath.Kinds {
		for _, args := range commands {
			name := strings.ReplaceAll(strings.Join(args, " "), fs.URL, "URL")
			t.Run(kind.Name+"/"+name, func(t *testing.T) {
				cfg := filepath.Join(t.TempDir(), "config.json")
				kind.Make(t, cfg)
				before := oddpath.Describe(t, cfg)
				// Through a link, the commands that write work on, and
				// name, the file it points to.
				real, err := filepath.EvalSymlinks(cfg)
				if err != nil {
					real = cfg
				}
				discovered := fs.Count(cellsop.PathDiscovery)
				var stdout, stderr bytes.Buffer
				done := make(chan int, 1)
				start := time.Now()
				go func() {
					done <- run(context.Background(), append([]string{"cells-oob", "--config", cfg}, args...), strings.NewReader(""), &stdout, &stderr)
				}()
				var r faultRun
				select {
				case r.code = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("%v did not return with the config at a %s", args, kind.Name)
				}
				r.took, r.stdout, r.stderr = time.Since(start), stdout.String(), stderr.String()
				if r.code != exitRuntime {
					t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
				}
				lines := r.errorLines()
				named := len(lines) == 1 && (strings.Contains(lines[0], "config "+cfg+": ") || strings.Contains(lines[0], "config "+real+": "))
				if !named || !strings.Contains(lines[0], kind.Want) {
					t.Errorf("want one error line naming %s and saying %q; stderr:\n%s", cfg, kind.Want, r.stderr)
				}
				if r.stdout != "" {
					t.Errorf("stdout holds %q", r.stdout)
				}
				if n := fs.Count(cellsop.PathDiscovery) - discovered; args[0] == "login" && n != 0 {
					t.Errorf("the login asked for discovery %d times before refusing the config", n)
				}
				if after := oddpath.Describe(t, cfg); after != before {
					t.Errorf("the config path changed:\n before %s\n after  %s", before, after)
				}
			})
		}
	}
}
