package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
)

// TestE2ERedirectsNotFollowed makes the token, revocation and userinfo
// endpoints answer with a redirect to another origin, one that serves the
// very same provider, so that a client following it would succeed. None of
// those requests follows it: the code and verifier, the refresh token and
// the access token never reach the other origin, and its answer is never
// stored. Each command fails with exit 1 and one line naming the server
// and where it pointed; logout, whose revocation only warns, still logs
// out.
func TestE2ERedirectsNotFollowed(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	elsewhere := faultserver.New(t, fs.Cells.Handler(), false)
	signedIn := signInWithCLI(t, fs.Cells)
	expired, _ := copyConfig(t, signedIn)
	setStoredExpiry(t, expired, time.Now().Add(-time.Minute))

	commands := []struct {
		name   string
		path   string
		config string
		args   []string
	}{
		{"login exchange", cellsop.PathToken, "", []string{"login", "--url", fs.URL}},
		{"refresh", cellsop.PathToken, signedIn, []string{"refresh"}},
		{"token refreshing", cellsop.PathToken, expired, []string{"token"}},
		{"status check", cellsop.PathUserinfo, signedIn, []string{"status", "--check"}},
		{"logout revocation", cellsop.PathRevoke, signedIn, []string{"logout"}},
	}
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		for _, cmd := range commands {
			t.Run(fmt.Sprintf("%d/%s", code, cmd.name), func(t *testing.T) {
				fs.Set(cmd.path, faultserver.Redirect(code, elsewhere.URL))
				defer fs.Clear()
				heard := elsewhere.Count(cmd.path)
				var (
					r       faultRun
					cfg     string
					before  []byte
					secrets []string
				)
				if cmd.args[0] == "login" {
					cfg, before = seedConfig(t)
					l := startLogin(t, append([]string{"--config", cfg, "--timeout", faultTimeout.String()}, cmd.args...)...)
					pasted := l.signIn().Code
					secrets = append(secrets, pasted)
					start := time.Now()
					r.code = l.finish(pasted)
					r.took, r.stdout, r.stderr = time.Since(start), l.stdout.String(), l.stderr.String()
				} else {
					cfg, before = copyConfig(t, cmd.config)
					secrets = profileSecrets(t, cfg)
					r = runTimed(cfg, "", cmd.args...)
				}
				if n := elsewhere.Count(cmd.path) - heard; n != 0 {
					t.Errorf("the redirect was followed: %s got %d requests", elsewhere.URL, n)
				}
				assertNoSecrets(t, r.stderr, secrets...)
				want := fmt.Sprintf("%s answered with a redirect to %s%s; not followed", fs.URL, elsewhere.URL, cmd.path)
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
				}
				if cmd.args[0] == "logout" {
					checkLogoutWarns(t, r, fs.Host(), false)
					return
				}
				r.checkFailure(t, exitRuntime, fs.Host(), false)
				// A check with no answer still shows what is known offline.
				if offline := cmd.name == "status check"; offline != strings.HasPrefix(r.stdout, "Profile:") || !offline && r.stdout != "" {
					t.Errorf("stdout holds %q, want the offline status: %v", r.stdout, offline)
				}
				assertUnchanged(t, cfg, before)
			})
		}
	}
}
