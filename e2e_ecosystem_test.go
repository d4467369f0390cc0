package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/cec"
	"github.com/cells-oob/cells-oob/internal/qr"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// ecoLogin signs in to srv with `cells-oob login` and the extra login
// flags, and returns the config's path and the login as it ran.
func ecoLogin(t *testing.T, srv *cellsop.Server, extra ...string) (string, *loginRun) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	r := startLogin(t, append([]string{"--config", cfg, "login", "--url", srv.URL}, extra...)...)
	res := r.signIn()
	if code := r.finish(res.Code); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
	}
	return cfg, r
}

// TestE2ELoginQR: with --qr, the URL stays alone on its line, and the QR
// code of that very URL follows it on stderr.
func TestE2ELoginQR(t *testing.T) {
	srv := cellsop.NewTest(t)
	_, r := ecoLogin(t, srv, "--qr")
	out := r.stderr.String()
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || lines[1] != r.authURL {
		t.Fatalf("the URL is not alone on the second line:\n%s", out)
	}
	var code bytes.Buffer
	qr.Write(&code, r.authURL)
	rest := strings.TrimPrefix(out, lines[0]+"\n"+lines[1]+"\n")
	if !strings.HasPrefix(rest, code.String()) {
		t.Errorf("the QR code of the URL does not follow it:\n%s", out)
	}
	if n := strings.Count(code.String(), "\n"); n < 10 {
		t.Errorf("the QR code is %d lines high", n)
	}
	if r.stdout.String() != "" {
		t.Errorf("login wrote on stdout: %q", r.stdout)
	}
}

// exportRun runs cells-oob with the config at cfg.
func exportRun(t *testing.T, cfg string, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"--config", cfg}, args...)...)
}

// decodeCec reads a cec config, refusing members cec has no field for.
func decodeCec(t *testing.T, data []byte) *cec.Config {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c cec.Config
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("not a cec config: %v", err)
	}
	return &c
}

func profileOf(t *testing.T, cfg string) *oob.Profile {
	t.Helper()
	_, p, err := readConfig(t, cfg).Select("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestE2EExportCec exports a real login for cec: printed, then written into
// cec's config, which hands the session over.
func TestE2EExportCec(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg, _ := ecoLogin(t, srv)
	p := profileOf(t, cfg)
	id := cellsop.Username + "@127.0.0.1:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	code, stdout, stderr := exportRun(t, cfg, "export", "--cec")
	if code != exitOK {
		t.Fatalf("export --cec exited %d: %s", code, stderr)
	}
	printed := decodeCec(t, []byte(stdout))
	e := printed.Configs[id]
	switch {
	case printed.ActiveConfigID != id || e == nil:
		t.Fatalf("want the entry %q, active; got %q", id, printed.ActiveConfigID)
	case e.IDToken != p.Token.AccessToken || e.RefreshToken != "":
		t.Error("want the access token alone")
	case e.URL != srv.URL || e.User != cellsop.Username || e.AuthType != "oauth2" || !e.SkipKeyring:
		t.Errorf("entry for %s as %s, type %s, skipKeyring %v", e.URL, e.User, e.AuthType, e.SkipKeyring)
	case e.TokenExpiresAt != p.Token.Expiry.Unix():
		t.Errorf("tokenExpiresAt %d, want %d", e.TokenExpiresAt, p.Token.Expiry.Unix())
	}
	assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	if profileOf(t, cfg).Token.RefreshToken != p.Token.RefreshToken {
		t.Error("printing the export changed the profile")
	}

	// --write merges into cec's file, found through $CELLS_OOB_CEC_CONFIG.
	cecPath := filepath.Join(t.TempDir(), "pydio", "cells-client", "config.json")
	if err := os.MkdirAll(filepath.Dir(cecPath), 0o755); err != nil {
		t.Fatal(err)
	}
	old := `{"ActiveConfigID": "bob@files.example.org:443", "Configs": {"bob@files.example.org:443": {"authType": "pat", "url": "https://files.example.org", "user": "bob", "idToken": "SYNTHETIC", "skipVerify": false, "useTokenCache": true, "label": "bob", "skipKeyring": false}}}`
	if err := os.WriteFile(cecPath, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CELLS_OOB_CEC_CONFIG", cecPath)
	code, stdout, stderr = exportRun(t, cfg, "export", "--cec", "--write")
	if code != exitOK || stdout != "" {
		t.Fatalf("export --cec --write exited %d, stdout %q; stderr:\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(cecPath)
	if err != nil {
		t.Fatal(err)
	}
	written := decodeCec(t, data)
	e = written.Configs[id]
	switch {
	case written.ActiveConfigID != id || e == nil:
		t.Fatalf("want the entry %q, active; got %q", id, written.ActiveConfigID)
	case written.Configs["bob@files.example.org:443"] == nil || written.Configs["bob@files.example.org:443"].IDToken != "SYNTHETIC":
		t.Error("the other entry was lost")
	case e.RefreshToken != p.Token.RefreshToken:
		t.Error("cec did not get the refresh token")
	}
	for path, want := range map[string]os.FileMode{cecPath: 0o600, cecPath + ".bak": 0o600} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v", filepath.Base(path), err, info.Mode())
		}
	}
	if bak, _ := os.ReadFile(cecPath + ".bak"); string(bak) != old {
		t.Error("the backup is not the old file")
	}
	assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	if !strings.Contains(stderr, "Handed the session over to cec") {
		t.Errorf("stderr does not say the session went to cec:\n%s", stderr)
	}

	// The session is cec's: cells-oob cannot refresh, cec can, once.
	if profileOf(t, cfg).Token.RefreshToken != "" {
		t.Error("the profile kept the refresh token")
	}
	if code, _, stderr := exportRun(t, cfg, "refresh"); code != exitNotLoggedIn {
		t.Errorf("refresh after the hand-over exited %d, want %d: %s", code, exitNotLoggedIn, stderr)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	if _, err := srv.OAuth2Config().TokenSource(ctx, &oauth2.Token{RefreshToken: e.RefreshToken}).Token(); err != nil {
		t.Errorf("cec's refresh token is refused: %v", err)
	}
}
