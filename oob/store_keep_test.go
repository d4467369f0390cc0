package oob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// A Ctrl-C that lands after the server answered a refresh, while the new
// config is being written, must not lose the rotated refresh token: the
// server has already spent the old one.
func TestSessionKeepsRotatedTokenWhenInterrupted(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	p.Token.Expiry = time.Now().Add(-time.Minute)
	st := saved(t, p)
	old := p.Token.RefreshToken

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := &Session{Store: &Store{Path: st.Path, write: func(w io.Writer, b []byte) error {
		cancel() // the interrupt arrives here, after the refresh answered
		_, err := w.Write(b)
		return err
	}}, HTTPClient: clientOf(srv)}
	if _, _, err := s.Token(ctx, TokenOptions{MinValid: time.Minute}); err != nil {
		t.Logf("token: %v", err)
	}
	if stored(t, st).Token.RefreshToken == old {
		t.Fatalf("the rotated refresh token was lost: the config still holds the spent one")
	}
	next := &Session{Store: &Store{Path: st.Path}, HTTPClient: clientOf(srv)}
	if _, _, err := next.Refresh(t.Context()); err != nil {
		t.Errorf("the session does not survive the interrupt: %v", err)
	}
}

// Through a symbolic link, the lock and the write go to the real file, and
// the link stays a link: two files must never hold one refresh token.
func TestStoreUpdateThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "config.json")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte(`{"version":1,"profiles":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	st := &Store{Path: link}
	err := st.Update(t.Context(), func(c *Config) error {
		c.Put("a", &Profile{Issuer: "https://cells.example/oidc/", ClientID: DefaultClientID}, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file (%v)", err)
	}
	c, err := (&Store{Path: real}).Load()
	if err != nil || c.Current != "a" {
		t.Errorf("the real file was not updated: current %q, %v", c.Current, err)
	}
	if _, err := os.Stat(link + ".lock"); err == nil {
		t.Errorf("a lock was taken beside the link")
	}
	if _, err := os.Stat(real + ".lock"); err != nil {
		t.Errorf("no lock beside the real file: %v", err)
	}
}
