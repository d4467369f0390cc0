package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/browser"
	"github.com/cells-oob/cells-oob/internal/cellshydra"
	"github.com/cells-oob/cells-oob/internal/cellspage"
	"github.com/cells-oob/cells-oob/internal/oobtest"
)

// The conformance suite: the built binary against Ory Hydra v2.3.0 behind a
// Cells front (internal/cellshydra), the browser played over HTTP. Without
// a Hydra binary it skips, unless CELLS_OOB_REQUIRE_HYDRA=1, as in CI.

// cellsStandard is a Hydra that gets the client's PKCE challenge and nonce,
// as a standard Hydra does; the zero Options behave as Cells.
var cellsStandard = cellshydra.Options{KeepPKCE: true, KeepNonce: true}

// hydraLogin runs the built binary's `login --url` against srv, plays the
// person in the browser, and pastes what paste makes of the page they end
// on. It returns the exit status and stderr.
func hydraLogin(t *testing.T, bin, cfg string, srv *cellshydra.Server, paste func(browser.Result) string, global ...string) (int, string) {
	t.Helper()
	cmd, stdin, stderr := startBinaryLogin(t, bin, cfg, srv.URL, global...)
	var authURL string
	waitFor(t, "the authorization URL on stderr", func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(line, srv.URL+cellspage.PathAuth+"?") {
				authURL = line
				return true
			}
		}
		return false
	})
	res, err := browser.Authorize(context.Background(), authURL, cellshydra.Username, cellshydra.Password)
	if err == nil && res.Code == "" {
		err = errors.New("the out-of-band page shows " + res.Error + ": " + res.ErrorDescription)
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("browser: %v", err)
	}
	if _, err := stdin.Write([]byte(paste(res) + "\n")); err != nil {
		t.Errorf("paste: %v", err)
	}
	stdin.Close()
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("login: %v", err)
	}
	assertNoSecrets(t, stderr.String(), res.Code)
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func pasteCode(r browser.Result) string        { return r.Code }
func pasteRedirectURL(r browser.Result) string { return r.RedirectURL }

// hydraSignIn logs in to srv with a pasted code and fails the test unless
// that works. It returns the config's path.
func hydraSignIn(t *testing.T, bin string, srv *cellshydra.Server) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	if code, stderr := hydraLogin(t, bin, cfg, srv, pasteCode); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
	}
	return cfg
}

// hydraRun runs the built binary with --config cfg and the extra
// environment, and returns its exit status, stdout and stderr.
func hydraRun(t *testing.T, bin, cfg string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// accepted says whether srv's userinfo takes the access token.
func accepted(t *testing.T, srv *cellshydra.Server, token string) bool {
	t.Helper()
	ok, err := srv.Accepts(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// refreshWorks spends refreshToken at srv directly; it reports whether the
// server took it.
func refreshWorks(t *testing.T, srv *cellshydra.Server, refreshToken string) bool {
	t.Helper()
	_, err := srv.Refresh(context.Background(), refreshToken)
	if err != nil && !oobtest.InvalidGrant(err) {
		t.Fatalf("refresh: %v", err)
	}
	return err == nil
}

// TestE2EHydraLogin logs in by bare code and by the whole redirect URL,
// against Cells' behaviour, a standard Hydra, and a Hydra that keeps PKCE
// but drops the nonce. Cells makes the first exchange fail for want of PKCE
// data; the same code then goes again without the verifier: two token
// requests, one otherwise. After the paste, only the exchange touches the
// network.
func TestE2EHydraLogin(t *testing.T) {
	bin := builtBinary(t)
	tests := []struct {
		name           string
		opts           cellshydra.Options
		paste          func(browser.Result) string
		exchanges      int
		dropsPKCE      bool
		noNonce        bool
		statusMentions string
	}{
		{"cells/code", cellshydra.Options{}, pasteCode, 2, true, true, "drops the PKCE challenge and the nonce"},
		{"cells/redirect-url", cellshydra.Options{}, pasteRedirectURL, 2, true, true, "drops the PKCE challenge and the nonce"},
		{"standard/code", cellsStandard, pasteCode, 1, false, false, ""},
		{"standard/redirect-url", cellsStandard, pasteRedirectURL, 1, false, false, ""},
		{"pkce-kept-nonce-dropped/code", cellshydra.Options{KeepPKCE: true}, pasteCode, 1, false, true, "carried no nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellshydra.NewTest(t, tt.opts)
			cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
			code, stderr := hydraLogin(t, bin, cfg, srv, tt.paste)
			if code != exitOK {
				t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
			}
			if n := srv.TokenRequests("authorization_code"); n != tt.exchanges || srv.Count(cellspage.PathToken) != tt.exchanges {
				t.Errorf("%d authorization_code requests of %d token requests, want %d", n, srv.Count(cellspage.PathToken), tt.exchanges)
			}
			for path, want := range map[string]int{cellspage.PathDiscovery: 1, cellspage.PathJWKS: 1, cellspage.PathUserinfo: 0, cellspage.PathRevoke: 0} {
				if n := srv.Count(path); n != want {
					t.Errorf("%d requests to %s, want %d", n, path, want)
				}
			}
			p := storedProfile(t, cfg)
			if p.User.Subject != cellshydra.Subject || p.User.Name != cellshydra.Username || p.User.Email != cellshydra.Email {
				t.Errorf("stored user %+v, want %s, %s, %s", p.User, cellshydra.Subject, cellshydra.Username, cellshydra.Email)
			}
			if p.DropsPKCE != tt.dropsPKCE || p.NoNonce != tt.noNonce {
				t.Errorf("profile records drops_pkce %v, no_nonce %v; want %v, %v", p.DropsPKCE, p.NoNonce, tt.dropsPKCE, tt.noNonce)
			}
			if !strings.HasPrefix(p.Token.AccessToken, "ory_at_") || !strings.HasPrefix(p.Token.RefreshToken, "ory_rt_") {
				t.Error("the stored tokens are not Hydra's")
			}
			if !accepted(t, srv, p.Token.AccessToken) {
				t.Error("the stored access token fails userinfo")
			}
			assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)

			code, stdout, stderr := hydraRun(t, bin, cfg, nil, "status")
			out := stdout + stderr
			if code != exitOK || !strings.Contains(out, cellshydra.Username) {
				t.Errorf("status exited %d and does not name %s:\n%s", code, cellshydra.Username, out)
			}
			if tt.statusMentions != "" && !strings.Contains(out, tt.statusMentions) {
				t.Errorf("status does not say the server %s:\n%s", tt.statusMentions, out)
			}
			if tt.statusMentions == "" && strings.Contains(out, "nonce") {
				t.Errorf("status speaks of a nonce for a standard server:\n%s", out)
			}
		})
	}
}

// TestE2EHydraLoginVerbose: --verbose says when the code goes again without
// the verifier, and on a standard server it does not, with no secret in
// the trace either way.
func TestE2EHydraLoginVerbose(t *testing.T) {
	bin := builtBinary(t)
	for _, tt := range []struct {
		name  string
		opts  cellshydra.Options
		notes bool
	}{
		{"cells", cellshydra.Options{}, true},
		{"standard", cellsStandard, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellshydra.NewTest(t, tt.opts)
			cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
			code, stderr := hydraLogin(t, bin, cfg, srv, pasteCode, "--verbose")
			if code != exitOK {
				t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
			}
			if got := strings.Contains(stderr, "bound no PKCE challenge to the code"); got != tt.notes {
				t.Errorf("--verbose notes the PKCE retry: %v, want %v; stderr:\n%s", got, tt.notes, stderr)
			}
			p := storedProfile(t, cfg)
			assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
		})
	}
}

// cellsTokens signs in beside the tool, as cec does (no PKCE), and returns
// the token response.
func cellsTokens(t *testing.T, srv *cellshydra.Server) *oauth2.Token {
	t.Helper()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	conf := srv.OAuth2Config()
	res, err := browser.Authorize(ctx, conf.AuthCodeURL("state-from-elsewhere"), cellshydra.Username, cellshydra.Password)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := conf.Exchange(ctx, res.Code)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestE2EHydraLoginPastedTokens logs in with a token response pasted whole,
// and with an access token under --token; both are confirmed by the server.
func TestE2EHydraLoginPastedTokens(t *testing.T) {
	bin := builtBinary(t)
	srv := cellshydra.NewTest(t)

	side := cellsTokens(t, srv)
	response, err := json.Marshal(map[string]any{
		"access_token":  side.AccessToken,
		"token_type":    side.TokenType,
		"expires_in":    side.ExpiresIn,
		"refresh_token": side.RefreshToken,
		"id_token":      side.Extra("id_token"),
		"scope":         strings.Join(cellshydra.Scopes, " "),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	code, stderr := hydraLogin(t, bin, cfg, srv, func(browser.Result) string { return string(response) })
	if code != exitOK {
		t.Fatalf("login with a token response exited %d; stderr:\n%s", code, stderr)
	}
	p := storedProfile(t, cfg)
	if p.Token.AccessToken != side.AccessToken || p.Token.RefreshToken != side.RefreshToken || p.User.Name != cellshydra.Username {
		t.Errorf("the profile does not hold the pasted tokens for %s (user %q)", cellshydra.Username, p.User.Name)
	}
	if n := srv.Count(cellspage.PathToken); n != 1 {
		t.Errorf("%d token requests, want the side sign-in's 1 alone", n)
	}
	assertNoSecrets(t, stderr, side.AccessToken, side.RefreshToken)

	side = cellsTokens(t, srv)
	cfg = filepath.Join(t.TempDir(), "cells-oob", "config.json")
	cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL, "--token")
	cmd.Stdin = strings.NewReader(side.AccessToken + "\n")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("login --token: %v; stderr:\n%s", err, errOut.String())
	}
	p = storedProfile(t, cfg)
	if p.Token.AccessToken != side.AccessToken || p.Token.RefreshToken != "" || p.User.Subject != cellshydra.Subject {
		t.Errorf("login --token stored another token, a refresh token, or user %q", p.User.Subject)
	}
	assertNoSecrets(t, errOut.String(), side.AccessToken, side.RefreshToken)
}

// TestE2EHydraSession: token, token --header, status, status --check and
// refresh, which revokes the access token it replaces on Cells; then
// logout, which the server sees, after which the refresh token is dead.
func TestE2EHydraSession(t *testing.T) {
	bin := builtBinary(t)
	srv := cellshydra.NewTest(t)
	cfg := hydraSignIn(t, bin, srv)
	first := storedProfile(t, cfg)
	srv.ResetCounts()

	code, out, errOut := hydraRun(t, bin, cfg, nil, "token")
	tok := strings.TrimSuffix(out, "\n")
	if code != exitOK || tok != first.Token.AccessToken {
		t.Fatalf("token exited %d, printed the stored token: %v; stderr %q", code, tok == first.Token.AccessToken, errOut)
	}
	code, out, _ = hydraRun(t, bin, cfg, nil, "token", "--header")
	if code != exitOK || out != "Authorization: Bearer "+tok+"\n" {
		t.Errorf("token --header exited %d, printed something else than the header", code)
	}
	code, out, errOut = hydraRun(t, bin, cfg, nil, "status")
	if code != exitOK || !strings.Contains(out+errOut, cellshydra.Username+"@") {
		t.Errorf("status exited %d:\n%s%s", code, out, errOut)
	}
	if n := srv.Count(cellspage.PathToken) + srv.Count(cellspage.PathUserinfo); n != 0 {
		t.Errorf("token and status made %d requests to the server, want none", n)
	}
	code, out, errOut = hydraRun(t, bin, cfg, nil, "status", "--check")
	if code != exitOK || srv.Count(cellspage.PathUserinfo) != 1 {
		t.Errorf("status --check exited %d after %d userinfo requests:\n%s%s", code, srv.Count(cellspage.PathUserinfo), out, errOut)
	}

	srv.ResetCounts()
	code, out, errOut = hydraRun(t, bin, cfg, nil, "refresh")
	if code != exitOK || out != "" || !strings.Contains(errOut, "previous access token no longer works") {
		t.Errorf("refresh exited %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := srv.TokenRequests("refresh_token"); n != 1 || srv.Count(cellspage.PathToken) != 1 {
		t.Errorf("%d refresh_token requests of %d token requests, want 1 of 1", n, srv.Count(cellspage.PathToken))
	}
	second := storedProfile(t, cfg)
	if second.Token.AccessToken == first.Token.AccessToken || second.Token.RefreshToken == first.Token.RefreshToken {
		t.Error("refresh did not store new tokens")
	}
	if accepted(t, srv, first.Token.AccessToken) {
		t.Error("the replaced access token still passes userinfo: Cells revokes it")
	}
	if !accepted(t, srv, second.Token.AccessToken) {
		t.Error("the refreshed access token fails userinfo")
	}
	code, out, _ = hydraRun(t, bin, cfg, nil, "token")
	if code != exitOK || out != second.Token.AccessToken+"\n" {
		t.Errorf("token after refresh exited %d, printed the new token: %v", code, out == second.Token.AccessToken+"\n")
	}
	assertNoSecrets(t, errOut, first.Token.AccessToken, first.Token.RefreshToken, second.Token.AccessToken, second.Token.RefreshToken)

	srv.ResetCounts()
	code, out, errOut = hydraRun(t, bin, cfg, nil, "logout")
	if code != exitOK || out != "" || !strings.Contains(errOut, "Logged out of profile") {
		t.Fatalf("logout exited %d, stdout %q, stderr %q", code, out, errOut)
	}
	// One for the refresh token, one for the access token.
	if n := srv.Count(cellspage.PathRevoke); n != 2 {
		t.Errorf("%d revocation requests, want 2", n)
	}
	if refreshWorks(t, srv, second.Token.RefreshToken) {
		t.Error("the refresh token still works after logout")
	}
	if accepted(t, srv, second.Token.AccessToken) {
		t.Error("the access token still passes userinfo after logout")
	}
	if code, _, _ := hydraRun(t, bin, cfg, nil, "token"); code != exitNotLoggedIn {
		t.Errorf("token after logout exited %d, want %d", code, exitNotLoggedIn)
	}
}

// TestE2EHydraRevokedOnServer: once the server has ended the session, a
// refresh is refused: exit 5, told to log in, the config untouched.
func TestE2EHydraRevokedOnServer(t *testing.T) {
	bin := builtBinary(t)
	srv := cellshydra.NewTest(t)
	cfg := hydraSignIn(t, bin, srv)
	setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RevokeSession(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"refresh"}, {"token", "--min-valid", "5m"}, {"token", "--min-valid", "24h"}} {
		code, out, errOut := hydraRun(t, bin, cfg, nil, args...)
		if code != exitNotLoggedIn || out != "" || !strings.HasSuffix(strings.TrimSpace(errOut), "session expired: run cells-oob login") {
			t.Errorf("%v exited %d, stdout %q, stderr %q; want %d and to be told to log in", args, code, out, errOut, exitNotLoggedIn)
		}
	}
	if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
		t.Error("a refused refresh changed the config")
	}
}

// TestE2EHydraExportCec hands the session over to cec; cec's refresh token
// then works at the server.
func TestE2EHydraExportCec(t *testing.T) {
	bin := builtBinary(t)
	srv := cellshydra.NewTest(t)
	cfg := hydraSignIn(t, bin, srv)
	p := storedProfile(t, cfg)
	cecPath := filepath.Join(t.TempDir(), "pydio", "cells-client", "config.json")
	code, out, errOut := hydraRun(t, bin, cfg, []string{"CELLS_OOB_CEC_CONFIG=" + cecPath}, "export", "--cec", "--write")
	if code != exitOK || out != "" {
		t.Fatalf("export --cec --write exited %d, stdout %q; stderr:\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(cecPath)
	if err != nil {
		t.Fatal(err)
	}
	cec := decodeCec(t, data)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	id := cellshydra.Username + "@" + u.Hostname() + ":" + u.Port()
	e := cec.Configs[id]
	switch {
	case cec.ActiveConfigID != id || e == nil:
		t.Fatalf("want the entry %q, active; got %q", id, cec.ActiveConfigID)
	case e.RefreshToken != p.Token.RefreshToken || e.IDToken != p.Token.AccessToken:
		t.Fatal("cec did not get the session's tokens")
	case e.URL != srv.URL || e.User != cellshydra.Username:
		t.Errorf("cec's entry is for %s as %s", e.URL, e.User)
	}
	if storedProfile(t, cfg).Token.RefreshToken != "" {
		t.Error("the profile kept the refresh token it handed over")
	}
	srv.ResetCounts()
	tok, err := srv.Refresh(context.Background(), e.RefreshToken)
	if err != nil {
		t.Fatalf("a refresh with cec's refresh token: %v", err)
	}
	if !accepted(t, srv, tok.AccessToken) {
		t.Error("the access token of cec's refresh fails userinfo")
	}
	assertNoSecrets(t, errOut, p.Token.AccessToken, p.Token.RefreshToken)
}

// TestE2EHydraRace races 8 and 32 `token` processes on a stale token, with
// a --min-valid the server's 10-minute tokens satisfy and with one no token
// of theirs can: exactly one refresh, one token for all, and that token
// alive afterwards, since no second refresh revoked it.
func TestE2EHydraRace(t *testing.T) {
	bin := builtBinary(t)
	srv := cellshydra.NewTest(t)
	cfg := hydraSignIn(t, bin, srv)
	for _, n := range []int{8, 32} {
		for _, minValid := range []string{"5m", "24h"} {
			t.Run(fmt.Sprintf("%d/min-valid-%s", n, minValid), func(t *testing.T) {
				old := storedProfile(t, cfg)
				setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
				srv.ResetCounts()
				tokens := tokenHerd(t, bin, cfg, n, minValid)
				if r, all := srv.TokenRequests("refresh_token"), srv.Count(cellspage.PathToken); r != 1 || all != 1 {
					t.Errorf("%d refresh_token requests of %d token requests, want exactly 1 of 1", r, all)
				}
				for i, tok := range tokens {
					if tok != tokens[0] || tok == "" {
						t.Errorf("process %d printed another token than process 0", i)
					}
				}
				now := storedProfile(t, cfg)
				if tokens[0] != now.Token.AccessToken+"\n" || now.Token.AccessToken == old.Token.AccessToken {
					t.Error("the processes printed another token than the new one saved")
				}
				if !accepted(t, srv, strings.TrimSuffix(tokens[0], "\n")) {
					t.Error("the token every process printed fails userinfo afterwards")
				}
				if accepted(t, srv, old.Token.AccessToken) {
					t.Error("the replaced token still passes userinfo")
				}
				// In a row, too, the fresh token is handed out again.
				srv.ResetCounts()
				if again := tokenHerd(t, bin, cfg, 1, minValid); again[0] != tokens[0] || srv.Count(cellspage.PathToken) != 0 {
					t.Errorf("one more token --min-valid %s made %d token requests, printed the same token: %v", minValid, srv.Count(cellspage.PathToken), again[0] == tokens[0])
				}
			})
		}
	}
}
