package jwtinfo

import (
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
)

// Document is the machine-readable form of a token, as `--json` prints it.
// Its field names are stable.
type Document struct {
	Header   map[string]any `json:"header"`
	Claims   map[string]any `json:"claims"`
	Computed Computed       `json:"computed"`
}

// Computed holds what a reader would otherwise work out from the claims.
type Computed struct {
	// ExpiresAt is exp in RFC 3339, UTC; nil without exp.
	ExpiresAt *string `json:"expires_at"`
	// Expired is true when exp is at or before now.
	Expired bool `json:"expired"`
	// NotYetValid is true when nbf is after now.
	NotYetValid bool `json:"not_yet_valid"`
	// Verified is true when the signature was checked with a trusted key.
	Verified bool `json:"verified"`
}

// Document returns the token as a Document, its times judged at now.
func (t *Token) Document(now time.Time) Document {
	d := Document{
		Header: t.Header,
		Claims: t.Claims,
		Computed: Computed{
			Expired:     !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt),
			NotYetValid: !t.NotBefore.IsZero() && now.Before(t.NotBefore),
			Verified:    t.Verified,
		},
	}
	if !t.ExpiresAt.IsZero() {
		s := t.ExpiresAt.UTC().Format(time.RFC3339)
		d.Computed.ExpiresAt = &s
	}
	return d
}

// JSON returns the Document for now as indented JSON ending in a newline,
// with every unprintable rune from the token escaped.
func (t *Token) JSON(now time.Time) ([]byte, error) {
	out, err := jsonout.Encode(t.Document(now))
	if err != nil {
		return nil, err
	}
	return out, nil
}
