package oob_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
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
	res, err := l.Run(t.Context(), oob.LogoutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Gone, []string{"me"}) || len(res.Unrevoked) != 0 {
		t.Errorf("logged out of %v, unrevoked %v; want [me], all revoked", res.Gone, res.Unrevoked)
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
	if strings.Contains(out.String(), p.Token.RefreshToken) {
		t.Error("the output shows the refresh token")
	}
}

// A revocation that fails does not stop the logout: the profile goes all
// the same, and the failure comes back typed, for the caller to word and
// to say what to do about.
func TestLogoutRevocationFailureReported(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	p.Endpoints.Revocation = srv.URL + "/nowhere"
	st := oobtest.Saved(t, p)
	var out bytes.Buffer
	l := &oob.Logout{Store: st, HTTPClient: oobtest.ClientOf(srv), Out: &out}
	res, err := l.Run(t.Context(), oob.LogoutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unrevoked) != 1 {
		t.Fatalf("unrevoked %v, want the one failure", res.Unrevoked)
	}
	failed := res.Unrevoked[0]
	if failed.Profile != "me" || failed.Err == nil || errors.Unwrap(failed) != failed.Err || !strings.Contains(failed.Error(), `revoke the tokens of profile "me": `) {
		t.Errorf("unrevoked %q (profile %q, why %v)", failed, failed.Profile, failed.Err)
	}
	if !slices.Equal(res.Gone, []string{"me"}) {
		t.Errorf("logged out of %v, want [me]", res.Gone)
	}
	if c, err := st.Load(); err != nil || len(c.Profiles) != 0 {
		t.Errorf("the profile is still there (%v)", err)
	}
	if out.Len() != 0 {
		t.Errorf("Out says %q: the failure is the caller's to word", out.String())
	}
}

func TestLogoutChoices(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	pat := &oob.Profile{Issuer: srv.Issuer(), Endpoints: p.Endpoints, Token: oob.Token{AccessToken: "pasted"}}
	// current is the config's current profile afterwards; when it is "",
	// the result must also say that the current profile went.
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
		{"current", oob.LogoutOptions{}, []string{"me"}, []string{"other", "pat"}, "", 2, nil, nil},
		{"named, not current", oob.LogoutOptions{Profile: "other"}, []string{"other"}, []string{"me", "pat"}, "me", 2, nil, nil},
		{"no revoke", oob.LogoutOptions{NoRevoke: true}, []string{"me"}, []string{"other", "pat"}, "", 0, nil, nil},
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
			res, err := l.Run(t.Context(), tt.opts)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if err == nil {
				if !slices.Equal(res.Gone, tt.gone) || !slices.Equal(res.Remaining, tt.left) || res.CurrentGone != (tt.current == "") || len(res.Unrevoked) != 0 {
					t.Errorf("logged out of %v leaving %v (current gone: %v, unrevoked %v); want %v leaving %v, current %q",
						res.Gone, res.Remaining, res.CurrentGone, res.Unrevoked, tt.gone, tt.left, tt.current)
				}
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

	l := &oob.Logout{Store: &oob.Store{Path: filepath.Join(t.TempDir(), "config.json")}}
	if res, err := l.Run(t.Context(), oob.LogoutOptions{All: true}); err != nil || len(res.Gone) != 0 || res.CurrentGone {
		t.Errorf("--all with no profiles: %+v, %v", res, err)
	}
}
