package oob

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cells-oob/cells-oob/internal/atomicfile"
)

// startedVersions lists the temporary files beside path that writes of
// path started and did not finish.
func startedVersions(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && atomicfile.IsPending(filepath.Base(path), e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

// A process killed with SIGKILL in the middle of a write leaves its
// temporary file, holding new tokens, beside the config. The next update
// removes it under the lock, and touches nothing else in the directory.
func TestStoreSweepsWhatAKilledWriterLeft(t *testing.T) {
	s := storeWith(t, nil)
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(s.Path)
	// Files that only look alike, and one that is not a file.
	neighbours := []string{".config.json.bak", "config.json.orig", ".config.json1x", ".config.jsonx1", ".other.json123", "config.json123"}
	for _, name := range neighbours {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".config.json42"), 0o700); err != nil {
		t.Fatal(err)
	}
	neighbours = append(neighbours, ".config.json42")

	kill := startHelper(t, "die-writing", s.Path, "writing")
	kill()
	left := startedVersions(t, s.Path)
	if len(left) != 1 {
		t.Fatalf("the killed writer left %q beside the config, want one temporary file: the test proves nothing", left)
	}
	if got := count(t, s); got != 1 {
		t.Fatalf("count = %d after the killed write, want the old 1", got)
	}

	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	if left := startedVersions(t, s.Path); len(left) != 0 {
		t.Errorf("after an update %q is still beside the config", left)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, name := range append(neighbours, "config.json", "config.json.lock") {
		if !slices.Contains(names, name) {
			t.Errorf("%s was removed", name)
		}
	}
	if got := count(t, s); got != 2 {
		t.Errorf("count = %d, want 2", got)
	}
}

// An update that changes nothing still sweeps: the stale file holds
// tokens whether or not the config needs writing.
func TestStoreSweepsOnUnchangedUpdate(t *testing.T) {
	s := storeWith(t, nil)
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	// Started and left as a killed process leaves it: neither renamed
	// into place nor removed.
	name := "." + filepath.Base(s.Path) + "4242"
	if !atomicfile.IsPending(filepath.Base(s.Path), name) {
		t.Skipf("%s is not how new versions are named here", name)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(s.Path), name), []byte(`{"SYNTHETIC":"token"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	left := startedVersions(t, s.Path)
	if len(left) != 1 {
		t.Fatalf("found %q beside the config, want the one started", left)
	}
	if err := s.Update(t.Context(), func(*Config) error { return errUnchanged }); err != nil {
		t.Fatal(err)
	}
	if left := startedVersions(t, s.Path); len(left) != 0 {
		t.Errorf("after an update %q is still beside the config", left)
	}
}
