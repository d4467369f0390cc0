package oob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// notes is a Warn that hands over each line written to it.
type notes struct {
	mu    sync.Mutex
	all   strings.Builder
	lines chan string
}

func newNotes() *notes { return &notes{lines: make(chan string, 16)} }

func (n *notes) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all.Write(p)
	for line := range strings.Lines(string(p)) {
		select {
		case n.lines <- strings.TrimSuffix(line, "\n"):
		default:
		}
	}
	return len(p), nil
}

func (n *notes) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.all.String()
}

// staleStore is a config holding profile "me" with an expired token, and
// its lock file, on the test's own disk.
func staleStore(t *testing.T) *Store {
	t.Helper()
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	p := sampleProfile("me")
	p.Token.Expiry = time.Now().Add(-time.Hour)
	if err := s.Update(t.Context(), func(c *Config) error {
		c.Put("me", p, true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// holdWithFlock has flock(1) from util-linux, a process that is not
// cells-oob, hold the lock on s until the test ends.
func holdWithFlock(t *testing.T, s *Store) {
	t.Helper()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("no flock(1) here (util-linux)")
	}
	startReady(t, exec.Command("flock", s.Path+".lock", "-c", "echo locked; read x"), "flock", "locked")
}

// holdWithHelper has another process of this test binary hold the lock
// on s with an Update, as another cells-oob would, until the test ends,
// and returns its pid.
func holdWithHelper(t *testing.T, s *Store) int {
	t.Helper()
	cmd := helper(t, "hold", s.Path, 0)
	startReady(t, cmd, "the holder", "locked")
	// Cleanups run last first: the holder is killed before its stdin
	// closes, which would have it report that it was not killed.
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd.Process.Pid
}

// A wait for a lock another process holds says so after a second, naming
// the process when it is a cells-oob, and ends after LockTimeout in an
// error of its own (exit 1), for every way in: Update (login's save,
// logout, profiles use), the wait before a refresh (token, exec, the
// credential_process) and Refresh. Token waits once, not once per lock.
func TestStoreLockWaitSaysAndEnds(t *testing.T) {
	for _, holder := range []struct {
		name string
		// hold has the lock held and returns whom a note should name.
		hold func(*testing.T, *Store) string
		// before is put in the lock file before the holder takes it.
		before string
	}{
		{"cells-oob", func(t *testing.T, s *Store) string {
			return fmt.Sprintf("another cells-oob (pid %d)", holdWithHelper(t, s))
		}, ""},
		// Over what a cells-oob that died left in the file.
		{"flock", func(t *testing.T, s *Store) string {
			holdWithFlock(t, s)
			return "another process (not cells-oob, or its pid is unknown)"
		}, "cells-oob " + strconv.Itoa(deadPid(t)) + "\n"},
	} {
		t.Run(holder.name, func(t *testing.T) {
			t.Parallel()
			st := staleStore(t)
			if holder.before != "" {
				if err := os.WriteFile(st.Path+".lock", []byte(holder.before), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			who := holder.hold(t, st)
			want := "waiting for " + who + " using " + st.Path
			var wg sync.WaitGroup
			for name, call := range map[string]func(*Store) error{
				"Update": func(s *Store) error { return s.Update(context.Background(), increment) },
				"Token": func(s *Store) error {
					_, _, err := (&Session{Store: s, HTTPClient: noHTTP(t)}).Token(context.Background(), TokenOptions{MinValid: time.Minute})
					return err
				},
				"Refresh": func(s *Store) error {
					_, _, err := (&Session{Store: s, HTTPClient: noHTTP(t)}).Refresh(context.Background())
					return err
				},
			} {
				wg.Go(func() {
					said := newNotes()
					s := &Store{Path: st.Path, Warn: said, LockTimeout: 2 * time.Second}
					done := make(chan error, 1)
					go func() { done <- call(s) }()
					select {
					case line := <-said.lines:
						if line != want {
							t.Errorf("%s said %q, want %q", name, line, want)
						}
					case err := <-done:
						t.Errorf("%s returned %v before it said it waits", name, err)
						return
					case <-time.After(20 * time.Second):
						t.Errorf("%s never said it waits", name)
						return
					}
					var err error
					select {
					case err = <-done:
					case <-time.After(20 * time.Second):
						t.Errorf("%s still waits past its timeout", name)
						return
					}
					var le *lockError
					if !errors.As(err, &le) || !strings.Contains(err.Error(), "not released in time") || !strings.Contains(err.Error(), who) || !strings.Contains(err.Error(), st.Path) {
						t.Errorf("%s = %v, want the lock not released in time, by whom, on which config", name, err)
					}
					for _, mark := range []error{ErrSessionExpired, ErrNotLoggedIn, ErrInvalid, ErrExpired, ErrInterrupted, ErrBadServerURL, context.DeadlineExceeded, context.Canceled} {
						if errors.Is(err, mark) {
							t.Errorf("%s: the error is %v, want a runtime error", name, mark)
						}
					}
					if n := strings.Count(said.String(), "waiting for"); n != 1 {
						t.Errorf("%s said it waits %d times:\n%s", name, n, said.String())
					}
				})
			}
			wg.Wait()
		})
	}
}

// noHTTP is a Session's HTTPClient for a test in which nothing may be sent.
func noHTTP(t *testing.T) func(TLS) (*http.Client, error) {
	return func(TLS) (*http.Client, error) {
		t.Error("the session built an HTTP client")
		return nil, errors.New("no network in this test")
	}
}

// deadPid is the pid of a process that has ended.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestParseHolder(t *testing.T) {
	for in, want := range map[string]int{
		"cells-oob 42\n":  42,
		"cells-oob 42":    0,
		"cells-oob -1\n":  0,
		"cells-oob 0\n":   0,
		"cells-oob \n":    0,
		"other 42\n":      0,
		"":                0,
		"cells-oob 4x2\n": 0,
		"cells-oob 042\n": 0,
		"cells-oob +42\n": 0,
	} {
		if got, ok := parseHolder([]byte(in)); got != want || ok != (want != 0) {
			t.Errorf("parseHolder(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
}
