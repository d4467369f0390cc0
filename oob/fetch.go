package oob

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cells-oob/cells-oob/internal/safehttp"
)

// FetchUserInfo asks the userinfo endpoint who accessToken belongs to,
// which also tells whether the server still accepts it: a 401 or 403 is an
// error matching ErrInvalid.
func FetchUserInfo(ctx context.Context, client *http.Client, userinfoURL, accessToken string) (User, error) {
	body, err := safehttp.Get(ctx, client, userinfoURL, "application/json", accessToken)
	var refused *safehttp.HTTPError
	if errors.As(err, &refused) && (refused.StatusCode == http.StatusUnauthorized || refused.StatusCode == http.StatusForbidden) {
		return User{}, &markedError{msg: "userinfo: the server does not accept this token", mark: ErrInvalid, err: err}
	}
	if err != nil {
		return User{}, err
	}
	var claims map[string]any
	if err := safehttp.DecodeJSON(userinfoURL, body, &claims); err != nil {
		return User{}, err
	}
	text := func(name string) string {
		s, _ := claims[name].(string)
		return s
	}
	user := User{
		Subject:           text("sub"),
		PreferredUsername: text("preferred_username"),
		Name:              text("name"),
		Email:             text("email"),
	}
	if user.Subject == "" {
		// OpenID Connect requires sub in every userinfo answer; without it
		// the answer proves nothing about the token.
		return User{}, Invalidf("userinfo %s: the answer names no subject", safehttp.Redacted(userinfoURL))
	}
	return user, nil
}

// FetchJWKS returns the JSON Web Key Set at jwksURL as the server sent it,
// once it is known to be a JSON object with at least one key.
func FetchJWKS(ctx context.Context, client *http.Client, jwksURL string) ([]byte, error) {
	body, err := safehttp.Get(ctx, client, jwksURL, "application/jwk-set+json, application/json", "")
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, Invalidf("JWKS %s is not a key set: %v", safehttp.Redacted(jwksURL), err)
	}
	if len(set.Keys) == 0 {
		return nil, Invalidf("JWKS %s has no keys", safehttp.Redacted(jwksURL))
	}
	return body, nil
}
