package oob_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

// The tests of a Session here need no more than oob's exported API: they
// sign in through the real Flow with oobtest. Those that reach inside the
// package are in session_test.go.

func TestSessionTokenCachedNeedsNoNetwork(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	srv.ResetCounts()
	for _, opts := range []oob.TokenOptions{
		{MinValid: time.Minute},
		{MinValid: 10 * time.Minute, IDToken: true},
		{MinValid: time.Minute, NoRefresh: true},
	} {
		s := &oob.Session{Store: st, HTTPClient: oobtest.NoClient(t)}
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
	p := oobtest.SignIn(t, srv)
	// Three of its five minutes have gone by.
	p.Token.Expiry = time.Now().Add(2 * time.Minute)
	st := oobtest.Saved(t, p)
	srv.ResetCounts()
	var warn bytes.Buffer
	s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv), Warn: &warn}

	// The provider's tokens live 5 minutes: 10 cannot be had, and the
	// fresh token is the best there is.
	_, got, err := s.Token(t.Context(), oob.TokenOptions{MinValid: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if got.Token.AccessToken == p.Token.AccessToken {
		t.Error("the access token did not change")
	}
	if !oobtest.Accepted(t, srv, got.Token.AccessToken) {
		t.Error("userinfo refuses the new access token")
	}
	if !strings.Contains(warn.String(), "sooner than the 10m asked for") {
		t.Errorf("no note that the server grants less than asked; stderr: %q", warn.String())
	}
	if strings.Contains(warn.String(), got.Token.AccessToken) {
		t.Error("the note shows the token")
	}

	again := oobtest.Stored(t, st)
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
	_, same, err := s.Token(t.Context(), oob.TokenOptions{MinValid: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 || same.Token.AccessToken != got.Token.AccessToken {
		t.Errorf("asking again made %d token requests in all, want 1, and the same token", n)
	}

	if err := oobtest.Spend(t, srv, p.Token.RefreshToken); !oobtest.InvalidGrant(err) {
		t.Errorf("the spent refresh token still works or fails oddly: %v", err)
	}

	// The saved refresh token is the live one: a forced refresh works.
	_, forced, err := s.Refresh(t.Context())
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if forced.Token.RefreshToken == again.Token.RefreshToken || !oobtest.Accepted(t, srv, forced.Token.AccessToken) {
		t.Error("the second refresh did not rotate, or its token is refused")
	}
}

func TestSessionTokenNotValidLongEnough(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	past := time.Now().Add(-3 * time.Minute)

	tests := []struct {
		name    string
		change  func(*oob.Profile)
		opts    oob.TokenOptions
		want    error
		message string
	}{
		{"no refresh", nil, oob.TokenOptions{MinValid: 10 * time.Minute, NoRefresh: true}, oob.ErrExpired, "expires in 4m, sooner than the 10m asked for"},
		{"expired, no refresh", func(p *oob.Profile) { p.Token.Expiry = past }, oob.TokenOptions{NoRefresh: true}, oob.ErrExpired, "expired 3m ago"},
		{"expired, no refresh token", func(p *oob.Profile) {
			p.Token.Expiry = past
			p.Token.RefreshToken = ""
		}, oob.TokenOptions{MinValid: time.Minute}, oob.ErrSessionExpired, "holds no refresh token"},
		{"no ID token", func(p *oob.Profile) { p.Token.IDToken = "" }, oob.TokenOptions{IDToken: true}, oob.ErrNotLoggedIn, "holds no ID token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			if tt.change != nil {
				tt.change(&q)
			}
			st := oobtest.Saved(t, &q)
			before, err := os.ReadFile(st.Path)
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetCounts()
			s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}
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
	st := oobtest.Saved(t, oobtest.SignIn(t, srv))
	oobtest.Expire(t, st, time.Now().Add(-time.Minute))
	before, err := os.ReadFile(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}
	for name, call := range map[string]func() error{
		"token":   func() error { _, _, err := s.Token(t.Context(), oob.TokenOptions{MinValid: time.Minute}); return err },
		"refresh": func() error { _, _, err := s.Refresh(t.Context()); return err },
	} {
		err := call()
		if !errors.Is(err, oob.ErrSessionExpired) {
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
	st := oobtest.Saved(t, &oob.Profile{Issuer: srv.Issuer(), ClientID: cellsop.ClientID, Token: oob.Token{AccessToken: pat, TokenType: "Bearer"}})
	s := &oob.Session{Store: st, HTTPClient: oobtest.NoClient(t)}
	_, got, err := s.Token(t.Context(), oob.TokenOptions{MinValid: 24 * time.Hour})
	if err != nil || got.Token.AccessToken != pat {
		t.Fatalf("a token without expiry is not handed out: %v", err)
	}
	if _, _, err := s.Refresh(t.Context()); !errors.Is(err, oob.ErrSessionExpired) {
		t.Errorf("refresh without a refresh token: got %v, want ErrSessionExpired", err)
	}
}

func TestSessionIDToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	var warn bytes.Buffer
	// Half an hour later, ID tokens living an hour there: two hours asks
	// for a refresh, which brings a new one, and a note.
	later := func() time.Time { return time.Now().Add(30 * time.Minute) }
	s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv), Warn: &warn, Now: later}
	_, got, err := s.Token(t.Context(), oob.TokenOptions{MinValid: 2 * time.Hour, IDToken: true})
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
	st := &oob.Store{Path: filepath.Join(t.TempDir(), "none.json")}
	for _, profile := range []string{"", "other"} {
		s := &oob.Session{Store: st, Profile: profile, HTTPClient: oobtest.NoClient(t)}
		if _, _, err := s.Token(t.Context(), oob.TokenOptions{}); !errors.Is(err, oob.ErrNotLoggedIn) {
			t.Errorf("token, profile %q: got %v, want ErrNotLoggedIn", profile, err)
		}
		if _, _, err := s.Refresh(t.Context()); !errors.Is(err, oob.ErrNotLoggedIn) {
			t.Errorf("refresh, profile %q: got %v, want ErrNotLoggedIn", profile, err)
		}
	}
	if _, err := os.Stat(st.Path); err == nil {
		t.Error("a failed call created the config")
	}
}

func TestSessionServerDown(t *testing.T) {
	srv := cellsop.NewTest(t)
	st := oobtest.Saved(t, oobtest.SignIn(t, srv))
	oobtest.Expire(t, st, time.Now().Add(-time.Minute))
	srv.Close()
	s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}
	_, _, err := s.Token(t.Context(), oob.TokenOptions{})
	if err == nil || errors.Is(err, oob.ErrSessionExpired) || errors.Is(err, oob.ErrExpired) || errors.Is(err, oob.ErrInvalid) {
		t.Fatalf("got %v, want a plain network error", err)
	}
	if !strings.Contains(err.Error(), "cannot reach "+srv.URL) {
		t.Errorf("error %q does not say which server could not be reached", err)
	}
}

func TestSessionRace(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{AccessTokenLifetime: time.Hour})
	st := oobtest.Saved(t, oobtest.SignIn(t, srv))
	oobtest.Expire(t, st, time.Now().Add(2*time.Minute))
	srv.ResetCounts()

	const n = 8
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := &oob.Session{Store: &oob.Store{Path: st.Path}, HTTPClient: oobtest.ClientOf(srv)}
			_, p, err := s.Token(t.Context(), oob.TokenOptions{MinValid: 10 * time.Minute})
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
	if tok := oobtest.Stored(t, st).Token.AccessToken; tok != tokens[0] {
		t.Error("the config holds another token than the one handed out")
	}
	s := &oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}
	if _, _, err := s.Refresh(t.Context()); err != nil {
		t.Errorf("refresh after the race: %v", err)
	}
}
