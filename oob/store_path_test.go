//go:build !windows

package oob

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/oobtest/oddpath"
)

// within runs fn, failing the test if it blocks: a named pipe opened for
// reading waits for a writer that never comes.
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked", what)
		return nil
	}
}

// A config path that is not a regular file of at most 1 MiB is refused at
// once by every way in, with an error naming it, and left as it was: no
// lock file is made beside it and nothing replaces it.
func TestStoreRefusesOddPaths(t *testing.T) {
	for _, tt := range oddpath.Kinds {
		t.Run(tt.Name, func(t *testing.T) {
			s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
			tt.Make(t, s.Path)
			before := oddpath.Describe(t, s.Path)
			calls := []struct {
				name string
				fn   func() error
			}{
				{"Check", s.Check},
				{"Load", func() error { _, err := s.Load(); return err }},
				{"Update", func() error { return s.Update(t.Context(), increment) }},
				{"UpdateKeeping", func() error { return s.UpdateKeeping(t.Context(), increment) }},
			}
			for _, call := range calls {
				err := within(t, call.name, call.fn)
				// Through a link, the store works on the file it points to.
				var cfgErr *ConfigError
				if !errors.As(err, &cfgErr) || cfgErr.Path != s.Path && cfgErr.Path != s.resolved().Path {
					t.Fatalf("%s: error %v, want a *ConfigError naming %s", call.name, err, s.Path)
				}
				if msg := err.Error(); !strings.Contains(msg, tt.Want) || strings.Contains(msg, "\n") {
					t.Errorf("%s: error %q, want one line saying %q", call.name, msg, tt.Want)
				}
			}
			if after := oddpath.Describe(t, s.Path); after != before {
				t.Errorf("the path changed:\n before %s\n after  %s", before, after)
			}
		})
	}
}

// An oversized config is refused from its size, not after reading it.
func TestStoreOversizeNotRead(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	if err := os.WriteFile(s.Path, make([]byte, 100<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := s.Load()
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("Load error = %v, want the file refused as too large", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("Load allocated %d bytes to refuse the file", n)
	}
}

// A config of exactly 1 MiB is still read: the limit is inclusive.
func TestStoreConfigAtTheLimit(t *testing.T) {
	data := []byte(`{"version":1,"profiles":{}}`)
	data = append(data, strings.Repeat(" ", maxConfigBytes-len(data))...)
	s := storeWith(t, data)
	if _, err := s.Load(); err != nil {
		t.Fatalf("Load of a 1 MiB config: %v", err)
	}
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatalf("Update of a 1 MiB config: %v", err)
	}
}
