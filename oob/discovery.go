package oob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// discoveryPath is where OpenID Connect Discovery 1.0 puts the provider's
// metadata, relative to the issuer with a trailing slash.
const discoveryPath = ".well-known/openid-configuration"

// discovery is the part of an OpenID provider's metadata that signing in
// and keeping tokens fresh need.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserInfoEndpoint      string `json:"userinfo_endpoint,omitempty"`
	RevocationEndpoint    string `json:"revocation_endpoint,omitempty"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint,omitempty"`
	DeviceEndpoint        string `json:"device_authorization_endpoint,omitempty"`
}

// Endpoints returns the URLs a profile keeps.
func (d discovery) Endpoints() Endpoints {
	return Endpoints{
		Authorization: d.AuthorizationEndpoint,
		Token:         d.TokenEndpoint,
		UserInfo:      d.UserInfoEndpoint,
		Revocation:    d.RevocationEndpoint,
		JWKS:          d.JWKSURI,
		Device:        d.DeviceEndpoint,
	}
}

// discover fetches and checks the metadata of the provider whose issuer is
// issuer. An address where no provider answers is a *NotProviderError.
func discover(ctx context.Context, client *http.Client, issuer string) (*discovery, error) {
	where := strings.TrimSuffix(issuer, "/") + "/" + discoveryPath
	body, err := safehttp.Get(ctx, client, where, "application/json", "")
	var refused *safehttp.HTTPError
	switch {
	case errors.Is(err, safehttp.ErrHTMLPage):
		return nil, &NotProviderError{URL: safehttp.Redacted(where), HTML: true}
	case errors.As(err, &refused) && notProvider(refused):
		return nil, &NotProviderError{URL: refused.URL, Status: refused.StatusCode, HTML: refused.HTML}
	case err != nil:
		return nil, err
	}
	return parseDiscovery(body, issuer)
}

// NotProviderError is an answer at a discovery URL that says no OpenID
// provider lives there: not found, or a web page, as a web application
// serves for any path. The address given to sign in to is most likely
// not the server's.
type NotProviderError struct {
	// URL is the discovery URL asked, without its query.
	URL string
	// Status is the HTTP status of a refusal; 0 when a page answered 2xx.
	Status int
	// HTML says the answer was a web page.
	HTML bool
	// Server is the Cells server URL the login was given, whose
	// provider was looked for; empty when it was given an issuer.
	Server string
}

func (e *NotProviderError) Error() string {
	switch {
	case e.Status == 0:
		return e.URL + " answered with a web page, not an OpenID provider's metadata"
	case e.HTML:
		return fmt.Sprintf("%s: %s: a web page, not an OpenID provider's metadata", e.URL, safehttp.StatusText(e.Status))
	}
	return fmt.Sprintf("%s: %s: no OpenID provider's metadata there", e.URL, safehttp.StatusText(e.Status))
}

// notProvider says whether a refused discovery request means no provider
// is there, rather than one that is busy, failing or behind a proxy that
// wants credentials.
func notProvider(refused *safehttp.HTTPError) bool {
	switch refused.StatusCode {
	case http.StatusNotFound, http.StatusGone, http.StatusMethodNotAllowed:
		return true
	case http.StatusProxyAuthRequired, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return refused.HTML && refused.StatusCode < 500
}

// parseDiscovery parses and checks a discovery document: its issuer must be
// wantIssuer (see [sameIssuer]), the authorization, token and JWKS
// endpoints must be there, and every endpoint must be an absolute http(s)
// URL with no user info. Every failure matches ErrInvalid. A host that is
// not ASCII is rewritten in its punycode form, which is how it is shown.
//
// The authorization endpoint is printed for a person to open, and it is
// read as the server it names: "https://cells.example.com@evil.example/"
// names evil.example, "https://сells.example.com/" (a Cyrillic "с") is
// another server, and one whose query already holds client_id or
// redirect_uri would send the sign-in to whoever put them there, since the
// first of a repeated parameter is the one most servers read.
//
// Under an https issuer no endpoint may be plain http, on the same host or
// another: the token endpoint would carry the code and the tokens in the
// clear, and the JWKS could be swapped in transit for keys that sign
// forged ID tokens. A Cells server that advertises http endpoints behind an
// https proxy has the wrong external URL, and saying so is the fix.
func parseDiscovery(data []byte, wantIssuer string) (*discovery, error) {
	var d discovery
	if err := json.Unmarshal(data, &d); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, Invalidf("discovery: not JSON: %v", err)
		}
		return nil, Invalidf("discovery: not an OpenID provider's metadata: %v", err)
	}
	if d.Issuer == "" {
		return nil, Invalidf("discovery: the document names no issuer")
	}
	if !sameIssuer(d.Issuer, wantIssuer) {
		return nil, Invalidf("discovery: the server's issuer is %s, not %s (check the URL, and the server's external URL)",
			termsafe.Text(d.Issuer, termsafe.MaxServerText), termsafe.Text(wantIssuer, termsafe.MaxServerText))
	}
	issuer, err := parseHTTPURL(d.Issuer)
	if err != nil {
		return nil, Invalidf("discovery: issuer: %v", err)
	}
	if issuer.RawQuery != "" || issuer.ForceQuery {
		return nil, Invalidf("discovery: the issuer has a query")
	}
	if issuer.User != nil {
		return nil, Invalidf("discovery: the issuer holds a user name before its host")
	}
	for _, e := range d.endpoints() {
		if *e.value == "" {
			if e.required {
				return nil, Invalidf("discovery: no %s", e.name)
			}
			continue
		}
		u, err := parseHTTPURL(*e.value)
		if err != nil {
			return nil, Invalidf("discovery: %s: %v", e.name, err)
		}
		if u.User != nil {
			// Not quoted: what comes before the @ is made to look like
			// the real server, and may hold a password.
			return nil, Invalidf("discovery: %s holds a user name before its host (user@%s), which makes it read as another server's address",
				e.name, termsafe.Text(u.Host, termsafe.MaxServerText))
		}
		if issuer.Scheme == "https" && u.Scheme != "https" {
			return nil, Invalidf("discovery: %s %s is plain http under an https issuer: the server's external URL is probably wrong",
				e.name, safehttp.Redacted(u.String()))
		}
		if e.name == "authorization_endpoint" {
			if name := oauthParam(u.Query()); name != "" {
				return nil, Invalidf("discovery: authorization_endpoint already carries %s in its query: it would take over the sign-in's parameters", name)
			}
		}
		if *e.value, err = asciiHost(u, *e.value); err != nil {
			return nil, Invalidf("discovery: %s: %v", e.name, err)
		}
	}
	return &d, nil
}

// oauthParam returns the first of the parameters login puts in the
// authorization URL that query already holds, or "".
func oauthParam(query url.Values) string {
	for _, name := range []string{"client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "response_type", "scope", "nonce"} {
		if _, ok := query[name]; ok {
			return name
		}
	}
	return ""
}

// asciiHost returns raw, the text of u, with u's host in its ASCII
// (punycode) form, as a person should see it: "xn--pple-43d.com", not a
// look-alike of "apple.com". A host that is no valid internationalized
// domain name is an error.
func asciiHost(u *url.URL, raw string) (string, error) {
	host := u.Hostname()
	if isASCII(host) {
		return raw, nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("its host %s is not a valid internationalized domain name", termsafe.Text(host, termsafe.MaxServerText))
	}
	if port := u.Port(); port != "" {
		ascii = net.JoinHostPort(ascii, port)
	}
	v := *u
	v.Host = ascii
	return v.String(), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// noteOtherHosts names to note, one line each, the endpoints that are not
// on the issuer's host: OpenID Connect allows them, and a person checking
// where the sign-in goes should know.
func (d *discovery) noteOtherHosts(note func(format string, args ...any)) {
	issuer, err := url.Parse(d.Issuer)
	if err != nil {
		return
	}
	for _, e := range d.endpoints() {
		u, err := url.Parse(*e.value)
		if *e.value == "" || err != nil || strings.EqualFold(u.Host, issuer.Host) {
			continue
		}
		note("note: discovery: %s is on %s, another host than the issuer's (%s)",
			e.name, termsafe.Text(u.Host, termsafe.MaxServerText), termsafe.Text(issuer.Host, termsafe.MaxServerText))
	}
}

// endpoint is a member of the discovery document that holds a URL.
type endpoint struct {
	name     string
	value    *string
	required bool
}

// endpoints are the URL members of d that cells-oob uses.
func (d *discovery) endpoints() []endpoint {
	return []endpoint{
		{"authorization_endpoint", &d.AuthorizationEndpoint, true},
		{"token_endpoint", &d.TokenEndpoint, true},
		{"jwks_uri", &d.JWKSURI, true},
		{"userinfo_endpoint", &d.UserInfoEndpoint, false},
		{"revocation_endpoint", &d.RevocationEndpoint, false},
		{"end_session_endpoint", &d.EndSessionEndpoint, false},
		{"device_authorization_endpoint", &d.DeviceEndpoint, false},
	}
}

// parseHTTPURL accepts an absolute http or https URL with a host and no
// fragment.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, Invalidf("%s is not an absolute http(s) URL", termsafe.Text(raw, termsafe.MaxServerText))
	case u.Hostname() == "":
		return nil, Invalidf("%s has no host", termsafe.Text(raw, termsafe.MaxServerText))
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, Invalidf("%s has a fragment", termsafe.Text(raw, termsafe.MaxServerText))
	}
	return u, nil
}

// sameIssuer reports whether a and b name the same issuer, tolerating one
// missing or extra trailing slash: Cells' issuer ends with one, and people
// and configs often drop it.
func sameIssuer(a, b string) bool {
	a, b = strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/")
	return a != "" && a == b
}

// issuerForServer returns the issuer of the Cells server at serverURL,
// <url>/oidc/. A trailing slash on serverURL is tolerated.
func issuerForServer(serverURL string) (string, error) {
	if serverURL != "" && !strings.Contains(serverURL, "://") {
		// "host:port" parses as a scheme and an opaque part, or not at
		// all; either way the person left the scheme out.
		if strings.Contains(serverURL, "@") {
			return "", badServerURL("server URL must start with https:// (or http://) and hold no user name or password")
		}
		return "", badServerURL("server URL %s: must start with https:// (or http://), as in https://%s", termsafe.Text(serverURL, termsafe.MaxServerText), termsafe.Text(serverURL, termsafe.MaxServerText))
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		// The parse error quotes the URL, which might hold a password.
		return "", badServerURL("server URL does not parse: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", badServerURL("server URL %s: must start with https:// (or http://)", u.Redacted())
	case u.Hostname() == "":
		return "", badServerURL("server URL %s: no host", u.Redacted())
	case u.User != nil:
		return "", badServerURL("server URL %s: must not hold a user name or password", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(serverURL, "#"):
		return "", badServerURL("server URL %s: must not have a query or fragment", safehttp.Redacted(u.String()))
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), strings.TrimRight(issuerPath, "/")):
		return "", badServerURL("server URL %s ends in %s, where the server's OpenID provider lives: give the server's own URL, %s", safehttp.Redacted(u.String()), strings.TrimRight(issuerPath, "/"), serverBase(strings.TrimSuffix(strings.TrimRight(serverURL, "/"), strings.TrimRight(issuerPath, "/"))))
	}
	return serverBase(serverURL) + issuerPath, nil
}

// defaultRedirectURI returns Cells' out-of-band redirect for the server at
// serverURL, <url>/oauth2/oob, where Cells shows the code to copy.
func defaultRedirectURI(serverURL string) string {
	return serverBase(serverURL) + oobPath
}

// serverBase is serverURL as typed, without trailing slashes, since the
// redirect must match the server's external URL exactly.
func serverBase(serverURL string) string {
	return strings.TrimRight(serverURL, "/")
}
