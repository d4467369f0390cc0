package cellshydra

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/browser"
	"github.com/cells-oob/cells-oob/internal/cellspage"
)

// signIn opens an authorization URL for cells-client with the extra
// parameters and plays the person through the front's pages.
func signIn(t *testing.T, s *Server, opts ...oauth2.AuthCodeOption) browser.Result {
	t.Helper()
	res, err := browser.Authorize(context.Background(), s.OAuth2Config().AuthCodeURL("state-of-the-test", opts...), Username, Password)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if res.Code == "" {
		t.Fatalf("the out-of-band page shows no code: %s: %s", res.Error, res.ErrorDescription)
	}
	if res.State != "state-of-the-test" {
		t.Errorf("state %q came back", res.State)
	}
	return res
}

func exchange(s *Server, code string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client())
	return s.OAuth2Config().Exchange(ctx, code, opts...)
}

// idClaims reads the ID token's claims without checking it: the point here
// is what Hydra put in.
func idClaims(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("the ID token has %d parts", len(parts))
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(data, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestStandardFlow signs in through the front of a Hydra that keeps PKCE
// and the nonce: one exchange with the verifier, Cells' claims in the ID
// token, Cells' lifetimes, opaque tokens.
func TestStandardFlow(t *testing.T) {
	s := NewTest(t, Options{KeepPKCE: true, KeepNonce: true})
	verifier := oauth2.GenerateVerifier()
	res := signIn(t, s, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "nonce-of-the-test"))
	if !strings.HasPrefix(res.RedirectURL, s.RedirectURI()+"?") {
		t.Errorf("redirected to %s, want the out-of-band page", res.RedirectURL)
	}
	tok, err := exchange(s, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if n := s.TokenRequests("authorization_code"); n != 1 {
		t.Errorf("%d authorization_code requests, want 1", n)
	}
	if !strings.HasPrefix(tok.AccessToken, "ory_at_") || !strings.HasPrefix(tok.RefreshToken, "ory_rt_") {
		t.Error("the tokens are not Hydra's opaque ones")
	}
	if tok.ExpiresIn <= 0 || tok.ExpiresIn > int64(AccessTokenLifetime/time.Second) || tok.ExpiresIn < int64(AccessTokenLifetime/time.Second)-60 {
		t.Errorf("expires_in %d, want about %d", tok.ExpiresIn, int64(AccessTokenLifetime/time.Second))
	}
	c := idClaims(t, tok)
	want := map[string]any{"iss": s.Issuer(), "sub": Subject, "name": Username, "email": Email, "authSource": AuthSource, "nonce": "nonce-of-the-test"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("ID token %s = %v, want %v", k, c[k], v)
		}
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); time.Duration(exp-iat)*time.Second != IDTokenLifetime {
		t.Errorf("the ID token lives %v, want %v", time.Duration(exp-iat)*time.Second, IDTokenLifetime)
	}
	if ok, err := s.Accepts(context.Background(), tok.AccessToken); err != nil || !ok {
		t.Errorf("userinfo refuses the new access token (%v)", err)
	}
}

// TestCellsDropsPKCEAndNonce: with Cells' behaviour the code carries no
// challenge, so a verifier draws fosite's "Unable to find initial PKCE
// data", without spending the code; the ID token has no nonce.
func TestCellsDropsPKCEAndNonce(t *testing.T) {
	s := NewTest(t)
	verifier := oauth2.GenerateVerifier()
	res := signIn(t, s, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "nonce-of-the-test"))
	_, err := exchange(s, res.Code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || !strings.Contains(re.ErrorDescription, "Unable to find initial PKCE data") {
		t.Fatalf("exchange with a verifier: %v; want invalid_grant for want of PKCE data", err)
	}
	tok, err := exchange(s, res.Code)
	if err != nil {
		t.Fatalf("the same code without the verifier: %v", err)
	}
	if n := s.TokenRequests("authorization_code"); n != 2 {
		t.Errorf("%d authorization_code requests, want 2", n)
	}
	if c := idClaims(t, tok); c["nonce"] != nil || c["name"] != Username {
		t.Errorf("ID token nonce %v, name %v; want none and %s", c["nonce"], c["name"], Username)
	}
}

// TestKeepPKCEOnly: with the challenge kept, a verifier that does not
// match is refused in other words than Cells' missing PKCE data, so a
// client that retries only on those never retries it; the nonce is dropped
// alone.
func TestKeepPKCEOnly(t *testing.T) {
	s := NewTest(t, Options{KeepPKCE: true})
	verifier := oauth2.GenerateVerifier()
	res := signIn(t, s, oauth2.S256ChallengeOption(verifier))
	_, err := exchange(s, res.Code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || strings.Contains(re.ErrorDescription, "Unable to find initial PKCE data") {
		t.Errorf("a verifier that does not match: %v; want invalid_grant, not for want of PKCE data", err)
	}

	res = signIn(t, s, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "nonce-of-the-test"))
	tok, err := exchange(s, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if c := idClaims(t, tok); c["nonce"] != nil {
		t.Errorf("ID token nonce %v, want none", c["nonce"])
	}
}

// TestRefreshAndRevoke pins the Cells facts the suite leans on: a refresh
// revokes the access token it replaces; a rotated refresh token is dead;
// RevokeSession ends everything.
func TestRefreshAndRevoke(t *testing.T) {
	ctx := context.Background()
	s := NewTest(t)
	res := signIn(t, s)
	first, err := exchange(s, res.Code)
	if err != nil {
		t.Fatal(err)
	}
	s.ResetCounts()
	second, err := s.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if n := s.TokenRequests("refresh_token"); n != 1 || s.Count(cellspage.PathToken) != 1 {
		t.Errorf("%d refresh_token requests of %d, want 1 of 1", n, s.Count(cellspage.PathToken))
	}
	if ok, _ := s.Accepts(ctx, first.AccessToken); ok {
		t.Error("the replaced access token still passes userinfo")
	}
	if ok, _ := s.Accepts(ctx, second.AccessToken); !ok {
		t.Error("the new access token fails userinfo")
	}
	if _, err := s.Refresh(ctx, first.RefreshToken); !isInvalidGrant(err) {
		t.Errorf("the rotated refresh token: %v, want invalid_grant", err)
	}
	// Reusing it revoked the whole session.
	if _, err := s.Refresh(ctx, second.RefreshToken); !isInvalidGrant(err) {
		t.Errorf("after a reuse, the newest refresh token: %v, want invalid_grant", err)
	}

	res = signIn(t, s)
	third, err := exchange(s, res.Code)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Accepts(ctx, third.AccessToken); ok {
		t.Error("the access token passes userinfo after RevokeSession")
	}
	if _, err := s.Refresh(ctx, third.RefreshToken); !isInvalidGrant(err) {
		t.Errorf("the refresh token after RevokeSession: %v, want invalid_grant", err)
	}
}

func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// TestFrontPages covers the front's own pages: discovery under /oidc, a
// wrong password, Cancel, and the out-of-band page's error.
func TestFrontPages(t *testing.T) {
	ctx := context.Background()
	s := NewTest(t)
	resp, err := s.Client().Get(s.URL + cellspage.PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&disc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":                 s.Issuer(),
		"authorization_endpoint": s.URL + cellspage.PathAuth,
		"token_endpoint":         s.URL + cellspage.PathToken,
		"userinfo_endpoint":      s.URL + cellspage.PathUserinfo,
		"revocation_endpoint":    s.URL + cellspage.PathRevoke,
		"jwks_uri":               s.URL + cellspage.PathJWKS,
	} {
		if disc[k] != want {
			t.Errorf("discovery %s = %v, want %s", k, disc[k], want)
		}
	}

	authURL := s.OAuth2Config().AuthCodeURL("state-of-the-test")
	if _, err := browser.Authorize(ctx, authURL, Username, "not-the-password"); err == nil || !strings.Contains(err.Error(), "Wrong login or password") {
		t.Errorf("a wrong password: %v", err)
	}
	var b browser.Browser
	res, err := b.Deny(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "access_denied" || res.Code != "" || !strings.HasPrefix(res.RedirectURL, s.RedirectURI()+"?") {
		t.Errorf("Cancel: error %q, code set %v, at %s", res.Error, res.Code != "", res.RedirectURL)
	}

	resp, err = s.Client().Get(s.RedirectURI() + "?error=access_denied&error_description=No+%3Cb%3Eway%3C%2Fb%3E")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<code id="error">access_denied</code>`) || !strings.Contains(string(page), "No &lt;b&gt;way&lt;/b&gt;") {
		t.Errorf("the out-of-band page for an error (status %d):\n%s", resp.StatusCode, page)
	}
}
