//go:build !windows

package oddpath

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Kind is one kind of path that is not a regular file of at most 1 MiB.
type Kind struct {
	Name string
	// Make puts the kind at path, in a directory that exists, or skips
	// the test where this system cannot.
	Make func(t testing.TB, path string)
	// Want is what the refusal of the path says about it.
	Want string
}

// Kinds are the odd config paths every way into the config must refuse.
var Kinds = []Kind{
	{"named pipe", func(t testing.TB, path string) {
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
	}, "is a named pipe, not a regular file"},
	{"character device", func(t testing.TB, path string) {
		// A null device of the test's own, so that a store that replaced
		// it would not replace the system's /dev/null.
		if err := syscall.Mknod(path, syscall.S_IFCHR|0o600, 1<<8|3); err != nil {
			t.Skipf("cannot make a device here (not root?): %v", err)
		}
	}, "is a character device, not a regular file"},
	{"directory", func(t testing.TB, path string) {
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
	}, "is a directory, not a regular file"},
	{"link to a named pipe", func(t testing.TB, path string) {
		fifo := filepath.Join(filepath.Dir(path), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
		if err := os.Symlink(fifo, path); err != nil {
			t.Fatal(err)
		}
	}, "is a named pipe, not a regular file"},
	{"dangling link", func(t testing.TB, path string) {
		if err := os.Symlink(filepath.Join(filepath.Dir(path), "gone", "config.json"), path); err != nil {
			t.Fatal(err)
		}
	}, "gone/config.json, which does not exist"},
	{"100 MB file", func(t testing.TB, path string) {
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		// Sparse: it costs the disk nothing.
		if err := os.Truncate(path, 100<<20); err != nil {
			t.Fatal(err)
		}
	}, "is larger than 1 MiB"},
}

// Describe is what must not change at an odd path when it is refused: the
// kind of file there and what its directory holds.
func Describe(t testing.TB, path string) string {
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
	return info.Mode().String() + " in a directory holding " + strings.Join(names, ", ")
}
