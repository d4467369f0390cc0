package oob

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/cellsop"
	"github.com/cells-oob/cells-oob/internal/safehttp"
)

func TestLogoutRevokes(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	st := saved(t, p)
	srv.ResetCounts()
	var out bytes.Buffer
	l := &Logout{Store: st, HTTPClient: clientOf(srv), Out: &out}
	gone, err := l.Run(t.Context(), LogoutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || gone[0] != "me" {
		t.Errorf("logged out of %v, want [me]", gone)
	}
	if n := srv.Count(cellsop.PathRevoke); n != 2 {
		t.Errorf("%d revocation requests, want 2 (refresh token, then access token)", n)
	}
	if err := spend(t, srv, p.Token.RefreshToken); !isInvalidGrant(err) {
		t.Errorf("the revoked refresh token still works or fails oddly: %v", err)
	}
	if accepted(t, srv, p.Token.AccessToken) {
		t.Error("the revoked access token still passes userinfo")
	}
	c, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 0 || c.Current != "" {
		t.Errorf("left profiles %v, current %q", c.Names(), c.Current)
	}
	if !strings.Contains(out.String(), `Logged out of profile "me".`) {
		t.Errorf("output %q does not say so", out.String())
	}
	if strings.Contains(out.String(), p.Token.RefreshToken) {
		t.Error("the output shows the refresh token")
	}
}

// TestRevokeForm checks the request against RFC 7009 with a server that
// records it.
func TestRevokeForm(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("got %s with content type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		got = r.PostForm
		if got.Get("token") == "bad" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"unsupported_token_type","error_description":"no\u001b[2J"}`)
		}
	}))
	defer srv.Close()

	err := revoke(t.Context(), srv.Client(), srv.URL+"/revoke", "cells-client", "tok", "refresh_token")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"token": {"tok"}, "token_type_hint": {"refresh_token"}, "client_id": {"cells-client"}}
	if got.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", got, want)
	}

	err = revoke(t.Context(), srv.Client(), srv.URL+"/revoke", "cells-client", "bad", "access_token")
	var refused *safehttp.HTTPError
	if !errors.As(err, &refused) || refused.StatusCode != http.StatusBadRequest || refused.Code != "unsupported_token_type" {
		t.Fatalf("got %v, want the server's refusal", err)
	}
	if strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), "bad") {
		t.Errorf("error %q shows a control character or the token", err)
	}
}

func TestLogoutRevocationFailsOnlyWarns(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	p.Endpoints.Revocation = srv.URL + "/nowhere"
	st := saved(t, p)
	var out bytes.Buffer
	l := &Logout{Store: st, HTTPClient: clientOf(srv), Out: &out}
	if _, err := l.Run(t.Context(), LogoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `warning: could not revoke the tokens of profile "me"`) {
		t.Errorf("no warning in %q", out.String())
	}
	if c, err := st.Load(); err != nil || len(c.Profiles) != 0 {
		t.Errorf("the profile is still there (%v)", err)
	}
}

func TestLogoutChoices(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := signIn(t, srv)
	pat := &Profile{Issuer: srv.Issuer(), Endpoints: p.Endpoints, Token: Token{AccessToken: "pasted"}}
	tests := []struct {
		name     string
		opts     LogoutOptions
		gone     []string
		left     []string
		current  string
		revokes  int
		messages []string
		err      error
	}{
		{"current", LogoutOptions{}, []string{"me"}, []string{"other", "pat"}, "", 2,
			[]string{`Logged out of profile "me".`, "No profile is current now; choose one of other, pat with: cells-oob profiles use NAME"}, nil},
		{"named, not current", LogoutOptions{Profile: "other"}, []string{"other"}, []string{"me", "pat"}, "me", 2, nil, nil},
		{"no revoke", LogoutOptions{NoRevoke: true}, []string{"me"}, []string{"other", "pat"}, "", 0,
			[]string{`Deleted, without revoking its tokens, profile "me".`}, nil},
		{"pasted token is not revoked", LogoutOptions{Profile: "pat"}, []string{"pat"}, []string{"me", "other"}, "me", 0,
			[]string{"may be a personal access token, was not revoked"}, nil},
		{"all", LogoutOptions{All: true, Profile: "other"}, []string{"me", "other", "pat"}, nil, "", 4, nil, nil},
		{"unknown", LogoutOptions{Profile: "nobody"}, nil, []string{"me", "other", "pat"}, "me", 0, nil, ErrNotLoggedIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
			err := st.Update(t.Context(), func(c *Config) error {
				mine, other := *p, *p
				c.Put("me", &mine, true)
				c.Put("other", &other, false)
				c.Put("pat", pat, false)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetCounts()
			var out bytes.Buffer
			l := &Logout{Store: st, HTTPClient: clientOf(srv), Out: &out}
			gone, err := l.Run(t.Context(), tt.opts)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if strings.Join(gone, ",") != strings.Join(tt.gone, ",") {
				t.Errorf("logged out of %v, want %v", gone, tt.gone)
			}
			c, err := st.Load()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.Names(), ",") != strings.Join(tt.left, ",") || c.Current != tt.current {
				t.Errorf("left %v with current %q, want %v with %q", c.Names(), c.Current, tt.left, tt.current)
			}
			if n := srv.Count(cellsop.PathRevoke); n != tt.revokes {
				t.Errorf("%d revocation requests, want %d", n, tt.revokes)
			}
			for _, m := range tt.messages {
				if !strings.Contains(out.String(), m) {
					t.Errorf("output lacks %q:\n%s", m, out.String())
				}
			}
		})
	}

	var out bytes.Buffer
	l := &Logout{Store: &Store{Path: filepath.Join(t.TempDir(), "config.json")}, Out: &out}
	if gone, err := l.Run(t.Context(), LogoutOptions{All: true}); err != nil || len(gone) != 0 || !strings.Contains(out.String(), "No profiles") {
		t.Errorf("--all with no profiles: %v, %v, %q", gone, err, out.String())
	}
}
