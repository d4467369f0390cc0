package oob

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/tmpfstest"
)

// stateOnDisk puts an expired session with srv into a config on a tmpfs
// of its own, and returns the store, the tmpfs and the config's bytes.
func stateOnDisk(t *testing.T, srv *cellsop.Server) (*Store, string, []byte) {
	t.Helper()
	p := signIn(t, srv)
	p.Token.Expiry = time.Now().Add(-time.Minute)
	disk := tmpfstest.Mount(t, "1m")
	st := &Store{Path: filepath.Join(disk, "cells-oob", "config.json")}
	if err := st.Update(t.Context(), func(c *Config) error {
		c.Put("me", p, true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	return st, disk, before
}

// A refresh on a disk that is full or read-only sends nothing: the server
// keeps the refresh token, the config is untouched, and once the disk
// takes files again the next call refreshes with that same token.
func TestSessionRefreshDiskTrouble(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		trouble      func(t *testing.T, disk string) (undo func())
	}{
		{"full", "no space left on device", func(t *testing.T, disk string) func() { return tmpfstest.Fill(t, disk) }},
		{"read-only", "read-only file system", func(t *testing.T, disk string) func() { return tmpfstest.ReadOnly(t, disk) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := cellsop.NewTest(t)
			st, disk, before := stateOnDisk(t, srv)
			spent := stored(t, st).Token.RefreshToken
			undo := tc.trouble(t, disk)

			s := &Session{Store: &Store{Path: st.Path}, HTTPClient: clientOf(srv)}
			for name, call := range map[string]func() error{
				"Token":   func() error { _, _, err := s.Token(t.Context(), TokenOptions{MinValid: time.Minute}); return err },
				"Refresh": func() error { _, _, err := s.Refresh(t.Context()); return err },
			} {
				err := call()
				if err == nil {
					t.Fatalf("%s on a %s disk: no error", name, tc.name)
				}
				msg := err.Error()
				t.Logf("%s: %s", name, msg)
				if !strings.Contains(msg, st.Path) || !strings.Contains(msg, tc.reason) || !strings.Contains(msg, "not sent") {
					t.Errorf("%s: %q, want the config, %q and that nothing was sent", name, msg, tc.reason)
				}
				for _, mark := range []error{ErrSessionExpired, ErrNotLoggedIn, ErrInvalid, ErrExpired, ErrInterrupted, ErrBadServerURL} {
					if errors.Is(err, mark) {
						t.Errorf("%s: the error is %v, want a runtime error", name, mark)
					}
				}
			}
			if n := srv.Count(cellsop.PathToken); n != 0 {
				t.Errorf("%d token requests reached the server, want none", n)
			}
			if after, err := os.ReadFile(st.Path); err != nil || !bytes.Equal(after, before) {
				t.Errorf("the config changed (%v)", err)
			}

			undo()
			_, p, err := s.Token(t.Context(), TokenOptions{MinValid: time.Minute})
			if err != nil {
				t.Fatalf("once the disk takes files again: %v", err)
			}
			if n := srv.Count(cellsop.PathToken); n != 1 {
				t.Errorf("%d token requests, want the one refresh", n)
			}
			if p.Token.RefreshToken == spent {
				t.Error("the refresh token was not rotated")
			}
			if entries, _ := os.ReadDir(filepath.Dir(st.Path)); len(entries) != 2 {
				t.Errorf("beside the config: %d files, want only its lock", len(entries)-1)
			}
		})
	}
}

// fillingTransport fills the disk as a refresh request goes out, as
// another program writing a large file would.
type fillingTransport struct {
	t    *testing.T
	disk string
	next http.RoundTripper
	free func()
}

func (f *fillingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.free == nil {
		f.free = tmpfstest.Fill(f.t, f.disk)
	}
	return f.next.RoundTrip(r)
}

// The room made before the request takes the answer even when the disk
// fills up while the server answers.
func TestSessionRefreshSavesIntoRoomMade(t *testing.T) {
	srv := cellsop.NewTest(t)
	st, disk, _ := stateOnDisk(t, srv)
	spent := stored(t, st).Token.RefreshToken
	filling := &fillingTransport{t: t, disk: disk, next: srv.Client().Transport}
	s := &Session{Store: &Store{Path: st.Path}, HTTPClient: func(TLS) (*http.Client, error) {
		return &http.Client{Transport: filling}, nil
	}}
	if _, _, err := s.Refresh(t.Context()); err != nil {
		t.Fatalf("refresh with the disk filled during the request: %v", err)
	}
	if filling.free == nil {
		t.Fatal("no request went out")
	}
	defer filling.free()
	if got := stored(t, st).Token.RefreshToken; got == spent {
		t.Error("the config still holds the spent refresh token")
	}
}

// A save that fails after the server answered, despite the room made,
// says that the session may need a new login.
func TestSessionRefreshSaveFailsAfterAnswer(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	st := saved(t, p)
	s := &Session{Store: &Store{Path: st.Path, write: func(_ io.Writer, _ []byte) error {
		return syscall.EIO
	}}, HTTPClient: clientOf(srv)}
	_, _, err := s.Refresh(t.Context())
	if err == nil || !strings.Contains(err.Error(), "may need a new login") || !strings.Contains(err.Error(), st.Path) {
		t.Errorf("Refresh = %v, want the config named and that the session may need a new login", err)
	}
}

// Check, which login calls before it shows the URL, finds a full or
// read-only disk, and leaves nothing behind, not even the directory it
// found it could make.
func TestStoreCheckDiskTrouble(t *testing.T) {
	disk := tmpfstest.Mount(t, "256k")
	st := &Store{Path: filepath.Join(disk, "cells-oob", "config.json")}
	if err := st.Check(); err != nil {
		t.Fatalf("Check on an empty disk: %v", err)
	}
	if entries, _ := os.ReadDir(disk); len(entries) != 0 {
		t.Errorf("Check left %v behind", entries)
	}
	free := tmpfstest.Fill(t, disk)
	if err := st.Check(); err == nil || !strings.Contains(err.Error(), st.Path) || !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("Check on a full disk = %v", err)
	}
	free()
	writable := tmpfstest.ReadOnly(t, disk)
	other := &Store{Path: filepath.Join(disk, "elsewhere", "config.json")}
	for _, s := range []*Store{st, other} {
		if err := s.Check(); err == nil || !strings.Contains(err.Error(), s.Path) || !strings.Contains(err.Error(), "read-only file system") {
			t.Errorf("Check of %s on a read-only disk = %v", s.Path, err)
		}
	}
	writable()
	if entries, _ := os.ReadDir(disk); len(entries) != 0 {
		t.Errorf("Check left %v behind", entries)
	}
}
