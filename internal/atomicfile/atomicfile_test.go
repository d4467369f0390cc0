package atomicfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/tmpfstest"
)

func TestReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.json")
	for _, data := range []string{"first\n", "second, longer\n"} {
		if err := Replace(t.Context(), path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", info.Mode().Perm())
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Errorf("beside the file: %v, %v; want nothing", entries, err)
	}
}

// A write that fails, or a context ended before the rename, leaves the
// file as it was and nothing beside it.
func TestReplaceLeavesTheOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for name, try := range map[string]func() error{
		"failed write": func() error {
			return ReplaceWith(t.Context(), path, []byte("new\n"), func(io.Writer, []byte) error { return full })
		},
		"ended context": func() error { return Replace(ended, path, []byte("new\n")) },
	} {
		if err := try(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if got, _ := os.ReadFile(path); string(got) != "old\n" {
			t.Errorf("%s: the file holds %q", name, got)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s: %d files beside it", name, len(entries)-1)
		}
	}
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	left := "." + filepath.Base(path) + "123"
	if !IsPending(filepath.Base(path), left) {
		t.Skipf("%s is not how new versions are named here", left)
	}
	for _, name := range []string{"f.json", left, ".f.json.bak", "other"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	Sweep(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 || names[0] != ".f.json.bak" || names[1] != "f.json" || names[2] != "other" {
		t.Errorf("after Sweep: %q, want only the unfinished version gone", names)
	}
}

// Reserve then ReplaceWith writes the file as Replace does, cutting the
// room set aside to the data; Discard leaves nothing behind.
func TestReserve(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	p, err := Reserve(path, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if err := p.ReplaceWith(t.Context(), []byte("new\n"), nil); err != nil {
		t.Fatal(err)
	}
	p.Discard()
	if got, err := os.ReadFile(path); err != nil || string(got) != "new\n" {
		t.Fatalf("read %q, %v", got, err)
	}
	q, err := Reserve(path, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	q.Discard()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files beside it after Discard", len(entries)-1)
	}
}

// On a disk that is full, Reserve fails and leaves nothing behind; room
// set aside before the disk filled up takes the new version all the same.
func TestReserveFullDisk(t *testing.T) {
	dir := tmpfstest.Mount(t, "256k")
	path := filepath.Join(dir, "f.json")
	if err := Replace(t.Context(), path, []byte("old\n")); err != nil {
		t.Fatal(err)
	}
	early, err := Reserve(path, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Discard()
	free := tmpfstest.Fill(t, dir)
	if p, err := Reserve(path, 64<<10); !errors.Is(err, syscall.ENOSPC) {
		if err == nil {
			p.Discard()
		}
		t.Fatalf("Reserve on a full disk: %v, want ENOSPC", err)
	}
	data := bytes.Repeat([]byte("n"), 60<<10)
	if err := early.ReplaceWith(t.Context(), data, nil); err != nil {
		t.Fatalf("writing into the room set aside: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Errorf("the file holds %d bytes, want the new %d", len(got), len(data))
	}
	free()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files beside it", len(entries)-1)
	}
}
