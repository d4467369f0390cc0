package cellsop_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestClockOffset pins a server whose clock is off: its answers' Date and
// its ID tokens' exp are offset, at login and at refresh, while access
// tokens keep their lifetime.
func TestClockOffset(t *testing.T) {
	for _, offset := range []time.Duration{-2 * time.Hour, 5 * time.Minute, 25 * time.Hour} {
		t.Run(offset.String(), func(t *testing.T) {
			const lifetime = 5 * time.Minute
			srv := cellsop.NewTest(t, cellsop.Options{ClockOffset: offset, AccessTokenLifetime: lifetime})
			resp, err := srv.Client().Get(srv.URL + cellsop.PathDiscovery)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			date, err := http.ParseTime(resp.Header.Get("Date"))
			if err != nil {
				t.Fatalf("Date %q: %v", resp.Header.Get("Date"), err)
			}
			if got := date.Sub(time.Now()); !near(got, offset) {
				t.Errorf("Date is %v off the real time, want %v", got, offset)
			}

			cfg := srv.OAuth2Config()
			tok, _ := login(t, srv, cfg)
			checkOffsetTokens(t, "login", tok.Extra("id_token"), tok.Expiry, offset, lifetime)
			next, err := refresh(t.Context(), srv, cfg, tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			checkOffsetTokens(t, "refresh", next.Extra("id_token"), next.Expiry, offset, lifetime)
		})
	}
}

// checkOffsetTokens checks that an ID token expires an hour after the
// offset now and that the access token expires lifetime after the real
// now.
func checkOffsetTokens(t *testing.T, what string, idToken any, expiry time.Time, offset, lifetime time.Duration) {
	t.Helper()
	raw, _ := idToken.(string)
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &claims); err != nil || claims.ExpiresAt == nil {
		t.Fatalf("%s: ID token: %v", what, err)
	}
	if got := time.Until(claims.ExpiresAt.Time); !near(got, offset+time.Hour) {
		t.Errorf("%s: ID token expires in %v, want %v", what, got, offset+time.Hour)
	}
	if got := time.Until(expiry); !near(got, lifetime) {
		t.Errorf("%s: access token expires in %v, want %v", what, got, lifetime)
	}
}

// near says whether got is want, give or take the seconds a test takes
// and a Date's rounding.
func near(got, want time.Duration) bool {
	d := got - want
	return d > -30*time.Second && d < 30*time.Second
}
