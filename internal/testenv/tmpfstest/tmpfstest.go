// Package tmpfstest gives tests a small file system of their own that
// they can fill up or make read-only, as a real disk does to a program:
// a tmpfs, mounted for the test and unmounted when it ends. Mounting takes
// root (CI runs as root); elsewhere the test is skipped with a note.
package tmpfstest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/skipnote"
)

// Mount mounts a tmpfs of size bytes (rounded up to pages) on a new
// directory and returns it, or skips the test where it cannot.
func Mount(t testing.TB, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("tmpfs: Linux only")
	}
	if os.Geteuid() != 0 {
		skipnote.Skip(t, "the full and read-only disk tests", "mounting a tmpfs takes root; CI runs them as root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("tmpfs: cannot mount one here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Fill writes a file in dir until the file system has no room left, and
// returns a function that removes it again.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err = f.Write(block); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling %s: %v, want ENOSPC", dir, err)
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// ReadOnly remounts the tmpfs at dir read-only, and returns a function
// that makes it writable again.
func ReadOnly(t testing.TB, dir string) (writable func()) {
	t.Helper()
	remount(t, dir, "ro")
	return func() { remount(t, dir, "rw") }
}

func remount(t testing.TB, dir, mode string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+mode, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, mode, err, out)
	}
}
