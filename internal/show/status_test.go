package show

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// statusNow is the fixed clock of the offline status tests.
var statusNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func statusConfig() *oob.Config {
	return &oob.Config{
		Current: "admin@cells.example",
		Profiles: map[string]*oob.Profile{
			"admin@cells.example": {
				Server:   "https://cells.example",
				Issuer:   "https://cells.example/oidc/",
				ClientID: "cells-client",
				Token: oob.Token{
					AccessToken:  "synthetic-access",
					RefreshToken: "synthetic-refresh",
					Expiry:       statusNow.Add(9 * time.Minute),
				},
				User: oob.User{Subject: "u-1", PreferredUsername: "admin", Name: "Ada \x1b[31mAdmin\u202e", Email: "admin@cells.example"},
			},
			"pat@cells.example": {
				Issuer: "https://cells.example/oidc/",
				Token:  oob.Token{AccessToken: "synthetic-pat"},
				User:   oob.User{Subject: "u-2"},
			},
		},
	}
}

func TestStatusDescribe(t *testing.T) {
	c := statusConfig()
	p := c.Profiles["admin@cells.example"]
	st := NewStatus(c, "admin@cells.example", p, statusNow, time.Minute)
	var b strings.Builder
	if err := st.Describe(&b); err != nil {
		t.Fatal(err)
	}
	want := `Profile:       admin@cells.example (current)
Server:        https://cells.example
Issuer:        https://cells.example/oidc/
User:          Ada \x1b[31mAdmin\u202e <admin@cells.example> (admin)
Access token:  expires 2025-03-01 12:09:00 UTC (in 9m)
ID token:      none
Refresh token: held: cells-oob token refreshes when needed
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if err := st.Err(); err != nil {
		t.Errorf("a token valid 9m fails --min-valid 1m: %v", err)
	}
}

// TestStatusRefreshLine: the refresh token's line tells one story with
// the access token's: a token that does not expire needs no refresh and
// no login; one that expires with no refresh token needs a login then.
func TestStatusRefreshLine(t *testing.T) {
	c := statusConfig()
	c.Profiles["pasted@cells.example"] = &oob.Profile{
		Issuer: "https://cells.example/oidc/",
		Token:  oob.Token{AccessToken: "synthetic-pasted", Expiry: statusNow.Add(time.Hour)},
	}
	c.Profiles["cec@cells.example"] = &oob.Profile{
		Issuer:   "https://cells.example/oidc/",
		Token:    oob.Token{AccessToken: "synthetic-handed", Expiry: statusNow.Add(time.Hour)},
		HandedTo: "cec",
	}
	for _, tt := range []struct{ profile, want string }{
		{"admin@cells.example", "Refresh token: held: cells-oob token refreshes when needed\n"},
		{"pat@cells.example", "Refresh token: none, and none needed: the access token does not expire\n"},
		{"pasted@cells.example", "Refresh token: none: run cells-oob login once the access token expires\n"},
		{"cec@cells.example", "Refresh token: none: the session was handed over to cec, which refreshes it; once the access token expires, use cec, or run cells-oob login for a session of cells-oob's own\n"},
	} {
		var b strings.Builder
		if err := NewStatus(c, tt.profile, c.Profiles[tt.profile], statusNow, time.Minute).Describe(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("%s: no line %q in\n%s", tt.profile, tt.want, b.String())
		}
	}
}

func TestStatusMinValid(t *testing.T) {
	c := statusConfig()
	tests := []struct {
		profile  string
		now      time.Time
		minValid time.Duration
		want     string
	}{
		{"admin@cells.example", statusNow, 10 * time.Minute, "expires in 9m, sooner than the 10m asked for"},
		{"admin@cells.example", statusNow.Add(12 * time.Minute), 0, "expired 3m ago"},
		{"admin@cells.example", statusNow, 9 * time.Minute, ""},
		{"pat@cells.example", statusNow, 24 * time.Hour, ""},
	}
	for _, tt := range tests {
		st := NewStatus(c, tt.profile, c.Profiles[tt.profile], tt.now, tt.minValid)
		err := st.Err()
		switch {
		case tt.want == "" && (err != nil || !st.Valid):
			t.Errorf("%s at %v, min %v: got %v, want valid", tt.profile, tt.now, tt.minValid, err)
		case tt.want != "" && (!errors.Is(err, oob.ErrExpired) || !strings.Contains(err.Error(), tt.want) || st.Valid):
			t.Errorf("%s at %v, min %v: got %v, want oob.ErrExpired saying %q", tt.profile, tt.now, tt.minValid, err, tt.want)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	c := statusConfig()
	st := NewStatus(c, "pat@cells.example", c.Profiles["pat@cells.example"], statusNow, time.Minute)
	out, err := st.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(doc))
	want := []string{"access_token", "client_id", "current", "id_token", "issuer", "min_valid", "profile", "refresh_token", "server", "user", "valid"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if doc["access_token"].(map[string]any)["expiry"] != nil || doc["valid"] != true || doc["current"] != false {
		t.Errorf("a token without expiry: %s", out)
	}

	a := NewStatus(c, "admin@cells.example", c.Profiles["admin@cells.example"], statusNow, time.Minute)
	out, err = a.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"expiry": "2025-03-01T12:09:00Z"`, `"expires_in": 540`, `"min_valid": 60`, `Ada \u001b[31mAdmin\u202e`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{"synthetic-access", "synthetic-refresh"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("JSON shows a token")
		}
	}
}

func TestStatusCheck(t *testing.T) {
	srv := cellsop.NewTest(t)
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := &oob.Profile{
		Server:    srv.URL,
		Issuer:    srv.Issuer(),
		Endpoints: oob.Endpoints{UserInfo: srv.URL + cellsop.PathUserinfo},
		Token:     oob.Token{AccessToken: pat},
	}
	c := &oob.Config{Current: "me", Profiles: map[string]*oob.Profile{"me": p}}

	st := NewStatus(c, "me", p, time.Now(), time.Minute)
	if err := st.Check(t.Context(), srv.Client(), p); err != nil {
		t.Fatal(err)
	}
	if st.Accepted == nil || !*st.Accepted || st.Err() != nil {
		t.Errorf("a fresh token is not accepted: %v", st.Err())
	}

	srv.RevokeAll()
	st = NewStatus(c, "me", p, time.Now(), time.Minute)
	if err := st.Check(t.Context(), srv.Client(), p); err != nil {
		t.Fatal(err)
	}
	if err := st.Err(); !errors.Is(err, oob.ErrInvalid) {
		t.Errorf("a revoked token: got %v, want ErrInvalid", err)
	}
	var b strings.Builder
	st.Describe(&b)
	if !strings.Contains(b.String(), "REFUSES") {
		t.Errorf("the text does not say the server refuses:\n%s", b.String())
	}

	srv.Close()
	if err := NewStatus(c, "me", p, time.Now(), 0).Check(t.Context(), srv.Client(), p); err == nil || errors.Is(err, oob.ErrInvalid) {
		t.Errorf("server down: got %v, want a network error", err)
	}
}
