//go:build unix

package oob

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The lock file gets the config's rules: a named pipe, a symbolic link
// (dangling or not) or a directory in its place is refused at once, by
// every way in, without blocking and without making a file where a link
// points.
func TestStoreLockFileNotRegular(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		make       func(t *testing.T, lock, target string)
	}{
		{"named pipe", "a named pipe", func(t *testing.T, lock, _ string) {
			if err := syscall.Mkfifo(lock, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"symbolic link", "a symbolic link", func(t *testing.T, lock, target string) {
			if err := os.WriteFile(target, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, lock); err != nil {
				t.Fatal(err)
			}
		}},
		{"dangling symbolic link", "a symbolic link", func(t *testing.T, lock, target string) {
			if err := os.Symlink(target, lock); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", "a directory", func(t *testing.T, lock, _ string) {
			if err := os.Mkdir(lock, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := staleStore(t)
			lock := st.Path + ".lock"
			target := filepath.Join(t.TempDir(), "elsewhere")
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			tc.make(t, lock, target)
			before := snap(t, filepath.Dir(target))
			s := &Store{Path: st.Path, LockTimeout: time.Minute}
			session := &Session{Store: s, HTTPClient: noHTTP(t)}
			for name, call := range map[string]func() error{
				"Update": func() error { return s.Update(context.Background(), increment) },
				"Token": func() error {
					_, _, err := session.Token(context.Background(), TokenOptions{MinValid: time.Minute})
					return err
				},
				"Refresh": func() error { _, _, err := session.Refresh(context.Background()); return err },
				"Check":   s.Check,
			} {
				done := make(chan error, 1)
				go func() { done <- call() }()
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s blocks on a lock file that is %s", name, tc.kind)
				}
				if err == nil || !strings.Contains(err.Error(), lock+" is "+tc.kind+", not a regular file") {
					t.Errorf("%s = %v, want the lock file refused as %s", name, err, tc.kind)
				}
				var le *lockError
				if name != "Check" && !errors.As(err, &le) {
					t.Errorf("%s = %T, want a *lockError", name, err)
				}
			}
			if after := snap(t, filepath.Dir(target)); !maps.Equal(before, after) {
				t.Errorf("beside the link's target:\n%v\n->\n%v", before, after)
			}
			if info, err := os.Lstat(lock); err != nil || info.Mode().IsRegular() {
				t.Errorf("the lock file was replaced by a regular file (%v)", err)
			}
		})
	}
}

// The open itself follows no link and waits on no pipe, for a lock file
// put in place after the check: lock's open refuses both at once.
func TestStoreLockOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Path: filepath.Join(dir, "config.json")}
	lock := s.Path + ".lock"
	target := filepath.Join(dir, "target")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	// Past checkLockFile, as if the link came just after it looked.
	l, _, err := s.tryLock(lock, false)
	if err == nil {
		l.Unlock()
	}
	if err == nil || !strings.Contains(err.Error(), "a symbolic link") {
		t.Errorf("lock through a link = %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was made where the link points (%v)", err)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(lock, 0o600); err != nil {
		t.Fatal(err)
	}
	l, _, err = s.tryLock(lock, true)
	if err == nil {
		l.Unlock()
	}
	if err == nil || !strings.Contains(err.Error(), "a named pipe") {
		t.Errorf("lock of a named pipe = %v", err)
	}
}
