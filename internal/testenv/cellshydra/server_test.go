package cellshydra

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
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

// eachHydra runs test as a subtest for every Hydra the replica runs.
func eachHydra(t *testing.T, test func(t *testing.T, h Hydra)) {
	for _, h := range Hydras() {
		t.Run(h.String(), func(t *testing.T) { test(t, h) })
	}
}

// refusal is how a token endpoint refused a request: the status, the OAuth
// error code, and the end of the description, where fosite puts its
// specific hint after a generic sentence.
type refusal struct {
	status int
	code   string
	hint   string
}

// check fails the test unless err is that refusal.
func (want refusal) check(t *testing.T, what string, err error) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Errorf("%s: %v, want %d %s", what, err, want.status, want.code)
		return
	}
	if re.Response.StatusCode != want.status || re.ErrorCode != want.code || !strings.HasSuffix(re.ErrorDescription, want.hint) {
		t.Errorf("%s: %d %s %q, want %d %s ending %q", what, re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, want.status, want.code, want.hint)
	}
}

// fosite's sentences, as Hydra words its refusals.
const (
	// genericGrant opens every invalid_grant description.
	genericGrant     = "or was issued to another client."
	noPKCEData       = "Unable to find initial PKCE data tied to this request"
	pkceMismatch     = "The PKCE code challenge did not match the code verifier."
	refreshUsed      = "The refresh token was already used."
	refreshNotValid  = "The refresh token is malformed or not valid."
	inactiveSentence = "Token is inactive because it is malformed, expired or otherwise invalid. Token validation failed."
)

// TestStandardFlow signs in through the front of a Hydra that keeps PKCE
// and the nonce: one exchange with the verifier, Cells' claims in the ID
// token, Cells' lifetimes, opaque tokens.
func TestStandardFlow(t *testing.T) {
	eachHydra(t, func(t *testing.T, h Hydra) {
		s := NewTest(t, Options{Version: h, KeepPKCE: true, KeepNonce: true})
		if s.Hydra() != h {
			t.Errorf("the server runs Hydra %s, want %s", s.Hydra(), h)
		}
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
	})
}

// TestShapes pins what a code exchange meets in each of the four shapes,
// the fosite difference among them: behind a dropping front, fosite v0.44
// (Cells v5's Hydra) refuses a verifier as a mismatch and that spends the
// code, while fosite v0.49 (Hydra v2.3.0) refuses it for want of PKCE data
// and the same code then works without it; behind a passing front the
// verifier works on both, and a wrong one is refused in other words than
// the missing PKCE data. No shape puts a nonce in the ID token.
func TestShapes(t *testing.T) {
	for _, shape := range Shapes() {
		t.Run(shape.Name, func(t *testing.T) {
			s := NewTest(t, shape.Options)
			if shape.PKCE != s.opts.KeepPKCE {
				t.Errorf("the shape says PKCE %v, its front keeps it %v", shape.PKCE, s.opts.KeepPKCE)
			}
			verifier := oauth2.GenerateVerifier()
			res := signIn(t, s, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "nonce-of-the-test"))
			tok, err := exchange(s, res.Code, oauth2.VerifierOption(verifier))
			switch {
			case shape.PKCE:
				if err != nil {
					t.Fatalf("exchange with the verifier: %v", err)
				}
			case shape.VerifierSpendsCode:
				refusal{http.StatusBadRequest, "invalid_grant", pkceMismatch}.check(t, "exchange with a verifier", err)
				_, err = exchange(s, res.Code)
				refusal{http.StatusBadRequest, "invalid_grant", noPKCEData}.check(t, "the same code without the verifier", err)
				res = signIn(t, s, oauth2.SetAuthURLParam("nonce", "nonce-of-the-test"))
				if tok, err = exchange(s, res.Code); err != nil {
					t.Fatalf("a new code without PKCE: %v", err)
				}
			default:
				refusal{http.StatusBadRequest, "invalid_grant", noPKCEData}.check(t, "exchange with a verifier", err)
				if tok, err = exchange(s, res.Code); err != nil {
					t.Fatalf("the same code without the verifier: %v", err)
				}
			}
			wantExchanges := 1
			if !shape.PKCE {
				wantExchanges = 2
			}
			if shape.VerifierSpendsCode {
				wantExchanges = 3
			}
			if n := s.TokenRequests("authorization_code"); n != wantExchanges {
				t.Errorf("%d authorization_code requests, want %d", n, wantExchanges)
			}
			if c := idClaims(t, tok); c["nonce"] != nil || c["name"] != Username {
				t.Errorf("ID token nonce %v, name %v; want none and %s", c["nonce"], c["name"], Username)
			}

			if shape.PKCE {
				res = signIn(t, s, oauth2.S256ChallengeOption(verifier))
				_, err := exchange(s, res.Code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
				refusal{http.StatusBadRequest, "invalid_grant", pkceMismatch}.check(t, "a verifier that does not match", err)
			}
		})
	}
}

// TestRefreshAndRevoke pins the Cells facts the suite leans on, and how
// each Hydra words a dead refresh token: a refresh revokes the access
// token it replaces; a rotated refresh token is dead and reusing it kills
// the session; RevokeSession and revocation (RFC 7009) end everything.
func TestRefreshAndRevoke(t *testing.T) {
	// A dead refresh token, as each Hydra refuses it.
	type dead struct{ reused, afterReuse, afterRevokeSession, afterRevocation refusal }
	want := map[Hydra]dead{
		Hydra230: {
			reused:             refusal{http.StatusBadRequest, "invalid_grant", refreshUsed},
			afterReuse:         refusal{http.StatusBadRequest, "invalid_grant", refreshNotValid},
			afterRevokeSession: refusal{http.StatusBadRequest, "invalid_grant", refreshNotValid},
			afterRevocation:    refusal{http.StatusBadRequest, "invalid_grant", refreshNotValid},
		},
		HydraCellsV5: {
			reused:     refusal{http.StatusUnauthorized, "token_inactive", inactiveSentence},
			afterReuse: refusal{http.StatusUnauthorized, "token_inactive", inactiveSentence},
			// Only the generic sentence: fosite v0.44 gives no hint.
			afterRevokeSession: refusal{http.StatusBadRequest, "invalid_grant", genericGrant},
			afterRevocation:    refusal{http.StatusUnauthorized, "token_inactive", inactiveSentence},
		},
	}
	eachHydra(t, func(t *testing.T, h Hydra) {
		ctx := context.Background()
		want := want[h]
		s := NewTest(t, Options{Version: h})
		first := signInAndExchange(t, s)
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
		_, err = s.Refresh(ctx, first.RefreshToken)
		want.reused.check(t, "the rotated refresh token", err)
		// Reusing it revoked the whole session.
		_, err = s.Refresh(ctx, second.RefreshToken)
		want.afterReuse.check(t, "after a reuse, the newest refresh token", err)
		checkUserinfoRefuses(t, s, "after a reuse, the newest access token", second.AccessToken)

		third := signInAndExchange(t, s)
		if err := s.RevokeSession(ctx); err != nil {
			t.Fatal(err)
		}
		checkUserinfoRefuses(t, s, "the access token after RevokeSession", third.AccessToken)
		_, err = s.Refresh(ctx, third.RefreshToken)
		want.afterRevokeSession.check(t, "the refresh token after RevokeSession", err)
		revoke(t, s, "a refresh token revoked by RevokeSession", third.RefreshToken)

		fourth := signInAndExchange(t, s)
		revoke(t, s, "a live refresh token", fourth.RefreshToken)
		revoke(t, s, "the same token again", fourth.RefreshToken)
		revoke(t, s, "a token the server never issued", "ory_rt_never-issued")
		checkUserinfoRefuses(t, s, "the access token after revoking its refresh token", fourth.AccessToken)
		_, err = s.Refresh(ctx, fourth.RefreshToken)
		want.afterRevocation.check(t, "a revoked refresh token", err)
	})
}

func signInAndExchange(t *testing.T, s *Server) *oauth2.Token {
	t.Helper()
	tok, err := exchange(s, signIn(t, s).Code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// checkUserinfoRefuses fails the test unless userinfo answers the access
// token as both Hydras answer one that is not good (any more): 401 with
// request_unauthorized in the body and in WWW-Authenticate.
func checkUserinfoRefuses(t *testing.T, s *Server, what, accessToken string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+cellspage.PathUserinfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		t.Errorf("userinfo, %s: %v", what, err)
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || body.Error != "request_unauthorized" || !strings.HasPrefix(challenge, `Bearer error="request_unauthorized"`) {
		t.Errorf("userinfo, %s: %s, error %q, WWW-Authenticate %q; want 401 request_unauthorized", what, resp.Status, body.Error, challenge)
	}
}

// revoke asks the revocation endpoint (RFC 7009) to revoke token, as a
// public client does, and fails the test unless it answers as both Hydras
// answer any token, live, dead or unknown: 200 with an empty body.
func revoke(t *testing.T, s *Server, what, token string) {
	t.Helper()
	resp, err := s.Client().PostForm(s.URL+cellspage.PathRevoke, url.Values{"token": {token}, "client_id": {ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK || len(bytes.TrimSpace(body)) != 0 {
		t.Errorf("revoking %s: %s %q, want 200 and no body", what, resp.Status, body)
	}
}

// TestFrontPages covers the front's own pages on every Hydra: discovery
// under /oidc, a wrong password, Cancel, and the out-of-band page's error.
func TestFrontPages(t *testing.T) {
	eachHydra(t, testFrontPages)
}

func testFrontPages(t *testing.T, h Hydra) {
	ctx := context.Background()
	s := NewTest(t, Options{Version: h})
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
