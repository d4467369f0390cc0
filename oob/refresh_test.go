package oob_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

// TestNoRefreshToken: a profile that holds no refresh token, such as one
// holding a personal access token, is refreshed by no one, and the error
// says why in a *NoRefreshTokenError: whether its access token still
// needs nothing, and whether it was given on its own (no ID token). No
// request is made, and no token is named.
func TestNoRefreshToken(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	const access = "SYNTHETIC-personal-access-token"
	tests := []struct {
		name      string
		expiry    time.Time
		idToken   string
		token     bool // Session.Token rather than Session.Refresh
		stale     string
		noIDToken bool
	}{
		{name: "refresh, no expiry", noIDToken: true},
		{name: "refresh, valid", expiry: now.Add(time.Hour), noIDToken: true},
		{name: "refresh, expired", expiry: now.Add(-3 * time.Minute), noIDToken: true, stale: "expired 3m ago"},
		{name: "refresh, signed in", expiry: now.Add(time.Hour), idToken: "SYNTHETIC.id.token"},
		{name: "token, expired", expiry: now.Add(-3 * time.Minute), token: true, noIDToken: true, stale: "expired 3m ago"},
		{name: "token, signed in, expiring", expiry: now.Add(30 * time.Second), idToken: "SYNTHETIC.id.token", token: true, stale: "expires in 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := oobtest.Saved(t, &oob.Profile{
				Issuer:   "https://cells.example/oidc/",
				ClientID: "cells-client",
				Token:    oob.Token{AccessToken: access, TokenType: "Bearer", Expiry: tt.expiry, IDToken: tt.idToken},
			})
			s := &oob.Session{Store: st, HTTPClient: oobtest.NoClient(t), Now: func() time.Time { return now }}
			var err error
			if tt.token {
				_, _, err = s.Token(t.Context(), oob.TokenOptions{MinValid: time.Minute})
			} else {
				_, _, err = s.Refresh(t.Context())
			}
			var noRefresh *oob.NoRefreshTokenError
			if !errors.As(err, &noRefresh) || !errors.Is(err, oob.ErrSessionExpired) {
				t.Fatalf("got %v, want a *NoRefreshTokenError matching ErrSessionExpired", err)
			}
			if errors.Is(err, oob.ErrExpired) {
				t.Errorf("%v matches ErrExpired: the exit would say the token expired, not that it cannot be refreshed", err)
			}
			if noRefresh.Profile != "me" || noRefresh.NoIDToken != tt.noIDToken {
				t.Errorf("got profile %q, NoIDToken %v; want %q, %v", noRefresh.Profile, noRefresh.NoIDToken, "me", tt.noIDToken)
			}
			switch {
			case tt.stale == "" && noRefresh.Stale != nil:
				t.Errorf("Stale = %v for an access token that needs nothing", noRefresh.Stale)
			case tt.stale != "" && (noRefresh.Stale == nil || !strings.Contains(noRefresh.Stale.Error(), tt.stale)):
				t.Errorf("Stale = %v, want one saying %q", noRefresh.Stale, tt.stale)
			}
			if msg := err.Error(); !strings.Contains(msg, "refresh token") || strings.Contains(msg, "SYNTHETIC") || strings.Contains(msg, "cells-oob") {
				t.Errorf("error %q: should say there is no refresh token, in the library's words, naming no token", msg)
			}
		})
	}
}
