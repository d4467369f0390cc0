package oob

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"unicode"
)

func FuzzParseDiscovery(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(discoveryDir, "*"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in %s: %v", discoveryDir, err)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, seedIssuer)
		f.Add(data, "https://cells.example.com/oidc")
	}
	f.Fuzz(func(t *testing.T, data []byte, wantIssuer string) {
		d, err := parseDiscovery(data, wantIssuer)
		if err != nil {
			return
		}
		if !sameIssuer(d.Issuer, wantIssuer) {
			t.Fatalf("accepted issuer %q when %q was wanted", d.Issuer, wantIssuer)
		}
		issuer := mustHTTPURL(t, "issuer", d.Issuer)
		required := map[string]string{
			"authorization_endpoint": d.AuthorizationEndpoint,
			"token_endpoint":         d.TokenEndpoint,
			"jwks_uri":               d.JWKSURI,
		}
		optional := map[string]string{
			"userinfo_endpoint":    d.UserInfoEndpoint,
			"revocation_endpoint":  d.RevocationEndpoint,
			"end_session_endpoint": d.EndSessionEndpoint,
		}
		for name, value := range optional {
			if value != "" {
				required[name] = value
			}
		}
		query := mustHTTPURL(t, "authorization_endpoint", d.AuthorizationEndpoint).Query()
		for _, name := range []string{"client_id", "redirect_uri", "state", "code_challenge", "response_type", "scope", "nonce"} {
			if query.Has(name) {
				t.Fatalf("accepted authorization_endpoint %q, which carries %s", d.AuthorizationEndpoint, name)
			}
		}
		for name, value := range required {
			u := mustHTTPURL(t, name, value)
			if issuer.Scheme == "https" && u.Scheme != "https" {
				t.Fatalf("accepted plain http %s %q under issuer %q", name, value, d.Issuer)
			}
			if u.User != nil {
				t.Fatalf("accepted %s %q, which holds user info", name, value)
			}
			for _, r := range u.Host {
				if r > unicode.MaxASCII {
					t.Fatalf("accepted %s %q, whose host is not shown in ASCII", name, value)
				}
			}
		}
	})
}

// mustHTTPURL fails unless raw is an absolute http(s) URL with a host; it
// checks in its own way rather than through the code under test.
func mustHTTPURL(t *testing.T, name, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("accepted %s %q, which does not parse: %v", name, raw, err)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		t.Fatalf("accepted %s %q, which is not an absolute http(s) URL", name, raw)
	}
	return u
}
