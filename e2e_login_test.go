package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// loginRun is one `cells-oob login` running in the background, with the
// person's side of it: the terminal they read and the paste they type.
type loginRun struct {
	t       *testing.T
	paste   *io.PipeWriter
	stderr  *syncBuffer
	stdout  *syncBuffer
	authURL string
	done    chan int
}

// syncBuffer is a bytes.Buffer that the command and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLogin runs login with args and waits for the authorization URL,
// which must come alone on its own line of stderr.
func startLogin(t *testing.T, args ...string) *loginRun {
	t.Helper()
	inR, inW := io.Pipe()
	errR, errW := io.Pipe()
	r := &loginRun{t: t, paste: inW, stderr: &syncBuffer{}, stdout: &syncBuffer{}, done: make(chan int, 1)}
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(errR)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			r.stderr.Write([]byte(line + "\n"))
			if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
				select {
				case urls <- line:
				default:
				}
			}
		}
		close(urls)
		io.Copy(io.Discard, errR)
	}()
	go func() {
		code := run(context.Background(), append([]string{"cells-oob"}, args...), inR, r.stdout, errW)
		errW.Close()
		inR.Close()
		// Report the end only once every line of stderr is in r.stderr.
		<-scanned
		r.done <- code
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("login ended before showing a URL (exit %d); stderr:\n%s", <-r.done, r.stderr)
		}
		r.authURL = u
	case <-time.After(20 * time.Second):
		t.Fatalf("no authorization URL on stderr; stderr so far:\n%s", r.stderr)
	}
	return r
}

// signIn plays the browser on the login's URL.
func (r *loginRun) signIn() browser.Result {
	r.t.Helper()
	res, err := browser.Authorize(context.Background(), r.authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		r.t.Fatalf("browser: %v", err)
	}
	if res.Code == "" {
		r.t.Fatalf("browser: the OOB page showed no code (error %q)", res.Error)
	}
	return res
}

// finish pastes text and returns the exit code.
func (r *loginRun) finish(text string) int {
	r.t.Helper()
	go func() {
		// The command may stop reading after the first line; that is fine.
		io.WriteString(r.paste, text+"\n")
	}()
	select {
	case code := <-r.done:
		return code
	case <-time.After(30 * time.Second):
		r.t.Fatalf("login did not finish; stderr:\n%s", r.stderr)
	}
	return -1
}

func (r *loginRun) state() string {
	u, err := url.Parse(r.authURL)
	if err != nil {
		r.t.Fatal(err)
	}
	return u.Query().Get("state")
}

func readConfig(t *testing.T, path string) *oob.Config {
	t.Helper()
	cfg, err := (&oob.Store{Path: path}).Load()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seedConfig writes a config holding another profile, so tests can check
// that a failed login leaves it byte-identical.
func seedConfig(t *testing.T) (path string, before []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "cells-oob", "config.json")
	st := &oob.Store{Path: path}
	err := st.Update(context.Background(), func(c *oob.Config) error {
		c.Put("other@example.com", &oob.Profile{
			Server:   "https://example.com",
			Issuer:   "https://example.com/oidc/",
			ClientID: "cells-client",
			Token:    oob.Token{AccessToken: "synthetic-access", Expiry: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
		}, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, before
}

func assertUnchanged(t *testing.T, path string, before []byte) {
	t.Helper()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("config changed by a failed login")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != "config.json" && e.Name() != "config.json.lock" {
			t.Errorf("stray file left beside the config: %s", e.Name())
		}
	}
}

func assertNoSecrets(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("a secret (%d chars) appears in the output", len(s))
		}
	}
}

func TestE2ELoginPastes(t *testing.T) {
	srv := cellsop.NewTest(t)
	tests := []struct {
		name  string
		url   string
		paste func(r *loginRun, res browser.Result) string
	}{
		{"bare code", srv.URL, func(_ *loginRun, res browser.Result) string { return res.Code }},
		{"redirect URL", srv.URL, func(_ *loginRun, res browser.Result) string { return res.RedirectURL }},
		{"quoted redirect URL with CR", srv.URL, func(_ *loginRun, res browser.Result) string { return `  "` + res.RedirectURL + "\"\r" }},
		{"url with trailing slash", srv.URL + "/", func(_ *loginRun, res browser.Result) string { return res.Code }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "config.json")
			r := startLogin(t, "--config", cfgPath, "login", "--url", tt.url)
			res := r.signIn()
			if code := r.finish(tt.paste(r, res)); code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
			}
			if r.stdout.String() != "" {
				t.Errorf("login wrote to stdout: %q", r.stdout)
			}
			cfg := readConfig(t, cfgPath)
			name, p, err := cfg.Select("")
			if err != nil {
				t.Fatal(err)
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			if want := cellsop.Username + "@" + host; name != want {
				t.Errorf("profile %q, want %q", name, want)
			}
			if p.Server != srv.URL || p.Issuer != srv.Issuer() {
				t.Errorf("server %q issuer %q", p.Server, p.Issuer)
			}
			if p.Token.AccessToken == "" || p.Token.RefreshToken == "" || p.Token.IDToken == "" {
				t.Errorf("tokens missing: access %v refresh %v id %v",
					p.Token.AccessToken != "", p.Token.RefreshToken != "", p.Token.IDToken != "")
			}
			if p.User.Subject != cellsop.UserID || p.User.Email != cellsop.UserEmail {
				t.Errorf("user %+v", p.User)
			}
			if p.RedirectURI != srv.URL+"/oauth2/oob" {
				t.Errorf("redirect %q", p.RedirectURI)
			}
			if _, err := oob.FetchUserInfo(context.Background(), srv.Client(), p.Endpoints.UserInfo, p.Token.AccessToken); err != nil {
				t.Errorf("the saved access token is not accepted: %v", err)
			}
			out := r.stderr.String()
			if !strings.Contains(out, cellsop.UserName) {
				t.Errorf("summary does not say who signed in:\n%s", out)
			}
			assertNoSecrets(t, out, res.Code, p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
		})
	}
}

func TestE2ELoginAuthURL(t *testing.T) {
	srv := cellsop.NewTest(t)
	r := startLogin(t, "--config", filepath.Join(t.TempDir(), "c.json"), "login", "--url", srv.URL)
	u, err := url.Parse(r.authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != srv.URL+"/oidc/oauth2/auth" {
		t.Errorf("authorization endpoint %q", got)
	}
	checks := map[string]string{
		"client_id":             "cells-client",
		"redirect_uri":          srv.URL + "/oauth2/oob",
		"response_type":         "code",
		"scope":                 oob.DefaultScope,
		"code_challenge_method": "S256",
	}
	for k, want := range checks {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(q.Get("state")) < 16 || len(q.Get("nonce")) < 16 || q.Get("code_challenge") == "" {
		t.Errorf("state, nonce or PKCE challenge missing or short")
	}
	lines := strings.Split(r.stderr.String(), "\n")
	if len(lines) < 2 || lines[1] != r.authURL {
		t.Errorf("the URL is not alone on the second line:\n%s", r.stderr)
	}
	r.paste.Close()
	<-r.done
}

func TestE2ELoginRefused(t *testing.T) {
	srv := cellsop.NewTest(t)
	tests := []struct {
		name     string
		paste    func(r *loginRun, res browser.Result) string
		wantCode int
		wantErr  string
	}{
		{
			name: "wrong state",
			paste: func(r *loginRun, res browser.Result) string {
				u, _ := url.Parse(res.RedirectURL)
				q := u.Query()
				q.Set("state", "0123456789abcdef0123")
				u.RawQuery = q.Encode()
				return u.String()
			},
			wantCode: exitInvalid,
			wantErr:  "state does not match",
		},
		{
			name:     "garbage",
			paste:    func(*loginRun, browser.Result) string { return "not a code at all" },
			wantCode: exitInvalid,
		},
		{
			name: "access denied",
			paste: func(r *loginRun, _ browser.Result) string {
				return srv.URL + "/oauth2/oob?error=access_denied&error_description=The+resource+owner+denied+the+request&state=" + r.state()
			},
			wantCode: exitInvalid,
			wantErr:  "The resource owner denied the request",
		},
		{
			name:     "code used twice",
			paste:    nil, // filled below: a code already exchanged
			wantCode: exitInvalid,
			wantErr:  "invalid_grant",
		},
		{
			name: "another server's URL",
			paste: func(_ *loginRun, res browser.Result) string {
				return strings.Replace(res.RedirectURL, "127.0.0.1", "cells.example.org", 1)
			},
			wantCode: exitInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath, before := seedConfig(t)
			r := startLogin(t, "--config", cfgPath, "login", "--url", srv.URL)
			res := r.signIn()
			paste := ""
			if tt.paste != nil {
				paste = tt.paste(r, res)
			} else {
				paste = spentCode(t, srv)
			}
			code := r.finish(paste)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, r.stderr)
			}
			out := r.stderr.String()
			if tt.wantErr != "" && !strings.Contains(out, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, out)
			}
			errLines := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "cells-oob: ") {
					errLines++
				}
			}
			if errLines != 1 {
				t.Errorf("want one error line, got %d:\n%s", errLines, out)
			}
			assertNoSecrets(t, out, res.Code)
			assertUnchanged(t, cfgPath, before)
		})
	}
}

// TestE2ELoginPastedTokens covers pastes that are tokens, not codes.
func TestE2ELoginPastedTokens(t *testing.T) {
	srv := cellsop.NewTest(t)
	// A token response obtained elsewhere, as a person might copy it from
	// another tool.
	_, tok := codeFlowElsewhere(t, srv)
	tokenJSON, _ := json.Marshal(map[string]any{
		"access_token":  tok.AccessToken,
		"refresh_token": tok.RefreshToken,
		"id_token":      tok.Extra("id_token"),
		"token_type":    "bearer",
		"expires_in":    300,
	})
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		args        []string
		paste       string
		wantCode    int
		wantRefresh bool
	}{
		{"token response JSON", nil, string(tokenJSON), exitOK, true},
		{"personal access token", []string{"--token"}, pat, exitOK, false},
		{"ID token as a JWT", nil, tok.Extra("id_token").(string), exitOK, false},
		{"unknown opaque token", []string{"--token"}, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", exitInvalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath, before := seedConfig(t)
			args := append([]string{"--config", cfgPath, "login", "--url", srv.URL}, tt.args...)
			r := startLoginNoURL(t, args...)
			code := r.finish(tt.paste)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, r.stderr)
			}
			assertNoSecrets(t, r.stderr.String(), tok.AccessToken, tok.RefreshToken, pat)
			if code != exitOK {
				assertUnchanged(t, cfgPath, before)
				return
			}
			_, p, err := readConfig(t, cfgPath).Select("")
			if err != nil {
				t.Fatal(err)
			}
			if p.User.Subject != cellsop.UserID {
				t.Errorf("user %+v", p.User)
			}
			if (p.Token.RefreshToken != "") != tt.wantRefresh {
				t.Errorf("refresh token held: %v, want %v", p.Token.RefreshToken != "", tt.wantRefresh)
			}
			if len(readConfig(t, cfgPath).Profiles) != 2 {
				t.Errorf("the other profile was lost")
			}
		})
	}
}

// spentCode returns a code that was already exchanged, as a second paste
// of the same code would be.
func spentCode(t *testing.T, srv *cellsop.Server) string {
	code, _ := codeFlowElsewhere(t, srv)
	return code
}

// codeFlowElsewhere signs in with another client run than the one under
// test, and returns the code it exchanged and the tokens it got.
func codeFlowElsewhere(t *testing.T, srv *cellsop.Server) (string, *oauth2.Token) {
	t.Helper()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	conf := srv.OAuth2Config()
	verifier := oauth2.GenerateVerifier()
	res, err := browser.Authorize(ctx, conf.AuthCodeURL("state-from-elsewhere", oauth2.S256ChallengeOption(verifier)), cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := conf.Exchange(ctx, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return res.Code, tok
}

// startLoginNoURL starts a login whose paste needs no browser: it waits for
// the prompt rather than for the URL.
func startLoginNoURL(t *testing.T, args ...string) *loginRun {
	t.Helper()
	inR, inW := io.Pipe()
	r := &loginRun{t: t, paste: inW, stderr: &syncBuffer{}, stdout: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		code := run(context.Background(), append([]string{"cells-oob"}, args...), inR, r.stdout, r.stderr)
		inR.Close()
		r.done <- code
	}()
	return r
}

// TestE2ELoginRequests pins the network cost of a login: discovery, the
// keys, and after the paste nothing but the exchange.
func TestE2ELoginRequests(t *testing.T) {
	srv := cellsop.NewTest(t)
	r := startLogin(t, "--config", filepath.Join(t.TempDir(), "c.json"), "login", "--url", srv.URL)
	res := r.signIn()
	// Wait for the background JWKS fetch, then count only what follows
	// the paste.
	fetched, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := srv.WaitCount(fetched, cellsop.PathJWKS, 1); err != nil {
		t.Fatalf("the keys were not fetched before the paste: %v", err)
	}
	before := srv.Requests()
	if code := r.finish(res.Code); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr)
	}
	after := srv.Requests()
	if before["/oidc/.well-known/openid-configuration"] != 1 {
		t.Errorf("discovery requests: %d, want 1", before["/oidc/.well-known/openid-configuration"])
	}
	if before["/oidc/.well-known/jwks.json"] != 1 {
		t.Errorf("JWKS requests: %d, want 1", before["/oidc/.well-known/jwks.json"])
	}
	for path, n := range after {
		if d := n - before[path]; d != 0 && path != "/oidc/oauth2/token" {
			t.Errorf("after the paste: %d request(s) to %s", d, path)
		}
	}
	if d := after["/oidc/oauth2/token"] - before["/oidc/oauth2/token"]; d != 1 {
		t.Errorf("token requests after the paste: %d, want 1", d)
	}
}
