package oob

import "errors"

// PasteKind says what a person pasted.
type PasteKind int

// The kinds of paste, as the spec lists them.
const (
	PasteCode        PasteKind = iota + 1 // a bare authorization code
	PasteRedirectURL                      // the whole redirect URL with code and state
	PasteTokenJSON                        // a token response JSON
	PasteJWT                              // a three-part JWT
	PasteOpaque                           // an opaque token (with --token)
)

// Paste is a classified paste.
type Paste struct {
	Kind PasteKind
	// Code is the authorization code (PasteCode, PasteRedirectURL).
	Code string
	// State is the state from a redirect URL.
	State string
	// AccessToken, RefreshToken, IDToken, TokenType and ExpiresIn come from a
	// token response JSON; a JWT or opaque paste fills AccessToken (and
	// IDToken for a JWT).
	AccessToken  string
	RefreshToken string
	IDToken      string
	TokenType    string
	ExpiresIn    int64
}

// ParsePaste classifies a paste. asToken says the person announced a token
// (login --token). wantState, when not empty, must match a redirect URL's
// state.
func ParsePaste(s string, asToken bool, wantState string) (Paste, error) {
	return Paste{}, errors.New("paste: not implemented yet")
}
