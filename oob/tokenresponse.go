package oob

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// maxLifetime is the longest expires_in taken, ten years in seconds: a
// longer one is a server's mistake, not a lifetime to plan refreshes by.
const maxLifetime = 10 * 365 * 24 * 60 * 60

// tokenResponse is a token endpoint's answer (RFC 6749 section 5.1), or its
// error (section 5.2), as the server sent it or as a person pasted it.
// ExpiresIn is kept raw: some servers send it as a string, which x/oauth2
// takes too, and whatever it holds is judged by lifetimeOf.
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	RefreshToken     string          `json:"refresh_token"`
	IDToken          string          `json:"id_token"`
	TokenType        string          `json:"token_type"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Scope            string          `json:"scope"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// responseOf is the answer x/oauth2 read, with the members it keeps only
// in its raw form.
func responseOf(t *oauth2.Token) tokenResponse {
	r := tokenResponse{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken}
	switch id := t.Extra("id_token").(type) {
	case nil:
	case string:
		r.IDToken = id
	default:
		r.IDToken = "\x00" // not a token; check says so
	}
	if exp := t.Extra("expires_in"); exp != nil {
		// A number, a string, or what a JSON answer held in its place.
		r.ExpiresIn, _ = json.Marshal(exp)
	}
	return r
}

// check refuses what could not be stored and sent on safely, and says
// why: a token that is not a plain RFC 6750 token (visible ASCII, no
// spaces: anything else would inject into an HTTP header or a terminal),
// a token type that is not Bearer (every token is sent as one), an
// expires_in that is not a lifetime. It sets TokenType to "Bearer" and
// returns the lifetime in seconds, zero when the response does not say.
func (r *tokenResponse) check() (lifetime int64, err error) {
	for _, f := range []struct{ name, value string }{
		{"access_token", r.AccessToken},
		{"refresh_token", r.RefreshToken},
		{"id_token", r.IDToken},
	} {
		if f.value != "" && !plausibleToken(f.value) {
			return 0, fmt.Errorf("%s is not a token: it holds spaces, control or non-ASCII characters", f.name)
		}
	}
	if r.TokenType != "" && !strings.EqualFold(r.TokenType, "bearer") {
		return 0, fmt.Errorf("token_type %q cannot be sent as a bearer token, the only kind cells-oob sends", termsafe.Text(r.TokenType, maxErrorCode))
	}
	r.TokenType = "Bearer"
	return lifetimeOf(r.ExpiresIn)
}

// lifetimeOf reads the raw expires_in of a JSON token response: absent or
// null is zero, "not said"; else see parseLifetime.
func lifetimeOf(raw json.RawMessage) (int64, error) {
	text := string(raw)
	switch {
	case text == "" || text == "null":
		return 0, nil
	case raw[0] == '"' && json.Unmarshal(raw, &text) != nil:
		return 0, errNotSeconds
	}
	return parseLifetime(text)
}

var errNotSeconds = errors.New("expires_in is not a number of seconds")

// parseLifetime reads expires_in, as a JSON number or the text of a JSON
// string, into whole seconds. A whole number written as a decimal
// (1000.0, 1e3) is taken: RFC 6749 says "number of seconds", and JSON
// has one kind of number. Anything else — a fraction, a negative number,
// NaN, hexadecimal, words — is refused, as is a lifetime of over ten
// years.
func parseLifetime(s string) (int64, error) {
	var number json.Number
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case s == "" || s[0] == '"' || json.Unmarshal([]byte(s), &number) != nil || err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, errNotSeconds
	case f < 0:
		return 0, errors.New("expires_in is negative: the token would be expired already")
	case !whole(s):
		return 0, fmt.Errorf("expires_in of %s is not a whole number of seconds", termsafe.Text(s, maxLifetimeText))
	case f > maxLifetime:
		// Past float64's range too, where f is +Inf.
		return 0, fmt.Errorf("expires_in of %s seconds is over ten years", termsafe.Text(s, maxLifetimeText))
	}
	return int64(f), nil
}

// whole says whether the JSON number literal s is a whole number, exactly:
// ParseFloat rounds 1e-400 to zero and 1.0000000000000001 to one.
func whole(s string) bool {
	mantissa, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			// An exponent past int: huge numbers are whole, tiny ones not.
			return !strings.HasPrefix(s[i+1:], "-")
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(mantissa, "-"), ".")
	digits := strings.TrimRight(intPart+frac, "0")
	if strings.Trim(digits, "0") == "" {
		return true // zero, however written
	}
	// The value is digits × 10^(exp - len(frac) + trailing zeros).
	zeros := len(intPart) + len(frac) - len(digits)
	return exp-len(frac)+zeros >= 0
}

// maxLifetimeText is as much of a refused expires_in as an error quotes.
const maxLifetimeText = 24

// tokenClient is client for x/oauth2's requests to a token endpoint.
// x/oauth2 reads expires_in as an integer and fails the whole exchange on
// 1000.0, with a strconv message, after the server has spent the code or
// rotated the refresh token. Through this client a whole-valued number
// reaches x/oauth2 as the integer it is, and any other expires_in fails
// the request with a *lifetimeError before x/oauth2 sees the answer.
func tokenClient(client *http.Client) *http.Client {
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.Transport = lifetimeTransport{base: client.Transport}
	return &c
}

// lifetimeError says that a token endpoint answered with an expires_in
// that is not a lifetime in whole seconds.
type lifetimeError struct{ err error }

func (e *lifetimeError) Error() string { return e.err.Error() }

// lifetimeTransport is tokenClient's transport.
type lifetimeTransport struct{ base http.RoundTripper }

func (t lifetimeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	// x/oauth2 reads a form-encoded answer with strconv.Atoi, a zero on
	// failure, and everything else as JSON.
	if media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); media == "application/x-www-form-urlencoded" || media == "text/plain" {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, safehttp.MaxResponseBytes+1))
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if len(body) > safehttp.MaxResponseBytes {
		// Too large to be an answer; whoever reads it says so.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	fixed, err := wholeLifetime(body)
	if err != nil {
		return nil, &lifetimeError{err: err}
	}
	if fixed != nil {
		body = fixed
		resp.Header.Del("Content-Length")
	}
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// wholeLifetime checks the expires_in of a JSON token response. It returns
// the response with expires_in written as an integer when it was a whole
// number written otherwise, nil when it is fine as it is (an integer,
// absent, null, or no JSON object at all, left for x/oauth2 to judge), and
// an error when it is no lifetime (see lifetimeOf).
func wholeLifetime(body []byte) ([]byte, error) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil, nil
	}
	fixed := false
	for name, raw := range members {
		// x/oauth2 matches member names as encoding/json does, in any
		// case.
		if !strings.EqualFold(name, "expires_in") {
			continue
		}
		n, err := lifetimeOf(raw)
		if err != nil {
			return nil, err
		}
		if string(raw) != "null" && string(raw) != strconv.FormatInt(n, 10) {
			members[name] = json.RawMessage(strconv.FormatInt(n, 10))
			fixed = true
		}
	}
	if !fixed {
		return nil, nil
	}
	return json.Marshal(members)
}

// serverToken is the token set a token endpoint answered at now, checked
// as tokenResponse.check says; the error names the endpoint's server.
func serverToken(t *oauth2.Token, endpoint string, now time.Time) (Token, error) {
	r := responseOf(t)
	lifetime, err := r.check()
	if err != nil {
		return Token{}, fmt.Errorf("%s sent a token response that cannot be used: %w", safehttp.Origin(endpoint), err)
	}
	return Token{
		AccessToken:  r.AccessToken,
		TokenType:    r.TokenType,
		RefreshToken: r.RefreshToken,
		IDToken:      r.IDToken,
		Expiry:       expiryFrom(now, lifetime),
		Lifetime:     lifetime,
	}, nil
}
