package cellsop_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

func getJSON(t *testing.T, c *http.Client, u string, v any) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func TestDiscovery(t *testing.T) {
	srv := cellsop.NewTest(t)
	var d struct {
		Issuer                string   `json:"issuer"`
		Authorization         string   `json:"authorization_endpoint"`
		Token                 string   `json:"token_endpoint"`
		Userinfo              string   `json:"userinfo_endpoint"`
		Revocation            string   `json:"revocation_endpoint"`
		JWKS                  string   `json:"jwks_uri"`
		Scopes                []string `json:"scopes_supported"`
		Grants                []string `json:"grant_types_supported"`
		AuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
		RevocationAuthMethods []string `json:"revocation_endpoint_auth_methods_supported"`
		Challenges            []string `json:"code_challenge_methods_supported"`
		Algs                  []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, srv.Client(), srv.URL+"/oidc/.well-known/openid-configuration", &d)

	urls := map[string][2]string{
		"issuer":                 {d.Issuer, srv.URL + "/oidc/"},
		"authorization_endpoint": {d.Authorization, srv.URL + "/oidc/oauth2/auth"},
		"token_endpoint":         {d.Token, srv.URL + "/oidc/oauth2/token"},
		"userinfo_endpoint":      {d.Userinfo, srv.URL + "/oidc/userinfo"},
		"revocation_endpoint":    {d.Revocation, srv.URL + "/oidc/oauth2/revoke"},
		"jwks_uri":               {d.JWKS, srv.URL + "/oidc/.well-known/jwks.json"},
	}
	for name, gw := range urls {
		if gw[0] != gw[1] {
			t.Errorf("%s = %q, want %q", name, gw[0], gw[1])
		}
	}
	if srv.Issuer() != d.Issuer {
		t.Errorf("Issuer() = %q, discovery says %q", srv.Issuer(), d.Issuer)
	}
	lists := map[string][2][]string{
		"scopes_supported":                      {d.Scopes, {"openid", "email", "profile", "pydio", "offline", "offline_access"}},
		"grant_types_supported":                 {d.Grants, {"authorization_code", "refresh_token"}},
		"token_endpoint_auth_methods_supported": {d.AuthMethods, {"none"}},
		"code_challenge_methods_supported":      {d.Challenges, {"S256"}},
		"id_token_signing_alg_values_supported": {d.Algs, {"RS256"}},
	}
	for name, gw := range lists {
		for _, want := range gw[1] {
			if !slices.Contains(gw[0], want) {
				t.Errorf("%s = %q, lacks %q", name, gw[0], want)
			}
		}
	}

	var jwks struct {
		Keys []struct{ Kty, Alg, Use, Kid string } `json:"keys"`
	}
	getJSON(t, srv.Client(), d.JWKS, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" || jwks.Keys[0].Alg != "RS256" || jwks.Keys[0].Kid == "" {
		t.Errorf("JWKS keys = %+v, want one RSA RS256 key with a kid", jwks.Keys)
	}
	if n := srv.Count(cellsop.PathDiscovery); n != 1 {
		t.Errorf("Count(discovery) = %d, want 1", n)
	}
}

func TestWaitCount(t *testing.T) {
	srv := cellsop.NewTest(t)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if err := srv.WaitCount(ended, cellsop.PathJWKS, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitCount with no request and an ended context: %v, want context.Canceled", err)
	}
	arrived := make(chan error, 1)
	go func() { arrived <- srv.WaitCount(t.Context(), srv.URL+cellsop.PathJWKS, 2) }()
	for range 2 {
		var jwks any
		getJSON(t, srv.Client(), srv.URL+cellsop.PathJWKS, &jwks)
	}
	if err := <-arrived; err != nil {
		t.Errorf("WaitCount after two requests: %v", err)
	}
	if err := srv.WaitCount(t.Context(), cellsop.PathJWKS, 2); err != nil {
		t.Errorf("WaitCount of requests already counted: %v", err)
	}
}

func TestOOBPage(t *testing.T) {
	srv := cellsop.NewTest(t)
	tests := []struct {
		name       string
		query      url.Values
		wantStatus int
		want       []string
		notWant    []string
	}{
		{
			name:       "code",
			query:      url.Values{"code": {"abc.def"}, "state": {"s"}},
			wantStatus: http.StatusOK,
			want:       []string{`<code id="code">abc.def</code>`},
		},
		{
			name:       "code is escaped",
			query:      url.Values{"code": {`<script>alert("x")</script>&`}},
			wantStatus: http.StatusOK,
			want:       []string{`<code id="code">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;</code>`},
			notWant:    []string{"<script>"},
		},
		{
			name:       "error",
			query:      url.Values{"error": {"access_denied"}, "error_description": {"The <b>owner</b> said no"}},
			wantStatus: http.StatusOK,
			want: []string{
				`<code id="error">access_denied</code>`,
				`<p id="error_description">The &lt;b&gt;owner&lt;/b&gt; said no</p>`,
			},
			notWant: []string{`id="code"`, "<b>"},
		},
		{
			name:       "error wins over code",
			query:      url.Values{"error": {"server_error"}, "code": {"abc"}},
			wantStatus: http.StatusOK,
			want:       []string{`<code id="error">server_error</code>`},
			notWant:    []string{`id="code"`},
		},
		{
			name:       "nothing",
			query:      url.Values{},
			wantStatus: http.StatusBadRequest,
			notWant:    []string{`id="code"`, `id="error"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.RedirectURI() + "?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tt.want {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("page lacks %s:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if bytes.Contains(body, []byte(w)) {
					t.Errorf("page has %s:\n%s", w, body)
				}
			}
		})
	}
}

var patPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$`)

func TestMintAccessToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	if _, err := srv.MintAccessToken(0); err == nil {
		t.Error("MintAccessToken(0) succeeded")
	}
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !patPattern.MatchString(pat) {
		t.Errorf("personal token is not two 43-character parts")
	}
	status, info := userinfo(t, srv, pat)
	if status != http.StatusOK || info["sub"] != cellsop.UserID || info["preferred_username"] != cellsop.Username {
		t.Errorf("userinfo with personal token: %d %v", status, info)
	}
	tampered := pat[:len(pat)-1] + "A"
	if strings.HasSuffix(pat, "A") {
		tampered = pat[:len(pat)-1] + "B"
	}
	if status, _ := userinfo(t, srv, tampered); status != http.StatusUnauthorized {
		t.Errorf("userinfo with a changed personal token: %d, want 401", status)
	}
	revoke(t, srv, pat)
	if status, _ := userinfo(t, srv, pat); status != http.StatusUnauthorized {
		t.Errorf("userinfo with a revoked personal token: %d, want 401", status)
	}

}

func TestMintedAccessTokenExpires(t *testing.T) {
	clock := cellsop.NewClock()
	srv := cellsop.NewTest(t, cellsop.Options{Now: clock.Now})
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour - time.Second)
	if status, _ := userinfo(t, srv, pat); status != http.StatusOK {
		t.Fatalf("userinfo with a personal token a second before it expires: %d", status)
	}
	clock.Advance(2 * time.Second)
	if status, _ := userinfo(t, srv, pat); status != http.StatusUnauthorized {
		t.Errorf("userinfo with an expired personal token: %d, want 401", status)
	}
}

func TestUserinfoRefusals(t *testing.T) {
	srv := cellsop.NewTest(t)
	tests := []struct {
		name, header string
	}{
		{"no header", ""},
		{"garbage", "Bearer not-a-token"},
		{"five dots", "Bearer eyJhbGciOiJub25lIn0.a.b.c.d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+cellsop.PathUserinfo, nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
		})
	}
}

// RFC 7009, section 2.2: a token the server does not know is revoked
// successfully, so a client cannot probe for tokens.
func TestRevokeUnknownToken(t *testing.T) {
	srv := cellsop.NewTest(t)
	for _, token := range []string{"ory_rt_unknown", "eyJ.a.b.c.d", "plain"} {
		resp, err := srv.Client().PostForm(srv.URL+cellsop.PathRevoke, url.Values{"token": {token}, "client_id": {cellsop.ClientID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("revoke %q: status %d, want 200", token, resp.StatusCode)
		}
	}
	resp, err := srv.Client().PostForm(srv.URL+cellsop.PathRevoke, url.Values{"token": {"plain"}, "client_id": {"someone-else"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoke as an unknown client: status %d, want 401", resp.StatusCode)
	}
}

func TestTLS(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{TLS: true})
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL)
	}
	var d struct {
		Issuer string `json:"issuer"`
	}
	getJSON(t, srv.Client(), srv.URL+cellsop.PathDiscovery, &d)
	if d.Issuer != srv.URL+"/oidc/" {
		t.Errorf("issuer %q", d.Issuer)
	}
	if _, err := http.Get(srv.URL + cellsop.PathDiscovery); err == nil {
		t.Error("a client without the certificate connected")
	}

	block, _ := pem.Decode(srv.CertificatePEM())
	if block == nil {
		t.Fatal("CertificatePEM is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("certificate does not cover 127.0.0.1: %v", err)
	}

	login(t, srv, srv.OAuth2Config())
	if plain := cellsop.NewTest(t); plain.CertificatePEM() != nil {
		t.Error("a plain server has a certificate")
	}
}

func TestStartAddr(t *testing.T) {
	tests := []struct {
		addr string
		want *regexp.Regexp
	}{
		{"", regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`)},
		{"127.0.0.1:0", regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`)},
		{"0.0.0.0:0", regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`)},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			srv, err := cellsop.Start(cellsop.Options{Addr: tt.addr})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if !tt.want.MatchString(srv.URL) {
				t.Errorf("URL %q", srv.URL)
			}
			if srv.Issuer() != srv.URL+"/oidc/" {
				t.Errorf("Issuer %q", srv.Issuer())
			}
			var d struct {
				Issuer string `json:"issuer"`
			}
			getJSON(t, srv.Client(), srv.URL+cellsop.PathDiscovery, &d)
			if d.Issuer != srv.Issuer() {
				t.Errorf("discovery issuer %q, want %q", d.Issuer, srv.Issuer())
			}
		})
	}
	if _, err := cellsop.Start(cellsop.Options{Addr: "256.0.0.1:0"}); err == nil {
		t.Error("Start on a bad address succeeded")
	}
}

// syncBuffer is a bytes.Buffer for a log handler that requests write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogGoesToOptionsLogWithoutTokens(t *testing.T) {
	var buf syncBuffer
	srv := cellsop.NewTest(t, cellsop.Options{Log: slog.New(slog.NewTextHandler(&buf, nil))})
	cfg := srv.OAuth2Config()
	tok, _ := login(t, srv, cfg)
	if _, err := refresh(t.Context(), srv, cfg, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := refresh(t.Context(), srv, cfg, tok.RefreshToken); errorCode(err) != "invalid_grant" {
		t.Fatalf("reuse: got %v", err)
	}
	logged := buf.String()
	if !strings.Contains(logged, "invalid_grant") {
		t.Errorf("the refused refresh was not logged:\n%s", logged)
	}
	for name, secret := range map[string]string{"refresh token": tok.RefreshToken, "access token": tok.AccessToken} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
}
