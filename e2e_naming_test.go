package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestE2ELoginNamesUser signs in to a provider whose ID token names the
// user by subject alone: login asks userinfo once, and the one rule that
// names the user gives the profile, the summary, status and the profiles
// table the same login.
func TestE2ELoginNamesUser(t *testing.T) {
	for _, subjectOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("subject-only ID tokens %v", subjectOnly), func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{SubjectOnlyIDTokens: subjectOnly})
			cfg := signInWithCLI(t, srv)
			want := 0
			if subjectOnly {
				want = 1
			}
			if n := srv.Count(cellsop.PathUserinfo); n != want {
				t.Errorf("login asked userinfo %d times, want %d", n, want)
			}
			c := readConfig(t, cfg)
			host := strings.TrimPrefix(srv.URL, "http://")
			if c.Current != cellsop.Username+"@"+host {
				t.Errorf("profile named %q, want %s@%s", c.Current, cellsop.Username, host)
			}
			p := c.Profiles[c.Current]
			if p.User.Subject != cellsop.UserID || p.User.Name != cellsop.UserName || p.User.Email != cellsop.UserEmail {
				t.Errorf("stored user %+v", p.User)
			}
			_, out, _ := runArgs(t, cfg, "status")
			if !strings.Contains(out, "User:          "+cellsop.UserName+" <"+cellsop.UserEmail+"> ("+cellsop.Username+")") {
				t.Errorf("status does not name the user:\n%s", out)
			}
			_, out, _ = runArgs(t, cfg, "profiles")
			if !strings.Contains(out, c.Current+"  "+cellsop.Username+"  ") {
				t.Errorf("the profiles table does not name the user by login:\n%s", out)
			}
		})
	}
}
