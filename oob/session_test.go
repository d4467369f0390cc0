package oob

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/browser"
	"github.com/cells-oob/cells-oob/internal/cellsop"
	"github.com/cells-oob/cells-oob/internal/jwttest"
)

// signIn does the out-of-band code flow against srv the way login does,
// with x/oauth2 and the test browser, and returns the profile login would
// save.
func signIn(t *testing.T, srv *cellsop.Server) *Profile {
	t.Helper()
	ctx := t.Context()
	disc, err := discover(ctx, srv.Client(), srv.Issuer())
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	p := &Profile{
		Server:      srv.URL,
		Issuer:      disc.Issuer,
		ClientID:    cellsop.ClientID,
		RedirectURI: srv.RedirectURI(),
		Scopes:      cellsop.Scopes,
		Endpoints:   disc.Endpoints(),
		User: User{
			Subject:           cellsop.UserID,
			PreferredUsername: cellsop.Username,
			Name:              cellsop.UserName,
			Email:             cellsop.UserEmail,
		},
	}
	conf := p.oauth2Config()
	verifier := oauth2.GenerateVerifier()
	state := oauth2.GenerateVerifier()[:24]
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err != nil || res.Code == "" {
		t.Fatalf("sign in: %v (provider error %q)", err, res.Error)
	}
	tok, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()), res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if p.Token, err = serverToken(tok, p.Endpoints.Token, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p.Token.RefreshToken == "" || p.Token.IDToken == "" {
		t.Fatal("the provider granted no refresh token or no ID token")
	}
	return p
}

// saved puts p into a new config file as its current profile "me".
func saved(t *testing.T, p *Profile) *Store {
	t.Helper()
	s := &Store{Path: filepath.Join(t.TempDir(), "cells-oob", "config.json")}
	err := s.Update(t.Context(), func(c *Config) error {
		c.Put("me", p, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expire rewrites the stored access token's expiry to at, as if time had
// passed; the server's own idea of the token does not change.
func expire(t *testing.T, s *Store, at time.Time) {
	t.Helper()
	err := s.Update(t.Context(), func(c *Config) error {
		c.Profiles["me"].Token.Expiry = at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func stored(t *testing.T, s *Store) *Profile {
	t.Helper()
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Profiles["me"]
}

func clientOf(srv *cellsop.Server) func(TLS) (*http.Client, error) {
	return func(TLS) (*http.Client, error) { return srv.Client(), nil }
}

// noClient fails the test if the session builds an HTTP client at all.
func noClient(t *testing.T) func(TLS) (*http.Client, error) {
	return func(TLS) (*http.Client, error) {
		t.Errorf("the session built an HTTP client")
		return nil, errors.New("no network in this test")
	}
}

// accepted says whether srv's userinfo takes the access token.
func accepted(t *testing.T, srv *cellsop.Server, token string) bool {
	t.Helper()
	_, err := FetchUserInfo(t.Context(), srv.Client(), srv.URL+cellsop.PathUserinfo, token)
	if err != nil && !errors.Is(err, ErrInvalid) {
		t.Fatalf("userinfo: %v", err)
	}
	return err == nil
}

// spend tries a refresh token directly, as a thief would.
func spend(t *testing.T, srv *cellsop.Server, refreshToken string) error {
	t.Helper()
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
	_, err := srv.OAuth2Config().TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	return err
}

func TestSessionTokenCachedNeedsNoNetwork(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	st := saved(t, p)
	srv.ResetCounts()
	for _, opts := range []TokenOptions{
		{MinValid: time.Minute},
		{MinValid: 10 * time.Minute, IDToken: true},
		{MinValid: time.Minute, NoRefresh: true},
	} {
		s := &Session{Store: st, HTTPClient: noClient(t)}
		name, got, err := s.Token(t.Context(), opts)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if name != "me" || got.Token.AccessToken != p.Token.AccessToken || got.Token.IDToken != p.Token.IDToken {
			t.Errorf("%+v: got profile %q with other tokens than the stored ones", opts, name)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("a cached token made requests: %v", srv.Requests())
	}
}

func TestSessionTokenRefreshesAndRotates(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	// Three of its five minutes have gone by.
	p.Token.Expiry = time.Now().Add(2 * time.Minute)
	st := saved(t, p)
	srv.ResetCounts()
	var warn bytes.Buffer
	s := &Session{Store: st, HTTPClient: clientOf(srv), Warn: &warn}

	// The provider's tokens live 5 minutes: 10 cannot be had, and the
	// fresh token is the best there is.
	_, got, err := s.Token(t.Context(), TokenOptions{MinValid: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if got.Token.AccessToken == p.Token.AccessToken {
		t.Error("the access token did not change")
	}
	if !accepted(t, srv, got.Token.AccessToken) {
		t.Error("userinfo refuses the new access token")
	}
	if !strings.Contains(warn.String(), "sooner than the 10m asked for") {
		t.Errorf("no note that the server grants less than asked; stderr: %q", warn.String())
	}
	if strings.Contains(warn.String(), got.Token.AccessToken) {
		t.Error("the note shows the token")
	}

	again := stored(t, st)
	if again.Token.AccessToken != got.Token.AccessToken {
		t.Error("the new access token was not saved")
	}
	if again.Token.RefreshToken == p.Token.RefreshToken || again.Token.RefreshToken == "" {
		t.Error("the rotated refresh token was not saved")
	}
	if again.Token.IDToken == p.Token.IDToken {
		t.Error("the new ID token was not saved")
	}
	if !again.Token.Expiry.After(time.Now().Add(4 * time.Minute)) {
		t.Errorf("saved expiry %v is not the new token's", again.Token.Expiry)
	}
	if l := again.Token.Lifetime; l < 290 || l > 300 {
		t.Errorf("saved lifetime %ds, want the 300 or so the server granted", l)
	}

	// The new token is as fresh as a refresh would make it: asking again
	// refreshes nothing, and so kills no token already handed out.
	_, same, err := s.Token(t.Context(), TokenOptions{MinValid: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 || same.Token.AccessToken != got.Token.AccessToken {
		t.Errorf("asking again made %d token requests in all, want 1, and the same token", n)
	}

	if err := spend(t, srv, p.Token.RefreshToken); !isInvalidGrant(err) {
		t.Errorf("the spent refresh token still works or fails oddly: %v", err)
	}

	// The saved refresh token is the live one: a forced refresh works.
	_, forced, err := s.Refresh(t.Context())
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if forced.Token.RefreshToken == again.Token.RefreshToken || !accepted(t, srv, forced.Token.AccessToken) {
		t.Error("the second refresh did not rotate, or its token is refused")
	}
}

func TestSessionTokenNotValidLongEnough(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	past := time.Now().Add(-3 * time.Minute)

	tests := []struct {
		name    string
		change  func(*Profile)
		opts    TokenOptions
		want    error
		message string
	}{
		{"no refresh", nil, TokenOptions{MinValid: 10 * time.Minute, NoRefresh: true}, ErrExpired, "expires in 4m, sooner than the 10m asked for"},
		{"expired, no refresh", func(p *Profile) { p.Token.Expiry = past }, TokenOptions{NoRefresh: true}, ErrExpired, "expired 3m ago"},
		{"expired, no refresh token", func(p *Profile) {
			p.Token.Expiry = past
			p.Token.RefreshToken = ""
		}, TokenOptions{MinValid: time.Minute}, ErrSessionExpired, "holds no refresh token"},
		{"no ID token", func(p *Profile) { p.Token.IDToken = "" }, TokenOptions{IDToken: true}, ErrNotLoggedIn, "holds no ID token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			if tt.change != nil {
				tt.change(&q)
			}
			st := saved(t, &q)
			before, err := os.ReadFile(st.Path)
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetCounts()
			s := &Session{Store: st, HTTPClient: clientOf(srv)}
			_, _, err = s.Token(t.Context(), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if strings.Contains(err.Error(), q.Token.AccessToken) {
				t.Error("the error shows the token")
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("requests were made: %v", srv.Requests())
			}
			after, _ := os.ReadFile(st.Path)
			if !bytes.Equal(before, after) {
				t.Error("the config changed")
			}
		})
	}
}

func TestSessionExpiredRefreshToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	st := saved(t, signIn(t, srv))
	expire(t, st, time.Now().Add(-time.Minute))
	before, err := os.ReadFile(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	s := &Session{Store: st, HTTPClient: clientOf(srv)}
	for name, call := range map[string]func() error{
		"token":   func() error { _, _, err := s.Token(t.Context(), TokenOptions{MinValid: time.Minute}); return err },
		"refresh": func() error { _, _, err := s.Refresh(t.Context()); return err },
	} {
		err := call()
		if !errors.Is(err, ErrSessionExpired) {
			t.Errorf("%s: got %v, want ErrSessionExpired", name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "invalid_grant") || !strings.HasSuffix(msg, "session expired") || strings.Contains(msg, "cells-oob") {
			t.Errorf("%s: error %q should name the refusal and say the session expired, in the library's words", name, msg)
		}
	}
	after, _ := os.ReadFile(st.Path)
	if !bytes.Equal(before, after) {
		t.Error("a failed refresh changed the config")
	}
}

func TestSessionPersonalAccessTokenNeverExpires(t *testing.T) {
	srv := cellsop.NewTest(t)
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	st := saved(t, &Profile{Issuer: srv.Issuer(), ClientID: cellsop.ClientID, Token: Token{AccessToken: pat, TokenType: "Bearer"}})
	s := &Session{Store: st, HTTPClient: noClient(t)}
	_, got, err := s.Token(t.Context(), TokenOptions{MinValid: 24 * time.Hour})
	if err != nil || got.Token.AccessToken != pat {
		t.Fatalf("a token without expiry is not handed out: %v", err)
	}
	if _, _, err := s.Refresh(t.Context()); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("refresh without a refresh token: got %v, want ErrSessionExpired", err)
	}
}

func TestSessionIDToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	st := saved(t, p)
	var warn bytes.Buffer
	// Half an hour later, ID tokens living an hour there: two hours asks
	// for a refresh, which brings a new one, and a note.
	later := func() time.Time { return time.Now().Add(30 * time.Minute) }
	s := &Session{Store: st, HTTPClient: clientOf(srv), Warn: &warn, Now: later}
	_, got, err := s.Token(t.Context(), TokenOptions{MinValid: 2 * time.Hour, IDToken: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.IDToken == p.Token.IDToken || got.IDTokenExpiry().Before(time.Now().Add(50*time.Minute)) {
		t.Error("the ID token was not renewed")
	}
	if !strings.Contains(warn.String(), "sooner than the 2h asked for") {
		t.Errorf("no note; stderr %q", warn.String())
	}
}

func TestSessionNoProfile(t *testing.T) {
	st := &Store{Path: filepath.Join(t.TempDir(), "none.json")}
	for _, profile := range []string{"", "other"} {
		s := &Session{Store: st, Profile: profile, HTTPClient: noClient(t)}
		if _, _, err := s.Token(t.Context(), TokenOptions{}); !errors.Is(err, ErrNotLoggedIn) {
			t.Errorf("token, profile %q: got %v, want ErrNotLoggedIn", profile, err)
		}
		if _, _, err := s.Refresh(t.Context()); !errors.Is(err, ErrNotLoggedIn) {
			t.Errorf("refresh, profile %q: got %v, want ErrNotLoggedIn", profile, err)
		}
	}
	if _, err := os.Stat(st.Path); err == nil {
		t.Error("a failed call created the config")
	}
}

func TestSessionServerDown(t *testing.T) {
	srv := cellsop.NewTest(t)
	st := saved(t, signIn(t, srv))
	expire(t, st, time.Now().Add(-time.Minute))
	srv.Close()
	s := &Session{Store: st, HTTPClient: clientOf(srv)}
	_, _, err := s.Token(t.Context(), TokenOptions{})
	if err == nil || errors.Is(err, ErrSessionExpired) || errors.Is(err, ErrExpired) || errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want a plain network error", err)
	}
	if !strings.Contains(err.Error(), "cannot reach "+srv.URL) {
		t.Errorf("error %q does not say which server could not be reached", err)
	}
}

// TestSessionRace has goroutines race, each with its own Session as
// separate processes would, on a token about to expire: one refresh between
// them, and all hand out the same new token.
func TestSessionRace(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{AccessTokenLifetime: time.Hour})
	st := saved(t, signIn(t, srv))
	expire(t, st, time.Now().Add(2*time.Minute))
	srv.ResetCounts()

	const n = 8
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := &Session{Store: &Store{Path: st.Path}, HTTPClient: clientOf(srv)}
			_, p, err := s.Token(t.Context(), TokenOptions{MinValid: 10 * time.Minute})
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			tokens[i] = p.Token.AccessToken
		})
	}
	wg.Wait()
	if got := srv.Count(cellsop.PathToken); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
	for i, tok := range tokens {
		if tok != tokens[0] {
			t.Errorf("session %d got another token than session 0", i)
		}
	}
	if tok := stored(t, st).Token.AccessToken; tok != tokens[0] {
		t.Error("the config holds another token than the one handed out")
	}
	s := &Session{Store: st, HTTPClient: clientOf(srv)}
	if _, _, err := s.Refresh(t.Context()); err != nil {
		t.Errorf("refresh after the race: %v", err)
	}
}

// TestSessionTakesTokenRefreshedWhileWaiting pins the rule that keeps
// racing processes to one refresh even when the server's tokens live less
// long than asked: a token that changed while this process waited for the
// lock was just refreshed, and refreshing again would not make it last.
func TestSessionTakesTokenRefreshedWhileWaiting(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	p.Token.Expiry = time.Now().Add(2 * time.Minute)
	st := saved(t, p)
	srv.ResetCounts()

	lock := flock.New(st.Path + ".lock")
	if err := lock.Lock(); err != nil {
		t.Fatal(err)
	}
	loaded := make(chan struct{})
	var once sync.Once
	var warn bytes.Buffer
	s := &Session{Store: &Store{Path: st.Path}, HTTPClient: clientOf(srv), Warn: &warn, Now: func() time.Time {
		once.Do(func() { close(loaded) })
		return time.Now()
	}}
	type result struct {
		p   *Profile
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, got, err := s.Token(t.Context(), TokenOptions{MinValid: 10 * time.Minute})
		done <- result{got, err}
	}()

	// The session has read the config and found the token too short; now
	// "another process" refreshes while holding the lock.
	<-loaded
	other := *p
	other.Token.AccessToken = "refreshed-by-another-process"
	other.Token.Expiry = time.Now().Add(5 * time.Minute)
	c := emptyConfig()
	c.Put("me", &other, true)
	data, err := encodeConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.replace(t.Context(), data); err != nil {
		t.Fatal(err)
	}
	lock.Unlock()

	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.p.Token.AccessToken != other.Token.AccessToken {
		t.Error("the session did not take the token refreshed while it waited")
	}
	if n := srv.Count(cellsop.PathToken); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}
	if !strings.Contains(warn.String(), "sooner than the 10m asked for") {
		t.Errorf("no note; stderr %q", warn.String())
	}
}

func TestCheckIDToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(p.Token.IDToken, claims); err != nil {
		t.Fatal(err)
	}
	stranger, err := jwttest.NewRSA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	signedBy := func(k *jwttest.Key, change func(jwt.MapClaims)) string {
		c := jwt.MapClaims{}
		maps.Copy(c, claims)
		if change != nil {
			change(c)
		}
		raw, err := k.Sign(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hmac, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("synthetic-secret"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*Profile)
		raw    string
		want   string // in the error; empty for none
	}{
		{"same", nil, p.Token.IDToken, ""},
		{"issuer without slash", func(p *Profile) { p.Issuer = strings.TrimSuffix(p.Issuer, "/") }, p.Token.IDToken, ""},
		{"other user", func(p *Profile) { p.User.Subject = "someone-else" }, p.Token.IDToken, "another user"},
		{"other issuer", func(p *Profile) { p.Issuer = "https://elsewhere.example/oidc/" }, p.Token.IDToken, "issuer"},
		{"other audience", func(p *Profile) { p.ClientID = "other-client" }, p.Token.IDToken, "audience"},
		{"not a JWT", nil, "ory_at_opaque", ""},
		{"alg none", nil, unsigned, ""},
		{"HMAC", nil, hmac, ""},
		{"unknown key", nil, signedBy(stranger, nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			if tt.change != nil {
				tt.change(&q)
			}
			srv.ResetCounts()
			s := &Session{}
			doc, err := s.checkIDToken(t.Context(), srv.Client(), &q, tt.raw)
			good := tt.raw == p.Token.IDToken && tt.want == ""
			switch {
			case good && err != nil:
				t.Errorf("got %v, want nil", err)
			case good && len(doc) == 0:
				t.Error("no JWKS document returned to keep")
			case !good && err == nil:
				t.Error("accepted")
			case !good && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			// A profile without kept keys fetches them once; an unknown
			// key sends for them once more, and no further.
			want := 1
			if tt.name == "unknown key" {
				want = 2
			}
			if n := srv.Count(cellsop.PathJWKS); tt.raw != "ory_at_opaque" && n != want {
				t.Errorf("%d JWKS requests, want %d", n, want)
			}
		})
	}

	// Keys kept from login are used as they are: no request.
	kept := *p
	kept.SigningKeys, err = FetchJWKS(t.Context(), srv.Client(), p.Endpoints.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	if _, err := (&Session{}).checkIDToken(t.Context(), srv.Client(), &kept, p.Token.IDToken); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathJWKS); n != 0 {
		t.Errorf("%d JWKS requests with the keys kept, want 0", n)
	}
}
