package show

import (
	"io"
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// TokenFormat is how WriteToken shows a token.
type TokenFormat int

// The formats of WriteToken.
const (
	// FormatRaw is the token alone on a line.
	FormatRaw TokenFormat = iota
	// FormatHeader is an HTTP header line: "Authorization: Bearer <token>".
	FormatHeader
	// FormatJSON is a TokenDocument.
	FormatJSON
)

// TokenDocument is what `cells-oob token --json` prints. The JSON names are
// stable. The refresh token is never part of it.
type TokenDocument struct {
	// AccessToken is the access token.
	AccessToken string `json:"access_token"`
	// TokenType is the scheme for the Authorization header: "Bearer".
	TokenType string `json:"token_type"`
	// Expiry is when the access token expires (RFC 3339, UTC), null when
	// it does not say (a personal access token).
	Expiry *time.Time `json:"expiry"`
	// IDToken is the ID token, left out when the profile has none.
	IDToken string `json:"id_token,omitempty"`
	// IDTokenExpiry is when the ID token expires, left out with it.
	IDTokenExpiry *time.Time `json:"id_token_expiry,omitempty"`
	// Profile is the profile's name.
	Profile string `json:"profile"`
}

// WriteToken writes profile name's token to w in format f: the ID token if
// idToken is set, else the access token. The JSON form holds both.
func WriteToken(w io.Writer, name string, p *oob.Profile, idToken bool, f TokenFormat) error {
	tok := p.Token.AccessToken
	if idToken {
		tok = p.Token.IDToken
	}
	var out []byte
	switch f {
	case FormatHeader:
		out = []byte("Authorization: Bearer " + tok + "\n")
	case FormatJSON:
		doc := TokenDocument{
			AccessToken: p.Token.AccessToken,
			TokenType:   "Bearer",
			Expiry:      when.UTC(p.Token.Expiry),
			IDToken:     p.Token.IDToken,
			Profile:     name,
		}
		if doc.IDToken != "" {
			doc.IDTokenExpiry = when.UTC(p.IDTokenExpiry())
		}
		var err error
		if out, err = jsonout.Encode(doc); err != nil {
			return err
		}
	default:
		out = []byte(tok + "\n")
	}
	_, err := w.Write(out)
	return err
}
