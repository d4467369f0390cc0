package oob_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

func TestLogoutRevokes(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	srv.ResetCounts()
	var out bytes.Buffer
	l := &oob.Logout{Store: st, HTTPClient: oobtest.ClientOf(srv), Out: &out}
	gone, err := l.Run(t.Context(), oob.LogoutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || gone[0] != "me" {
		t.Errorf("logged out of %v, want [me]", gone)
	}
	if n := srv.Count(cellsop.PathRevoke); n != 2 {
		t.Errorf("%d revocation requests, want 2 (refresh token, then access token)", n)
	}
	if err := oobtest.Spend(t, srv, p.Token.RefreshToken); !oobtest.InvalidGrant(err) {
		t.Errorf("the revoked refresh token still works or fails oddly: %v", err)
	}
	if oobtest.Accepted(t, srv, p.Token.AccessToken) {
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

func TestLogoutRevocationFailsOnlyWarns(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	p.Endpoints.Revocation = srv.URL + "/nowhere"
	st := oobtest.Saved(t, p)
	var out bytes.Buffer
	l := &oob.Logout{Store: st, HTTPClient: oobtest.ClientOf(srv), Out: &out}
	if _, err := l.Run(t.Context(), oob.LogoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `warning: could not revoke the tokens of profile "me"`) {
		t.Errorf("no warning in %q", out.String())
	}
	if c, err := st.Load(); err != nil || len(c.Profiles) != 0 {
		t.Errorf("the profile is still there (%v)", err)
	}
}

// The caller words the failure: the command line adds what to do.
func TestLogoutRevocationFailureExplained(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	p.Endpoints.Revocation = srv.URL + "/nowhere"
	st := oobtest.Saved(t, p)
	var out bytes.Buffer
	var explained error
	l := &oob.Logout{Store: st, HTTPClient: oobtest.ClientOf(srv), Out: &out,
		Explain: func(err error) string { explained = err; return "SAID SO" }}
	if _, err := l.Run(t.Context(), oob.LogoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if explained == nil || !strings.Contains(out.String(), `warning: could not revoke the tokens of profile "me" (SAID SO)`) {
		t.Errorf("Explain got %v; Out %q", explained, out.String())
	}
}

func TestLogoutChoices(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	pat := &oob.Profile{Issuer: srv.Issuer(), Endpoints: p.Endpoints, Token: oob.Token{AccessToken: "pasted"}}
	tests := []struct {
		name     string
		opts     oob.LogoutOptions
		gone     []string
		left     []string
		current  string
		revokes  int
		messages []string
		err      error
	}{
		{"current", oob.LogoutOptions{}, []string{"me"}, []string{"other", "pat"}, "", 2,
			[]string{`Logged out of profile "me".`, "No profile is current now; choose one of other, pat with: cells-oob profiles use NAME"}, nil},
		{"named, not current", oob.LogoutOptions{Profile: "other"}, []string{"other"}, []string{"me", "pat"}, "me", 2, nil, nil},
		{"no revoke", oob.LogoutOptions{NoRevoke: true}, []string{"me"}, []string{"other", "pat"}, "", 0,
			[]string{`Deleted, without revoking its tokens, profile "me".`}, nil},
		{"pasted token is not revoked", oob.LogoutOptions{Profile: "pat"}, []string{"pat"}, []string{"me", "other"}, "me", 0,
			[]string{"may be a personal access token, was not revoked"}, nil},
		{"all", oob.LogoutOptions{All: true, Profile: "other"}, []string{"me", "other", "pat"}, nil, "", 4, nil, nil},
		{"unknown", oob.LogoutOptions{Profile: "nobody"}, nil, []string{"me", "other", "pat"}, "me", 0, nil, oob.ErrNotLoggedIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &oob.Store{Path: filepath.Join(t.TempDir(), "config.json")}
			err := st.Update(t.Context(), func(c *oob.Config) error {
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
			l := &oob.Logout{Store: st, HTTPClient: oobtest.ClientOf(srv), Out: &out}
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
	l := &oob.Logout{Store: &oob.Store{Path: filepath.Join(t.TempDir(), "config.json")}, Out: &out}
	if gone, err := l.Run(t.Context(), oob.LogoutOptions{All: true}); err != nil || len(gone) != 0 || !strings.Contains(out.String(), "No profiles") {
		t.Errorf("--all with no profiles: %v, %v, %q", gone, err, out.String())
	}
}
