package cellsop_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// login runs the whole out-of-band flow as cells-oob will: PKCE, state,
// nonce, the browser, the code off the page, the exchange.
func login(t *testing.T, srv *cellsop.Server, cfg *oauth2.Config) (*oauth2.Token, string) {
	t.Helper()
	ctx := t.Context()
	verifier := oauth2.GenerateVerifier()
	state, nonce := oauth2.GenerateVerifier()[:24], oauth2.GenerateVerifier()[:24]
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce))
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if res.Error != "" || res.Code == "" {
		t.Fatalf("sign in: got error %q (%s), code present %v", res.Error, res.ErrorDescription, res.Code != "")
	}
	if res.State != state {
		t.Fatalf("state came back as %q, sent %q", res.State, state)
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, srv.Client())
	tok, err := cfg.Exchange(ctx, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok, nonce
}

// refresh spends a refresh token once.
func refresh(ctx context.Context, srv *cellsop.Server, cfg *oauth2.Config, rt string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, srv.Client())
	return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
}

func errorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func userinfo(t *testing.T, srv *cellsop.Server, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+cellsop.PathUserinfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("userinfo body: %v", err)
		}
	}
	return resp.StatusCode, body
}

func revoke(t *testing.T, srv *cellsop.Server, token string) {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+cellsop.PathRevoke, url.Values{"token": {token}, "client_id": {cellsop.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
}

var jwePattern = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){4}$`)

func TestFullFlow(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := srv.OAuth2Config()
	tok, nonce := login(t, srv, cfg)

	if !jwePattern.MatchString(tok.AccessToken) {
		t.Errorf("access token is not a five-part JWE")
	}
	if !strings.HasPrefix(tok.RefreshToken, "ory_rt_") {
		t.Errorf("refresh token does not look like Hydra's")
	}
	if got := time.Until(tok.Expiry); got < 4*time.Minute || got > 5*time.Minute {
		t.Errorf("access token lives %v, want about 5m", got)
	}
	if scope, _ := tok.Extra("scope").(string); !strings.Contains(" "+scope+" ", " pydio ") || !strings.Contains(" "+scope+" ", " offline ") {
		t.Errorf("granted scope %q lacks pydio or offline", scope)
	}

	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no ID token")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	jwks, err := keyfunc.NewDefaultCtx(ctx, []string{srv.URL + cellsop.PathJWKS})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	idt, err := jwt.ParseWithClaims(raw, claims, jwks.Keyfunc,
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(srv.URL+"/oidc/"),
		jwt.WithAudience(cellsop.ClientID),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		t.Fatalf("ID token does not verify: %v", err)
	}
	if idt.Header["kid"] == nil {
		t.Error("ID token header has no kid")
	}
	want := map[string]any{
		"nonce":              nonce,
		"sub":                cellsop.UserID,
		"preferred_username": cellsop.Username,
		"name":               cellsop.UserName,
		"email":              cellsop.UserEmail,
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("ID token %s = %v, want %v", k, claims[k], v)
		}
	}
	for _, k := range []string{"sid", "auth_time", "iat", "at_hash"} {
		if claims[k] == nil {
			t.Errorf("ID token has no %s", k)
		}
	}
	if exp, _ := claims.GetExpirationTime(); exp == nil || time.Until(exp.Time) < 59*time.Minute {
		t.Errorf("ID token expiry %v, want about 1h", exp)
	}

	status, info := userinfo(t, srv, tok.AccessToken)
	if status != http.StatusOK || info["sub"] != cellsop.UserID || info["email"] != cellsop.UserEmail {
		t.Errorf("userinfo: status %d, body %v", status, info)
	}

	// Refresh rotates: the new token works once, the old one never again.
	next, err := refresh(t.Context(), srv, cfg, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh did not rotate the refresh token")
	}
	if next.AccessToken == tok.AccessToken {
		t.Error("refresh returned the same access token")
	}
	if _, err := refresh(t.Context(), srv, cfg, tok.RefreshToken); errorCode(err) != "invalid_grant" {
		t.Errorf("reused refresh token: got %v, want invalid_grant", err)
	}
	third, err := refresh(t.Context(), srv, cfg, next.RefreshToken)
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}

	// Revoking the refresh token ends the session, access token included.
	revoke(t, srv, third.RefreshToken)
	if _, err := refresh(t.Context(), srv, cfg, third.RefreshToken); errorCode(err) != "invalid_grant" {
		t.Errorf("revoked refresh token: got %v, want invalid_grant", err)
	}
	if status, _ := userinfo(t, srv, third.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo after revocation: status %d, want 401", status)
	}

	wantCounts := map[string]int{
		cellsop.PathAuth:     1,
		cellsop.PathLogin:    2, // the form, then its submission
		cellsop.PathOOB:      1,
		cellsop.PathToken:    5, // exchange, refresh, reuse, refresh, refresh after revoke
		cellsop.PathJWKS:     1,
		cellsop.PathUserinfo: 2,
		cellsop.PathRevoke:   1,
	}
	for path, n := range wantCounts {
		if got := srv.Count(path); got != n {
			t.Errorf("Count(%s) = %d, want %d", path, got, n)
		}
	}
	if got := srv.Count(srv.URL + cellsop.PathToken); got != 5 {
		t.Errorf("Count(full token URL) = %d, want 5", got)
	}
	srv.ResetCounts()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("after ResetCounts, %d paths counted", n)
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := srv.OAuth2Config()
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-of-the-art", oauth2.S256ChallengeOption(verifier))
	res, err := browser.Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !jwePattern.MatchString(res.Code) {
		t.Errorf("code is not a five-part JWE")
	}
	if _, err := cfg.Exchange(t.Context(), res.Code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("first exchange: %v", err)
	}
	if _, err := cfg.Exchange(t.Context(), res.Code, oauth2.VerifierOption(verifier)); errorCode(err) != "invalid_grant" {
		t.Errorf("second exchange: got %v, want invalid_grant", err)
	}
}

func TestExchangeChecks(t *testing.T) {
	tests := []struct {
		name      string
		challenge bool
		opts      func(verifier string) []oauth2.AuthCodeOption
		redirect  string
		want      string
	}{
		{"wrong verifier", true, func(string) []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.VerifierOption(oauth2.GenerateVerifier())}
		}, "", "invalid_grant"},
		{"no verifier", true, func(string) []oauth2.AuthCodeOption { return nil }, "", "invalid_request"},
		{"no PKCE at all", false, func(string) []oauth2.AuthCodeOption { return nil }, "", "invalid_request"},
		{"other redirect URI", true, func(v string) []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.VerifierOption(v)}
		}, "/oauth/oob", "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, "/oauth/oob"}})
			cfg := srv.OAuth2Config()
			verifier := oauth2.GenerateVerifier()
			var opts []oauth2.AuthCodeOption
			if tt.challenge {
				opts = append(opts, oauth2.S256ChallengeOption(verifier))
			}
			res, err := browser.Authorize(t.Context(), cfg.AuthCodeURL("state-of-the-art", opts...), cellsop.Username, cellsop.Password)
			if err != nil {
				t.Fatal(err)
			}
			if tt.redirect != "" {
				cfg.RedirectURL = srv.URL + tt.redirect
			}
			_, err = cfg.Exchange(t.Context(), res.Code, tt.opts(verifier)...)
			if got := errorCode(err); got != tt.want {
				t.Errorf("exchange: got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestRedirectURIMustMatchExactly(t *testing.T) {
	srv := cellsop.NewTest(t)
	u, _ := url.Parse(srv.URL)
	tests := []struct {
		name, redirect string
	}{
		{"other path", srv.URL + "/oauth/oob"},
		{"trailing slash", srv.URL + "/oauth2/oob/"},
		{"other port", "http://" + u.Hostname() + ":1/oauth2/oob"},
		{"localhost for 127.0.0.1", "http://localhost:" + u.Port() + "/oauth2/oob"},
		{"https", "https://" + u.Host + "/oauth2/oob"},
		{"elsewhere", "https://attacker.example/oauth2/oob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.OAuth2Config()
			cfg.RedirectURL = tt.redirect
			authURL := cfg.AuthCodeURL("state-of-the-art", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			res, err := browser.Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
			if err == nil {
				t.Fatalf("signed in with redirect %s: %+v", tt.redirect, res)
			}
			if !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "redirect_uri") {
				t.Errorf("error %q does not say the redirect_uri was refused", err)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	tests := []struct {
		name        string
		scopes      []string
		wantRefresh bool
		wantScope   []string
	}{
		{"cells", cellsop.Scopes, true, []string{"openid", "email", "profile", "pydio", "offline", "offline_access"}},
		{"offline_access", []string{"openid", "offline_access"}, true, []string{"openid", "offline_access"}},
		{"no offline", []string{"openid", "profile"}, false, []string{"openid", "profile"}},
		{"unknown dropped", []string{"openid", "admin"}, false, []string{"openid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsop.NewTest(t)
			cfg := srv.OAuth2Config()
			cfg.Scopes = tt.scopes
			tok, _ := login(t, srv, cfg)
			if got := tok.RefreshToken != ""; got != tt.wantRefresh {
				t.Errorf("refresh token issued: %v, want %v", got, tt.wantRefresh)
			}
			scope, _ := tok.Extra("scope").(string)
			if got := strings.Fields(scope); !slices.Equal(got, tt.wantScope) {
				t.Errorf("granted scope %q, want %q", got, tt.wantScope)
			}
		})
	}
}

func TestProviderRefusals(t *testing.T) {
	tests := []struct {
		name      string
		state     string
		deny      bool
		wantError string
	}{
		{"short state", "short", false, "invalid_state"},
		{"person cancels", "state-of-the-art", true, "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsop.NewTest(t)
			authURL := srv.OAuth2Config().AuthCodeURL(tt.state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			var b browser.Browser
			var res browser.Result
			var err error
			if tt.deny {
				res, err = b.Deny(t.Context(), authURL)
			} else {
				res, err = b.Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Error != tt.wantError || res.ErrorDescription == "" || res.Code != "" {
				t.Errorf("got error %q (%q), code present %v; want %s", res.Error, res.ErrorDescription, res.Code != "", tt.wantError)
			}
			if res.State != tt.state {
				t.Errorf("state %q, want %q", res.State, tt.state)
			}
			if !strings.HasPrefix(res.RedirectURL, srv.RedirectURI()+"?") {
				t.Errorf("redirected to %s, want the OOB page", res.RedirectURL)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	srv := cellsop.NewTest(t)
	authURL := srv.OAuth2Config().AuthCodeURL("state-of-the-art", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	_, err := browser.Authorize(t.Context(), authURL, cellsop.Username, "not-the-password")
	if err == nil || !strings.Contains(err.Error(), "Wrong login or password") {
		t.Errorf("got %v, want the page's refusal", err)
	}
	if n := srv.Count(cellsop.PathOOB); n != 0 {
		t.Errorf("OOB page reached %d times", n)
	}
}

func TestRevokeAll(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := srv.OAuth2Config()
	tok, _ := login(t, srv, cfg)
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	if _, err := refresh(t.Context(), srv, cfg, tok.RefreshToken); errorCode(err) != "invalid_grant" {
		t.Errorf("refresh after RevokeAll: got %v, want invalid_grant", err)
	}
	for name, token := range map[string]string{"access token": tok.AccessToken, "personal token": pat} {
		if status, _ := userinfo(t, srv, token); status != http.StatusUnauthorized {
			t.Errorf("userinfo with %s after RevokeAll: %d, want 401", name, status)
		}
	}
}

func TestReuseRevokesSession(t *testing.T) {
	for _, revokes := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "ReuseRevokesSession"}[revokes], func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{ReuseRevokesSession: revokes})
			cfg := srv.OAuth2Config()
			tok, _ := login(t, srv, cfg)
			next, err := refresh(t.Context(), srv, cfg, tok.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := refresh(t.Context(), srv, cfg, tok.RefreshToken); errorCode(err) != "invalid_grant" {
				t.Fatalf("reuse: got %v, want invalid_grant", err)
			}
			_, err = refresh(t.Context(), srv, cfg, next.RefreshToken)
			if revoked := errorCode(err) == "invalid_grant"; revoked != revokes {
				t.Errorf("rotated token after reuse of its parent: err %v, want revoked=%v", err, revokes)
			}
		})
	}
}

// Many clients refreshing one token at once: exactly one wins, as Hydra
// behaves, which is why cells-oob must serialize its refreshes.
func TestConcurrentRefreshOneWins(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := srv.OAuth2Config()
	tok, _ := login(t, srv, cfg)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = refresh(t.Context(), srv, cfg, tok.RefreshToken)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errorCode(err) != "invalid_grant":
			t.Errorf("losing refresh: got %v, want invalid_grant", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d refreshes succeeded, want 1", ok)
	}
}

func TestAccessTokenExpires(t *testing.T) {
	const lifetime = 5 * time.Minute
	clock := cellsop.NewClock()
	srv := cellsop.NewTest(t, cellsop.Options{AccessTokenLifetime: lifetime, Now: clock.Now})
	tok, _ := login(t, srv, srv.OAuth2Config())
	if got := time.Until(tok.Expiry); got > lifetime || got < lifetime-time.Minute {
		t.Errorf("access token lives %v, want about %v", got, lifetime)
	}
	if status, _ := userinfo(t, srv, tok.AccessToken); status != http.StatusOK {
		t.Fatalf("fresh access token: userinfo %d", status)
	}
	clock.Advance(lifetime - time.Second)
	if status, _ := userinfo(t, srv, tok.AccessToken); status != http.StatusOK {
		t.Fatalf("access token a second before it expires: userinfo %d", status)
	}
	clock.Advance(2 * time.Second)
	if status, _ := userinfo(t, srv, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("expired access token: userinfo %d, want 401", status)
	}
}

func TestRefreshTokenExpires(t *testing.T) {
	const lifetime = 24 * time.Hour
	clock := cellsop.NewClock()
	srv := cellsop.NewTest(t, cellsop.Options{RefreshTokenLifetime: lifetime, Now: clock.Now})
	cfg := srv.OAuth2Config()
	tok, _ := login(t, srv, cfg)
	clock.Advance(lifetime - time.Second)
	next, err := refresh(t.Context(), srv, cfg, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh a second before the token expires: %v", err)
	}
	clock.Advance(lifetime + time.Second)
	if _, err := refresh(t.Context(), srv, cfg, next.RefreshToken); errorCode(err) != "invalid_grant" {
		t.Errorf("expired refresh token: got %v, want invalid_grant", err)
	}
}
