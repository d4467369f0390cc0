//go:build !windows

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/cellsop"
	"github.com/cells-oob/cells-oob/internal/faultserver"
)

// describePath is what must not change at an odd config path: the kind of
// file there and what its directory holds.
func describePath(t *testing.T, path string) string {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return info.Mode().String() + " beside " + strings.Join(names, ", ")
}

// TestE2EConfigPathKinds points every command that reads or writes the
// config at a path that cannot hold it: each exits 1 at once with one line
// naming the path, the path is left as it was, and a login is refused
// before it asks the server anything, so nobody signs in for nothing.
func TestE2EConfigPathKinds(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	kinds := []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("no named pipes: %v", err)
			}
		}, "is a named pipe, not a regular file"},
		{"character device", func(t *testing.T, path string) {
			// The null device under a name of the test's own: run as root,
			// a store that replaced devices would otherwise replace the
			// system's /dev/null.
			if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
				t.Skipf("cannot make a device (not root?): %v", err)
			}
		}, "is a character device, not a regular file"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "is a directory, not a regular file"},
		{"dangling symbolic link", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(path), "moved", "config.json"), path); err != nil {
				t.Fatal(err)
			}
		}, "moved/config.json, which does not exist"},
		{"100 MB file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, 100<<20); err != nil {
				t.Fatal(err)
			}
		}, "is larger than 1 MiB"},
	}
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
	for _, kind := range kinds {
		for _, args := range commands {
			name := strings.ReplaceAll(strings.Join(args, " "), fs.URL, "URL")
			t.Run(kind.name+"/"+name, func(t *testing.T) {
				cfg := filepath.Join(t.TempDir(), "config.json")
				kind.make(t, cfg)
				before := describePath(t, cfg)
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
					t.Fatalf("%v did not return with the config at a %s", args, kind.name)
				}
				r.took, r.stdout, r.stderr = time.Since(start), stdout.String(), stderr.String()
				if r.code != exitRuntime {
					t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
				}
				lines := r.errorLines()
				if len(lines) != 1 || !strings.Contains(lines[0], "config "+cfg+": ") || !strings.Contains(lines[0], kind.want) {
					t.Errorf("want one error line naming %s and saying %q; stderr:\n%s", cfg, kind.want, r.stderr)
				}
				if r.stdout != "" {
					t.Errorf("stdout holds %q", r.stdout)
				}
				if n := fs.Count(cellsop.PathDiscovery) - discovered; args[0] == "login" && n != 0 {
					t.Errorf("the login asked for discovery %d times before refusing the config", n)
				}
				if after := describePath(t, cfg); after != before {
					t.Errorf("the config path changed:\n before %s\n after  %s", before, after)
				}
			})
		}
	}
}
