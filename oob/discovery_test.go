package oob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/safehttp"
)

// discoveryDir holds real-looking and broken discovery documents, which also
// seed FuzzParseDiscovery.
const discoveryDir = "../testdata/discovery"

// seedIssuer is the issuer of the documents in discoveryDir.
const seedIssuer = "https://cells.example.com/oidc/"

func discoverySeed(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(discoveryDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseDiscoveryTestdata(t *testing.T) {
	// wantErr is part of the message; empty means the document is good.
	want := map[string]string{
		"cells.json":                  "",
		"minimal.json":                "",
		"wrong-issuer.json":           "discovery: the server's issuer is https://login.example.net/oidc/, not https://cells.example.com/oidc/",
		"no-token-endpoint.json":      "discovery: no token_endpoint",
		"no-jwks.json":                "discovery: no jwks_uri",
		"http-token-endpoint.json":    "discovery: token_endpoint http://tokens.example.org/oidc/oauth2/token is plain http under an https issuer",
		"relative-endpoint.json":      "discovery: authorization_endpoint: /oidc/oauth2/auth is not an absolute http(s) URL",
		"javascript-endpoint.json":    "discovery: userinfo_endpoint: javascript:alert(1) is not an absolute http(s) URL",
		"issuer-not-string.json":      "discovery: not an OpenID provider's metadata",
		"array.json":                  "discovery: not an OpenID provider's metadata",
		"truncated.json":              "discovery: not JSON",
		"login-page.html":             "discovery: not JSON",
		"userinfo-authorization.json": "discovery: authorization_endpoint holds a user name before its host (user@evil.example), which makes it read as another server's address",
		"userinfo-token.json":         "discovery: token_endpoint holds a user name before its host (user@cells.example.com)",
		"lookalike-host.json":         "",
		"escaped-lookalike-host.json": "",
		"invalid-idn-host.json":       "discovery: authorization_endpoint: its host ex\\u200dample.com is not a valid internationalized domain name",
		"preset-client-id.json":       "discovery: authorization_endpoint already carries client_id in its query",
		"preset-state.json":           "discovery: authorization_endpoint already carries state in its query",
		"preset-harmless-query.json":  "",
		"other-host.json":             "",
		"device.json":                 "",
		"device-http.json":            "discovery: device_authorization_endpoint http://cells.example.com/oidc/oauth2/device/auth is plain http under an https issuer",
		"device-userinfo.json":        "discovery: device_authorization_endpoint holds a user name before its host (user@evil.example)",
	}
	entries, err := os.ReadDir(discoveryDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := entry.Name()
		t.Run(name, func(t *testing.T) {
			wantErr, known := want[name]
			if !known {
				t.Fatalf("no expectation for %s: add one", name)
			}
			d, err := parseDiscovery(discoverySeed(t, name), seedIssuer)
			if wantErr == "" {
				if err != nil {
					t.Fatalf("parseDiscovery: %v", err)
				}
				if !sameIssuer(d.Issuer, seedIssuer) {
					t.Errorf("issuer = %s", d.Issuer)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error = %v, want one matching ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), wantErr) {
				t.Errorf("error = %q\nwant it to start with %q", err, wantErr)
			}
		})
	}
}

func TestParseDiscoveryCells(t *testing.T) {
	d, err := parseDiscovery(discoverySeed(t, "cells.json"), "https://cells.example.com/oidc")
	if err != nil {
		t.Fatal(err)
	}
	wantEndpoints := Endpoints{
		Authorization: "https://cells.example.com/oidc/oauth2/auth",
		Token:         "https://cells.example.com/oidc/oauth2/token",
		UserInfo:      "https://cells.example.com/oidc/userinfo",
		Revocation:    "https://cells.example.com/oidc/oauth2/revoke",
		JWKS:          "https://cells.example.com/oidc/.well-known/jwks.json",
	}
	if got := d.Endpoints(); !reflect.DeepEqual(got, wantEndpoints) {
		t.Errorf("Endpoints() = %+v\nwant %+v", got, wantEndpoints)
	}
	if d.EndSessionEndpoint != "https://cells.example.com/oidc/oauth2/sessions/logout" {
		t.Errorf("end_session_endpoint = %s", d.EndSessionEndpoint)
	}
}

// discoveryDoc builds a document for issuer with the given endpoints; an
// empty value leaves the field out.
func discoveryDoc(issuer, auth, token, jwks, userinfo string) []byte {
	doc := map[string]string{}
	for _, kv := range [][2]string{
		{"issuer", issuer}, {"authorization_endpoint", auth}, {"token_endpoint", token},
		{"jwks_uri", jwks}, {"userinfo_endpoint", userinfo},
	} {
		if kv[1] != "" {
			doc[kv[0]] = kv[1]
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return data
}

func TestParseDiscoveryRules(t *testing.T) {
	const (
		auth  = "https://cells.example.com/oidc/oauth2/auth"
		token = "https://cells.example.com/oidc/oauth2/token"
		jwks  = "https://cells.example.com/oidc/.well-known/jwks.json"
	)
	tests := []struct {
		name    string
		doc     []byte
		want    string
		wantErr string
	}{
		{name: "issuer with its slash", doc: discoveryDoc(seedIssuer, auth, token, jwks, ""), want: seedIssuer},
		{name: "issuer without its slash", doc: discoveryDoc(seedIssuer, auth, token, jwks, ""), want: "https://cells.example.com/oidc"},
		{name: "two slashes too many", doc: discoveryDoc(seedIssuer+"/", auth, token, jwks, ""), want: "https://cells.example.com/oidc", wantErr: "issuer is"},
		{name: "other path", doc: discoveryDoc("https://cells.example.com/", auth, token, jwks, ""), want: seedIssuer, wantErr: "issuer is"},
		{name: "no issuer", doc: discoveryDoc("", auth, token, jwks, ""), want: seedIssuer, wantErr: "names no issuer"},
		{name: "null", doc: []byte("null"), want: seedIssuer, wantErr: "names no issuer"},
		{name: "nothing expected", doc: discoveryDoc(seedIssuer, auth, token, jwks, ""), want: "", wantErr: "issuer is"},
		{
			name: "issuer with a control character",
			doc:  discoveryDoc("https://cells.example.com/oidc/\x1b[2J", auth, token, jwks, ""), want: seedIssuer,
			wantErr: `the server's issuer is https://cells.example.com/oidc/\x1b[2J, not`,
		},
		{name: "no authorization endpoint", doc: discoveryDoc(seedIssuer, "", token, jwks, ""), want: seedIssuer, wantErr: "no authorization_endpoint"},
		{
			name: "http endpoint on the same host",
			doc:  discoveryDoc(seedIssuer, auth, "http://cells.example.com/oidc/oauth2/token", jwks, ""), want: seedIssuer,
			wantErr: "plain http under an https issuer",
		},
		{
			name: "http JWKS",
			doc:  discoveryDoc(seedIssuer, auth, token, "http://keys.example.org/jwks", ""), want: seedIssuer,
			wantErr: "jwks_uri http://keys.example.org/jwks is plain http",
		},
		{
			name: "http issuer, http endpoints elsewhere",
			doc:  discoveryDoc("http://127.0.0.1:8080/oidc/", "http://127.0.0.1:8080/auth", "http://idp.test/token", "https://idp.test/jwks", ""),
			want: "http://127.0.0.1:8080/oidc/",
		},
		{name: "endpoint without host", doc: discoveryDoc(seedIssuer, auth, "https:///token", jwks, ""), want: seedIssuer, wantErr: "has no host"},
		{name: "endpoint with a fragment", doc: discoveryDoc(seedIssuer, auth+"#x", token, jwks, ""), want: seedIssuer, wantErr: "has a fragment"},
		{name: "endpoint with a query", doc: discoveryDoc(seedIssuer, auth+"?tenant=a", token, jwks, ""), want: seedIssuer},
		{name: "bad optional endpoint", doc: discoveryDoc(seedIssuer, auth, token, jwks, "userinfo"), want: seedIssuer, wantErr: "userinfo_endpoint"},
		{
			name: "issuer with a query",
			doc:  discoveryDoc("https://cells.example.com/oidc/?x=1", auth, token, jwks, ""), want: "https://cells.example.com/oidc/?x=1",
			wantErr: "the issuer has a query",
		},
		{
			name: "issuer not a URL",
			doc:  discoveryDoc("cells", auth, token, jwks, ""), want: "cells",
			wantErr: "issuer: cells is not an absolute http(s) URL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDiscovery(tt.doc, tt.want)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseDiscovery: %v", err)
				}
				if d.Endpoints().Token == "" {
					t.Errorf("no token endpoint in %+v", d)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want ErrInvalid containing %q", err, tt.wantErr)
			}
			if strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("error %q holds a control character", err)
			}
		})
	}
}

func TestDiscoverySameIssuer(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://h/oidc/", "https://h/oidc/", true},
		{"https://h/oidc/", "https://h/oidc", true},
		{"https://h/oidc", "https://h/oidc/", true},
		{"https://h/oidc//", "https://h/oidc", false},
		{"https://h/oidc/", "https://h/oidc2/", false},
		{"https://h/oidc/", "http://h/oidc/", false},
		{"https://h/", "https://h", true},
		{"", "", false},
		{"/", "", false},
		{"https://H/oidc/", "https://h/oidc/", false},
	}
	for _, tt := range tests {
		if got := sameIssuer(tt.a, tt.b); got != tt.want {
			t.Errorf("sameIssuer(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDiscoveryIssuerForServer(t *testing.T) {
	tests := []struct {
		server, issuer, redirect string
		wantErr                  string
	}{
		{server: "https://cells.example.com", issuer: "https://cells.example.com/oidc/", redirect: "https://cells.example.com/oauth2/oob"},
		{server: "https://cells.example.com/", issuer: "https://cells.example.com/oidc/", redirect: "https://cells.example.com/oauth2/oob"},
		{server: "https://cells.example.com:8080/", issuer: "https://cells.example.com:8080/oidc/", redirect: "https://cells.example.com:8080/oauth2/oob"},
		{server: "http://192.168.1.5:8080", issuer: "http://192.168.1.5:8080/oidc/", redirect: "http://192.168.1.5:8080/oauth2/oob"},
		{server: "https://example.com/cells/", issuer: "https://example.com/cells/oidc/", redirect: "https://example.com/cells/oauth2/oob"},
		{server: "cells.example.com", wantErr: "must start with https:// (or http://), as in https://cells.example.com"},
		{server: "127.0.0.1:8080", wantErr: "must start with https:// (or http://), as in https://127.0.0.1:8080"},
		{server: "alice:synthetic-pw@cells.example.com", wantErr: "hold no user name or password"},
		{server: "localhost:8080", wantErr: "must start with https:// (or http://), as in https://localhost:8080"},
		{server: "https://cells.example.com/oidc", wantErr: "ends in /oidc, where the server's OpenID provider lives: give the server's own URL, https://cells.example.com"},
		{server: "https://example.com/cells/oidc/", wantErr: "give the server's own URL, https://example.com/cells"},
		{server: "ftp://cells.example.com", wantErr: "must start with https://"},
		{server: "https://", wantErr: "no host"},
		{server: "https://cells.example.com/?x=1", wantErr: "must not have a query or fragment"},
		{server: "https://cells.example.com/?", wantErr: "must not have a query or fragment"},
		{server: "https://cells.example.com/#top", wantErr: "must not have a query or fragment"},
		{server: "https://cells.example.com/#", wantErr: "must not have a query or fragment"},
		{server: "https://alice:synthetic-pw@cells.example.com", wantErr: "must not hold a user name or password"},
		{server: "https://cells.example.com/\x7f", wantErr: "does not parse"},
		{server: "", wantErr: "must start with https://"},
	}
	for _, tt := range tests {
		issuer, err := issuerForServer(tt.server)
		if tt.wantErr == "" {
			if err != nil || issuer != tt.issuer {
				t.Errorf("issuerForServer(%q) = %q, %v; want %q", tt.server, issuer, err, tt.issuer)
			}
			if got := defaultRedirectURI(tt.server); got != tt.redirect {
				t.Errorf("defaultRedirectURI(%q) = %q, want %q", tt.server, got, tt.redirect)
			}
			continue
		}
		if !errors.Is(err, ErrBadServerURL) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("issuerForServer(%q) error = %v, want ErrBadServerURL containing %q", tt.server, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "synthetic-pw") {
			t.Errorf("issuerForServer(%q) error %q shows the password", tt.server, err)
		}
	}
}

// cellsServer serves a discovery document built by doc from the server's own
// base URL, the way a Cells server knows its external URL.
func cellsServer(t *testing.T, handler func(w http.ResponseWriter, base string)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oidc/.well-known/openid-configuration" {
			t.Errorf("discovery asked for %s", r.URL.Path)
		}
		handler(w, "http://"+r.Host)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscover(t *testing.T) {
	seed := func(name string) func(w http.ResponseWriter, base string) {
		data := discoverySeed(t, name)
		return func(w http.ResponseWriter, base string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(bytes.ReplaceAll(data, []byte("https://cells.example.com"), []byte(base)))
		}
	}
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, base string)
		// wantErr is the message with BASE standing for the server's URL;
		// empty for success.
		wantErr string
		is      error
	}{
		{name: "Cells", handler: seed("cells.json")},
		{
			name: "issuer mismatch",
			handler: func(w http.ResponseWriter, base string) {
				w.Write(discoverySeed(t, "cells.json"))
			},
			wantErr: "discovery: the server's issuer is https://cells.example.com/oidc/, not BASE/oidc/ (check the URL, and the server's external URL)",
			is:      ErrInvalid,
		},
		{name: "missing endpoints", handler: seed("no-token-endpoint.json"), wantErr: "discovery: no token_endpoint", is: ErrInvalid},
		{
			name: "HTML page",
			handler: func(w http.ResponseWriter, base string) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(discoverySeed(t, "login-page.html"))
			},
			wantErr: "BASE/oidc/.well-known/openid-configuration answered with a web page, not an OpenID provider's metadata",
		},
		{
			name: "bad gateway",
			handler: func(w http.ResponseWriter, base string) {
				http.Error(w, "upstream", http.StatusBadGateway)
			},
			wantErr: "BASE/oidc/.well-known/openid-configuration: server error 502 Bad Gateway",
		},
		{
			name: "too large with length",
			handler: func(w http.ResponseWriter, base string) {
				w.Header().Set("Content-Length", fmt.Sprint(safehttp.MaxResponseBytes+1))
				w.Write(bytes.Repeat([]byte(" "), safehttp.MaxResponseBytes+1))
			},
			wantErr: "BASE: response larger than 1 MiB refused",
			is:      safehttp.ErrResponseTooLarge,
		},
		{
			name: "too large chunked",
			handler: func(w http.ResponseWriter, base string) {
				w.(http.Flusher).Flush()
				io.WriteString(w, `{"issuer":"`+base+`/oidc/","x":"`+strings.Repeat("x", safehttp.MaxResponseBytes)+`"}`)
			},
			wantErr: "BASE: response larger than 1 MiB refused",
			is:      safehttp.ErrResponseTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsServer(t, tt.handler)
			client := testClient(t)
			d, err := discover(context.Background(), client, srv.URL+"/oidc/")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("discover: %v", err)
				}
				if want := srv.URL + "/oidc/oauth2/token"; d.TokenEndpoint != want {
					t.Errorf("token endpoint = %s, want %s", d.TokenEndpoint, want)
				}
				return
			}
			if want := strings.ReplaceAll(tt.wantErr, "BASE", srv.URL); err == nil || err.Error() != want {
				t.Fatalf("error = %v\nwant    %s", err, want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
		})
	}
}

func TestDiscoverIssuerWithoutSlash(t *testing.T) {
	srv := cellsServer(t, func(w http.ResponseWriter, base string) {
		w.Write(discoveryDoc(base+"/oidc/", base+"/oidc/oauth2/auth", base+"/oidc/oauth2/token", base+"/oidc/.well-known/jwks.json", ""))
	})
	client := testClient(t)
	d, err := discover(context.Background(), client, srv.URL+"/oidc")
	if err != nil {
		t.Fatal(err)
	}
	if d.Issuer != srv.URL+"/oidc/" {
		t.Errorf("issuer = %s, want the server's own spelling", d.Issuer)
	}
}

// testClient is the client cells-oob makes, with a timeout that fails a
// hung test rather than hanging it.
func testClient(t *testing.T) *http.Client {
	t.Helper()
	client, err := safehttp.New(safehttp.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// TestDiscoverNotProvider: an address where no OpenID provider answers, a
// page not found or a web application's page, is a *NotProviderError
// saying what answered; a server in trouble is not.
func TestDiscoverNotProvider(t *testing.T) {
	page := func(status int) func(w http.ResponseWriter, base string) {
		return func(w http.ResponseWriter, base string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			w.Write(discoverySeed(t, "login-page.html"))
		}
	}
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, base string)
		// want is the message, BASE standing for the server's URL; empty
		// when the error is not a *NotProviderError.
		want   string
		status int
		html   bool
	}{
		{
			name:    "not found",
			handler: func(w http.ResponseWriter, base string) { http.NotFound(w, nil) },
			want:    "BASE/oidc/.well-known/openid-configuration: 404 Not Found: no OpenID provider's metadata there",
			status:  404,
		},
		{
			name:    "web application",
			handler: page(http.StatusOK),
			want:    "BASE/oidc/.well-known/openid-configuration answered with a web page, not an OpenID provider's metadata",
			html:    true,
		},
		{
			name:    "web application's not found page",
			handler: page(http.StatusNotFound),
			want:    "BASE/oidc/.well-known/openid-configuration: 404 Not Found: a web page, not an OpenID provider's metadata",
			status:  404,
			html:    true,
		},
		{name: "gateway's page", handler: page(http.StatusBadGateway)},
		{name: "busy", handler: func(w http.ResponseWriter, base string) { http.Error(w, "slow down", http.StatusTooManyRequests) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsServer(t, tt.handler)
			_, err := discover(context.Background(), testClient(t), srv.URL+"/oidc/")
			var np *NotProviderError
			if tt.want == "" {
				if err == nil || errors.As(err, &np) {
					t.Fatalf("discover: %v, want another error", err)
				}
				return
			}
			if !errors.As(err, &np) {
				t.Fatalf("discover: %v (%T), want a *NotProviderError", err, err)
			}
			if want := strings.ReplaceAll(tt.want, "BASE", srv.URL); err.Error() != want {
				t.Errorf("error = %v\nwant    %s", err, want)
			}
			if want := srv.URL + "/oidc/.well-known/openid-configuration"; np.URL != want || np.Status != tt.status || np.HTML != tt.html {
				t.Errorf("got %+v, want URL %s, status %d, HTML %v", np, want, tt.status, tt.html)
			}
		})
	}
}
