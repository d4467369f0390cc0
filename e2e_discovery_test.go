package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// discoveryFront is a Cells-layout provider whose discovery document is
// rewritten on its way out, as a hostile server or a proxy might send it.
func discoveryFront(t *testing.T, change func(doc map[string]any, base string)) *cellsop.Server {
	front := httptest.NewUnstartedServer(nil)
	base := "http://" + front.Listener.Addr().String()
	srv := cellsop.NewTest(t, cellsop.Options{URL: base})
	provider := srv.Handler()
	front.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != cellsop.PathDiscovery {
			provider.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		provider.ServeHTTP(rec, r)
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Errorf("the provider's discovery: %v", err)
		}
		change(doc, base)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	})
	front.Start()
	t.Cleanup(front.Close)
	return srv
}

// TestE2EHostileDiscovery has discovery name authorization URLs that read
// like the real server's: login refuses each with one line and exit 4
// before it prints any URL, and writes nothing.
func TestE2EHostileDiscovery(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(doc map[string]any, base string)
		want   string
	}{
		{name: "user info before an evil host", change: func(doc map[string]any, base string) {
			doc["authorization_endpoint"] = base + "@evil.example/oidc/oauth2/auth"
		}, want: "authorization_endpoint holds a user name before its host (user@evil.example)"},
		{name: "client_id already in the query", change: func(doc map[string]any, base string) {
			doc["authorization_endpoint"] = base + "/oidc/oauth2/auth?client_id=cells-client&redirect_uri=https%3A%2F%2Fevil.example%2F"
		}, want: "authorization_endpoint already carries client_id in its query"},
		{name: "redirect_uri already in the query", change: func(doc map[string]any, base string) {
			doc["authorization_endpoint"] = base + "/oidc/oauth2/auth?redirect_uri=https%3A%2F%2Fevil.example%2F"
		}, want: "authorization_endpoint already carries redirect_uri in its query"},
		{name: "user info on the token endpoint", change: func(doc map[string]any, base string) {
			doc["token_endpoint"] = strings.Replace(base, "http://", "http://someone@", 1) + "/oidc/oauth2/token"
		}, want: "token_endpoint holds a user name before its host"},
		{name: "relative JWKS", change: func(doc map[string]any, base string) {
			doc["jwks_uri"] = "/oidc/jwks"
		}, want: "jwks_uri: /oidc/jwks is not an absolute http(s) URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := discoveryFront(t, tt.change)
			cfg := filepath.Join(t.TempDir(), "config.json")
			code, out, errOut := runArgs(t, cfg, "login", "--url", srv.URL)
			checkRefused(t, "login", code, exitInvalid, errOut, tt.want)
			// No URL: the error line is all of stderr.
			if out != "" || strings.Count(errOut, "\n") != 1 {
				t.Errorf("login printed more than its error:\nstdout %q\nstderr %q", out, errOut)
			}
			if _, err := os.Stat(cfg); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("login left a config: %v", err)
			}
		})
	}
}

// TestE2EDiscoveryOtherHosts signs in where discovery puts the token
// endpoint and the JWKS on another host than the issuer's (the same
// provider by another name): allowed, and named under --verbose.
func TestE2EDiscoveryOtherHosts(t *testing.T) {
	srv := discoveryFront(t, func(doc map[string]any, base string) {
		other := strings.Replace(base, "127.0.0.1", "localhost", 1)
		doc["token_endpoint"] = other + cellsop.PathToken
		doc["jwks_uri"] = other + cellsop.PathJWKS
	})
	cfg := filepath.Join(t.TempDir(), "config.json")
	r := startLogin(t, "--config", cfg, "--verbose", "login", "--url", srv.URL)
	if code := r.finish(r.signIn().Code); code != exitOK {
		t.Fatalf("login exited %d:\n%s", code, r.stderr.String())
	}
	for _, name := range []string{"token_endpoint", "jwks_uri"} {
		if !strings.Contains(r.stderr.String(), "note: discovery: "+name+" is on localhost:") {
			t.Errorf("--verbose does not name %s on another host:\n%s", name, r.stderr.String())
		}
	}
	if strings.Contains(r.stderr.String(), "authorization_endpoint is on") {
		t.Errorf("--verbose names the authorization endpoint, on the issuer's host:\n%s", r.stderr.String())
	}
}
