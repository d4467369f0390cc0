//go:build !windows

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

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellshydra"
	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
)

// The conformance suite: the built binary against Ory Hydra behind a Cells
// front (internal/testenv/cellshydra), the browser played over HTTP, in the four
// shapes a Cells server takes (cellshydra.Shapes): the Hydra Cells v5 pins
// and v2.3.0, each behind a front that drops the PKCE challenge and one
// that passes it on. Without a Hydra binary it skips, unless
// CELLS_OOB_REQUIRE_HYDRA=1, as in CI.

// hydraLogin runs the built binary's `login --url` against srv, plays the
// person in the browser, and pastes what paste makes of the page they end
// on, for every authorization URL the login prints. It returns the exit
// status and stderr.
func hydraLogin(t *testing.T, bin, cfg string, srv *cellshydra.Server, paste func(browser.Result) string, global ...string) (int, string) {
	t.Helper()
	code, stderr, _ := hydraLoginCounting(t, bin, cfg, srv, paste, global...)
	return code, stderr
}

// hydraLoginCounting is hydraLogin that also says how many times the
// person signed in.
func hydraLoginCounting(t *testing.T, bin, cfg string, srv *cellshydra.Server, paste func(browser.Result) string, global ...string) (code int, stderr string, signIns int) {
	t.Helper()
	cmd, stdin, errOut := startBinaryLogin(t, bin, cfg, srv.URL, global...)
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	defer stdin.Close()
	authURLs := func() []string {
		var urls []string
		for _, line := range strings.Split(errOut.String(), "\n") {
			if strings.HasPrefix(line, srv.URL+cellspage.PathAuth+"?") {
				urls = append(urls, line)
			}
		}
		return urls
	}
	var codes []string
	for {
		var next string
		ended := false
		waitFor(t, "an authorization URL on stderr, or the login's end", func() bool {
			select {
			case <-exited:
				ended = true
			default:
			}
			if urls := authURLs(); len(urls) > signIns {
				next = urls[signIns]
				return true
			}
			return ended
		})
		if next == "" {
			break
		}
		if signIns == 2 {
			t.Fatalf("the login printed a third authorization URL; stderr:\n%s", errOut.String())
		}
		res, err := browser.Authorize(context.Background(), next, cellshydra.Username, cellshydra.Password)
		if err == nil && res.Code == "" {
			err = errors.New("the out-of-band page shows " + res.Error + ": " + res.ErrorDescription)
		}
		if err != nil {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("browser: %v", err)
		}
		signIns++
		codes = append(codes, res.Code)
		if _, err := stdin.Write([]byte(paste(res) + "\n")); err != nil {
			t.Errorf("paste: %v", err)
		}
	}
	assertNoSecrets(t, errOut.String(), codes...)
	return cmd.ProcessState.ExitCode(), errOut.String(), signIns
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
	if err != nil && !oobtest.InvalidGrant(err) && !oobtest.Inactive(err) {
		t.Fatalf("refresh: %v", err)
	}
	return err == nil
}

// hydraJourney is one journey of the conformance suite, run against the
// replica of one shape.
type hydraJourney struct {
	name string
	// in says which shapes the journey runs in; nil means every one.
	in  func(cellshydra.Shape) bool
	run func(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server)
}

// hydraJourneys are the suite's journeys, in the order they run. Each signs
// in afresh, with a config of its own, on its shape's one replica.
var hydraJourneys = []hydraJourney{
	{name: "login/code", run: func(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server) {
		hydraLoginTwice(t, bin, shape, srv, pasteCode)
	}},
	{name: "login/redirect-url", run: func(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server) {
		hydraLoginTwice(t, bin, shape, srv, pasteRedirectURL)
	}},
	{name: "login/verbose", run: hydraLoginVerbose},
	{name: "login/mismatch-not-retried", in: func(s cellshydra.Shape) bool { return s.PKCE }, run: hydraMismatchNotRetried},
	{name: "login/pasted-tokens", run: hydraLoginPastedTokens},
	{name: "login/loopback", run: hydraLoopback},
	{name: "session", run: hydraSession},
	{name: "revoked-on-server", run: hydraRevokedOnServer},
	{name: "spent-elsewhere", run: hydraRefreshTokenSpentElsewhere},
	{name: "export-cec", run: hydraExportCec},
	// Cells' own line, on either Hydra: the lock, not the server, keeps
	// the racers to one refresh.
	{name: "race", in: func(s cellshydra.Shape) bool { return !s.PKCE }, run: hydraRace},
}

// TestE2EHydra is the conformance suite: in each of the four shapes one
// replica serves every journey in turn (a Hydra takes a second or more to
// start). The loopback redirect the journeys sign in at is registered
// beside Cells' own.
func TestE2EHydra(t *testing.T) {
	bin := builtBinary(t)
	fallback := hydraFallbackRedirect(t)
	for _, shape := range cellshydra.Shapes() {
		t.Run(shape.Name, func(t *testing.T) {
			opts := shape.Options
			opts.Redirects = []string{fallback}
			srv := cellshydra.NewTest(t, opts)
			for _, j := range hydraJourneys {
				if j.in != nil && !j.in(shape) {
					continue
				}
				t.Run(j.name, func(t *testing.T) {
					srv.ResetCounts()
					j.run(t, bin, shape, srv)
				})
			}
		})
	}
}

// firstLoginCost is what a first login to the shape's server costs, the
// server's PKCE unknown yet: one sign-in and one exchange where PKCE is in
// force; behind a dropping front, an exchange more on Hydra v2.3.0 (its
// verifier is refused with nothing spent), or a sign-in and an exchange
// more on the Hydra Cells v5 pins (the verifier spends the code).
func firstLoginCost(shape cellshydra.Shape) (signIns, exchanges int) {
	switch {
	case shape.PKCE:
		return 1, 1
	case shape.VerifierSpendsCode:
		return 2, 2
	}
	return 1, 2
}

// hydraLoginTwice logs in twice to the same server, by bare code and by
// the whole redirect URL, in each shape, and counts what it costs. Behind
// a front that passes the challenge on, PKCE is in force: one sign-in, one
// exchange. Behind a dropping front, the first login costs one more
// exchange on Hydra v2.3.0 (its verifier is refused with nothing spent) or
// one more sign-in on the Hydra Cells v5 pins (the verifier spends the
// code); the profile remembers, and the second login is one sign-in and
// one exchange, without PKCE. After each paste only the exchange touches
// the network.
func hydraLoginTwice(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server, paste func(browser.Result) string) {
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	firstSignIns, firstExchanges := firstLoginCost(shape)
	for i, want := range []struct{ signIns, exchanges int }{{firstSignIns, firstExchanges}, {1, 1}} {
		srv.ResetCounts()
		code, stderr, signIns := hydraLoginCounting(t, bin, cfg, srv, paste)
		if code != exitOK {
			t.Fatalf("login %d exited %d; stderr:\n%s", i+1, code, stderr)
		}
		if signIns != want.signIns {
			t.Errorf("login %d took %d sign-ins, want %d; stderr:\n%s", i+1, signIns, want.signIns, stderr)
		}
		if n := srv.TokenRequests("authorization_code"); n != want.exchanges || srv.Count(cellspage.PathToken) != want.exchanges {
			t.Errorf("login %d: %d authorization_code requests of %d token requests, want %d", i+1, n, srv.Count(cellspage.PathToken), want.exchanges)
		}
		for path, want := range map[string]int{cellspage.PathDiscovery: 1, cellspage.PathJWKS: 1, cellspage.PathUserinfo: 0, cellspage.PathRevoke: 0} {
			if n := srv.Count(path); n != want {
				t.Errorf("login %d: %d requests to %s, want %d", i+1, n, path, want)
			}
		}
		if restarted := strings.Contains(stderr, "sign in once more, without PKCE"); restarted != (signIns == 2) {
			t.Errorf("login %d: says it starts over: %v, after %d sign-ins; stderr:\n%s", i+1, restarted, signIns, stderr)
		}
		p := storedProfile(t, cfg)
		if p.User.Subject != cellshydra.Subject || p.User.Name != cellshydra.Username || p.User.Email != cellshydra.Email {
			t.Errorf("stored user %+v, want %s, %s, %s", p.User, cellshydra.Subject, cellshydra.Username, cellshydra.Email)
		}
		if p.DropsPKCE == shape.PKCE || p.HonoursPKCE != shape.PKCE || !p.NoNonce {
			t.Errorf("profile records drops_pkce %v, honours_pkce %v, no_nonce %v; want %v, %v, true", p.DropsPKCE, p.HonoursPKCE, p.NoNonce, !shape.PKCE, shape.PKCE)
		}
		if !strings.HasPrefix(p.Token.AccessToken, "ory_at_") || !strings.HasPrefix(p.Token.RefreshToken, "ory_rt_") {
			t.Error("the stored tokens are not Hydra's")
		}
		if !accepted(t, srv, p.Token.AccessToken) {
			t.Error("the stored access token fails userinfo")
		}
		assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	}

	code, stdout, stderr := hydraRun(t, bin, cfg, nil, "status")
	out := stdout + stderr
	want := "PKCE in force"
	if !shape.PKCE {
		want = "PKCE not in force: the server drops the PKCE challenge and the nonce"
	}
	if code != exitOK || !strings.Contains(out, cellshydra.Username) || !strings.Contains(out, want) {
		t.Errorf("status exited %d, does not name %s or say %q:\n%s", code, cellshydra.Username, want, out)
	}
}

// hydraLoginVerbose: --verbose says what the server did with PKCE
// at the first login, and that the second goes without it where the
// server drops it, with no secret in the trace either way.
func hydraLoginVerbose(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server) {
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	first := "checked the PKCE verifier: PKCE is in force"
	second := first
	switch {
	case shape.VerifierSpendsCode:
		first, second = "lost the code to a PKCE check", "signing in without PKCE"
	case !shape.PKCE:
		first, second = "bound no PKCE challenge to the code", "signing in without PKCE"
	}
	for i, want := range []string{first, second} {
		code, stderr := hydraLogin(t, bin, cfg, srv, pasteCode, "--verbose")
		if code != exitOK {
			t.Fatalf("login %d exited %d; stderr:\n%s", i+1, code, stderr)
		}
		if !strings.Contains(stderr, want) {
			t.Errorf("login %d does not say %q; stderr:\n%s", i+1, want, stderr)
		}
		p := storedProfile(t, cfg)
		assertNoSecrets(t, stderr, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
	}
}

// hydraMismatchNotRetried: a code bound to another challenge than
// this login's (one injected into the browser, say) is refused on a server
// known to honour PKCE, quoting the server's own reason, never retried,
// and nothing is saved.
func hydraMismatchNotRetried(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
	cfg := hydraSignIn(t, bin, srv)
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's code, bound to their own challenge.
	conf := srv.OAuth2Config()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	res, err := browser.Authorize(ctx, conf.AuthCodeURL("someone-elses-state", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), cellshydra.Username, cellshydra.Password)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	code, stderr, signIns := hydraLoginCounting(t, bin, cfg, srv, func(browser.Result) string { return res.Code })
	if code != exitInvalid || signIns != 1 {
		t.Fatalf("login with an injected code exited %d after %d sign-ins, want %d after 1; stderr:\n%s", code, signIns, exitInvalid, stderr)
	}
	if n := srv.TokenRequests("authorization_code"); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	if !strings.Contains(stderr, "The PKCE code challenge did not match the code verifier") {
		t.Errorf("the refusal does not quote the server's reason:\n%s", stderr)
	}
	if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
		t.Error("a refused login changed the config")
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

// hydraLoginPastedTokens logs in with a token response pasted whole,
// and with an access token under --token; both are confirmed by the server.
func hydraLoginPastedTokens(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {

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

// hydraSession: token, token --header, status, status --check and
// refresh, which revokes the access token it replaces on Cells; then
// logout, which the server sees, after which the refresh token is dead.
func hydraSession(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
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

// hydraRevokedOnServer: once the server has ended the session, a
// refresh is refused: exit 5, told to log in, the config untouched.
func hydraRevokedOnServer(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
	cfg := hydraSignIn(t, bin, srv)
	if err := srv.RevokeSession(context.Background()); err != nil {
		t.Fatal(err)
	}
	hydraRefreshRefused(t, bin, cfg, []string{"refresh"}, []string{"token", "--min-valid", "5m"}, []string{"token", "--min-valid", "24h"})
}

// hydraRefreshRefused has the stored access token expire in a minute and
// runs each command, whose refresh the server must refuse: each exits 5,
// told to log in, and the config stays as it was.
func hydraRefreshRefused(t *testing.T, bin, cfg string, commands ...[]string) {
	t.Helper()
	setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range commands {
		code, out, errOut := hydraRun(t, bin, cfg, nil, args...)
		if code != exitNotLoggedIn || out != "" || !strings.HasSuffix(strings.TrimSpace(errOut), "session expired: run cells-oob login") {
			t.Errorf("%v exited %d, stdout %q, stderr %q; want %d and to be told to log in", args, code, out, errOut, exitNotLoggedIn)
		}
	}
	if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
		t.Error("a refused refresh changed the config")
	}
}

// hydraRefreshTokenSpentElsewhere: the refresh token was reused by
// another client (a copy of the config) or revoked by one (a logout
// elsewhere). The Hydra Cells v5 pins answers token_inactive where v2.3.0
// answers invalid_grant: either way, exit 5 and told to log in, with the
// server's reason, and the config untouched.
func hydraRefreshTokenSpentElsewhere(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
	for _, how := range []struct {
		name  string
		spend func(t *testing.T, refreshToken string)
	}{
		{"reused", func(t *testing.T, refreshToken string) {
			if !refreshWorks(t, srv, refreshToken) {
				t.Fatal("the other client's refresh failed")
			}
		}},
		{"revoked", func(t *testing.T, refreshToken string) {
			form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {cellshydra.ClientID}}
			resp, err := srv.Client().PostForm(srv.URL+cellspage.PathRevoke, form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("revocation answered %s", resp.Status)
			}
		}},
	} {
		t.Run(how.name, func(t *testing.T) {
			cfg := hydraSignIn(t, bin, srv)
			how.spend(t, storedProfile(t, cfg).Token.RefreshToken)
			hydraRefreshRefused(t, bin, cfg, []string{"refresh"}, []string{"token", "--min-valid", "5m"})
		})
	}
}

// hydraExportCec hands the session over to cec; cec's refresh token
// then works at the server.
func hydraExportCec(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
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

// hydraRace races 8 and 32 `token` processes on a stale token, with
// a --min-valid the server's 10-minute tokens satisfy and with one no token
// of theirs can: exactly one refresh, one token for all, and that token
// alive afterwards, since no second refresh revoked it.
func hydraRace(t *testing.T, bin string, _ cellshydra.Shape, srv *cellshydra.Server) {
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
