package oob

import (
	"encoding/json"
	"fmt"
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
// ExpiresIn is a json.Number because some servers send it as a string,
// which x/oauth2 takes too.
type tokenResponse struct {
	AccessToken      string      `json:"access_token"`
	RefreshToken     string      `json:"refresh_token"`
	IDToken          string      `json:"id_token"`
	TokenType        string      `json:"token_type"`
	ExpiresIn        json.Number `json:"expires_in"`
	Scope            string      `json:"scope"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
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
	switch exp := t.Extra("expires_in").(type) {
	case nil:
	case float64:
		r.ExpiresIn = json.Number(strconv.FormatFloat(exp, 'f', -1, 64))
	case string:
		r.ExpiresIn = json.Number(exp)
	default:
		r.ExpiresIn = "?" // not a number; check says so
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
	if r.ExpiresIn == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(string(r.ExpiresIn), 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("expires_in is not a number of seconds")
	case f < 0:
		return 0, fmt.Errorf("expires_in is negative: the token would be expired already")
	case f > maxLifetime:
		return 0, fmt.Errorf("expires_in of %.0f seconds is over ten years", f)
	}
	return int64(f), nil
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
