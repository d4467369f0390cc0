package oob

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
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
			doc, err := s.checkIDToken(t.Context(), srv.Client(), &ServerClock{}, &q, tt.raw)
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
	if _, err := (&Session{}).checkIDToken(t.Context(), srv.Client(), &ServerClock{}, &kept, p.Token.IDToken); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathJWKS); n != 0 {
		t.Errorf("%d JWKS requests with the keys kept, want 0", n)
	}
}
