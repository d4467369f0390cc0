package oob

import (
	"fmt"
	"strings"
	"testing"
)

// TestDiscoveryShowsHostsInASCII rewrites every endpoint whose host is not
// ASCII into punycode, as it is then printed and requested: a Cyrillic
// "с" in "сells.example.com" shows as the other server it is.
func TestDiscoveryShowsHostsInASCII(t *testing.T) {
	for _, tt := range []struct{ seed, want string }{
		{"lookalike-host.json", "https://xn--ells-k6d.example.com/oidc/oauth2/auth"},
		{"escaped-lookalike-host.json", "https://xn--ells-k6d.example.com:8443/oidc/oauth2/auth"},
		{"cells.json", "https://cells.example.com/oidc/oauth2/auth"},
		{"preset-harmless-query.json", "https://cells.example.com/oidc/oauth2/auth?tenant=main"},
	} {
		d, err := parseDiscovery(discoverySeed(t, tt.seed), seedIssuer)
		if err != nil {
			t.Fatalf("%s: %v", tt.seed, err)
		}
		if d.AuthorizationEndpoint != tt.want || d.Endpoints().Authorization != tt.want {
			t.Errorf("%s: authorization endpoint %q, want %q", tt.seed, d.AuthorizationEndpoint, tt.want)
		}
	}
}

// TestDiscoveryRefusesPresetParameters refuses an authorization endpoint
// that already holds any parameter login sets, and only those.
func TestDiscoveryRefusesPresetParameters(t *testing.T) {
	for _, name := range []string{"client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "response_type", "scope", "nonce"} {
		for _, query := range []string{name + "=x", "a=1&" + name + "=", name} {
			doc := fmt.Sprintf(`{"issuer":%q,"authorization_endpoint":"https://cells.example.com/oidc/oauth2/auth?%s","token_endpoint":"https://cells.example.com/oidc/oauth2/token","jwks_uri":"https://cells.example.com/oidc/jwks"}`, seedIssuer, query)
			_, err := parseDiscovery([]byte(doc), seedIssuer)
			if err == nil || !strings.Contains(err.Error(), "already carries "+name+" in its query") {
				t.Errorf("query %q: err = %v", query, err)
			}
		}
	}
	// The same names elsewhere are no concern: only the authorization
	// URL is built from its query.
	doc := fmt.Sprintf(`{"issuer":%q,"authorization_endpoint":"https://cells.example.com/oidc/oauth2/auth?prompt_hint=1","token_endpoint":"https://cells.example.com/oidc/oauth2/token?client_id=x","jwks_uri":"https://cells.example.com/oidc/jwks"}`, seedIssuer)
	if _, err := parseDiscovery([]byte(doc), seedIssuer); err != nil {
		t.Errorf("a query on the token endpoint: %v", err)
	}
}

// TestDiscoveryRefusesUserInfo refuses user info in every endpoint, and
// never quotes what stands before the @.
func TestDiscoveryRefusesUserInfo(t *testing.T) {
	for _, member := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "revocation_endpoint", "end_session_endpoint"} {
		members := map[string]string{
			"authorization_endpoint": "https://cells.example.com/oidc/oauth2/auth",
			"token_endpoint":         "https://cells.example.com/oidc/oauth2/token",
			"jwks_uri":               "https://cells.example.com/oidc/jwks",
		}
		members[member] = "https://cells.example.com:SECRET@evil.example/x"
		doc := fmt.Sprintf(`{"issuer":%q`, seedIssuer)
		for k, v := range members {
			doc += fmt.Sprintf(`,%q:%q`, k, v)
		}
		_, err := parseDiscovery([]byte(doc+"}"), seedIssuer)
		if err == nil || !strings.Contains(err.Error(), member+" holds a user name before its host (user@evil.example)") {
			t.Errorf("%s: err = %v", member, err)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error quotes the user info: %v", member, err)
		}
	}
}

// TestDiscoveryNotesOtherHosts names each endpoint on another host than
// the issuer's, one line each, and none when all are on the issuer's.
func TestDiscoveryNotesOtherHosts(t *testing.T) {
	for _, tt := range []struct {
		seed string
		want []string
	}{
		{"cells.json", nil},
		{"other-host.json", []string{
			"note: discovery: authorization_endpoint is on login.example.net, another host than the issuer's (cells.example.com)",
			"note: discovery: token_endpoint is on tokens.example.org, another host than the issuer's (cells.example.com)",
		}},
		{"lookalike-host.json", []string{
			"note: discovery: authorization_endpoint is on xn--ells-k6d.example.com, another host than the issuer's (cells.example.com)",
		}},
	} {
		d, err := parseDiscovery(discoverySeed(t, tt.seed), seedIssuer)
		if err != nil {
			t.Fatalf("%s: %v", tt.seed, err)
		}
		var got []string
		d.noteOtherHosts(func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) })
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: notes\n%s\nwant\n%s", tt.seed, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}
