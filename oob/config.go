package oob

import "time"

// ConfigVersion is the version written into new config files.
const ConfigVersion = 1

// Config is the whole config file: profiles keyed by name and the name of
// the current one.
type Config struct {
	Version  int                 `json:"version"`
	Current  string              `json:"current,omitempty"`
	Profiles map[string]*Profile `json:"profiles"`
}

// Profile is one signed-in session: where it came from, how to reach the
// server again, and the tokens.
type Profile struct {
	// Server is the Cells base URL, empty for a plain OpenID provider.
	Server      string    `json:"server,omitempty"`
	Issuer      string    `json:"issuer"`
	ClientID    string    `json:"client_id"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	Endpoints   Endpoints `json:"endpoints"`
	TLS         TLS       `json:"tls"`
	Token       Token     `json:"token"`
	User        User      `json:"user"`
}

// Endpoints are the provider's URLs, as discovery listed them at login.
type Endpoints struct {
	Authorization string `json:"authorization"`
	Token         string `json:"token"`
	UserInfo      string `json:"userinfo,omitempty"`
	Revocation    string `json:"revocation,omitempty"`
	JWKS          string `json:"jwks,omitempty"`
}

// TLS holds the TLS choices made at login, so refreshes make them again.
type TLS struct {
	CAFile             string `json:"ca_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

// Token is the stored token set. Expiry is the access token's.
type Token struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// User is who signed in, from the ID token or userinfo.
type User struct {
	Subject           string `json:"sub,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Name              string `json:"name,omitempty"`
	Email             string `json:"email,omitempty"`
}
