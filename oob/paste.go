package oob

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cells-oob/cells-oob/internal/termsafe"

	"github.com/golang-jwt/jwt/v5"
)

// pasteKind says what a person pasted.
type pasteKind int

// The kinds of paste, as the spec lists them.
const (
	pasteCode        pasteKind = iota + 1 // a bare authorization code
	pasteRedirectURL                      // the whole redirect URL with code and state
	pasteTokenJSON                        // a token response JSON
	pasteJWT                              // a three-part JWT
	pasteOpaque                           // an opaque token (with --token)
)

// Limits on what a paste may hold. A paste is refused above maxPaste before
// it is looked at, so that a runaway pipe costs nothing; codes are shorter
// than tokens, and a code longer than maxCode is junk rather than a code.
const (
	maxPaste       = 1 << 20
	maxCode        = 64 << 10
	maxErrorCode   = 64
	maxDescription = 200
)

// pasted is a classified paste.
type pasted struct {
	Kind pasteKind
	// Code is the authorization code (PasteCode, PasteRedirectURL).
	Code string
	// State is the state from a redirect URL.
	State string
	// Issuer is the iss parameter of a redirect URL (RFC 9207), when the
	// server sent one; the flow may compare it with the discovered issuer.
	Issuer string
	// AccessToken, RefreshToken, IDToken, TokenType, ExpiresIn and Scope
	// come from a token response JSON; a JWT or opaque paste fills
	// AccessToken (and IDToken for a JWT).
	AccessToken  string
	RefreshToken string
	IDToken      string
	TokenType    string
	ExpiresIn    int64
	Scope        string
}

// pasteOptions tell parsePaste what this login expects.
type pasteOptions struct {
	// AsToken says the person announced a token (login --token), so a paste
	// that is neither a URL nor JSON is a token rather than a code.
	AsToken bool
	// State, when not empty, must equal the state of a pasted redirect URL.
	State string
	// RedirectURI, when it is an http(s) URL, must match the scheme, host
	// and path of a pasted redirect URL.
	RedirectURI string
}

// AuthError is an error the authorization server sent instead of a code or
// a token (RFC 6749 sections 4.1.2.1 and 5.2). Its fields come from the
// outside world and are escaped and shortened so that they print safely on
// one line. It matches ErrInvalid.
type AuthError struct {
	// Code is the OAuth error code, such as access_denied.
	Code string
	// Description is the server's error_description, possibly empty.
	Description string
}

func newAuthError(code, description string) *AuthError {
	return &AuthError{
		Code:        termsafe.Text(code, maxErrorCode),
		Description: termsafe.Text(description, maxDescription),
	}
}

func (e *AuthError) Error() string {
	msg := "the server refused the sign-in: " + e.Code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is makes an AuthError match ErrInvalid, so that it exits with code 4.
func (e *AuthError) Is(target error) bool { return target == ErrInvalid }

// parsePaste classifies what a person pasted at the login prompt: a bare
// authorization code, the whole redirect URL, a token response JSON, a JWT
// or, with opts.AsToken, an opaque token. Surrounding blanks and matching
// quotes are ignored. Every error matches ErrInvalid and none repeats the
// pasted value.
func parsePaste(s string, opts pasteOptions) (pasted, error) {
	if len(s) > maxPaste {
		return pasted{}, Invalidf("the paste is too long (%d bytes, at most 1 MiB)", len(s))
	}
	s = trimPaste(s)
	if s == "" {
		return pasted{}, Invalidf("empty paste: paste the code shown by the browser")
	}
	if !utf8.ValidString(s) {
		return pasted{}, Invalidf("the paste is not text: paste the code shown by the browser")
	}
	if r, ok := controlRune(s); ok {
		return pasted{}, Invalidf("the paste holds a control character (%U): paste only the code, the URL or the token", r)
	}
	if s[0] == '{' {
		return parseTokenJSON(s)
	}
	s = stripBearer(s)
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return pasted{}, Invalidf("the paste holds more than one value: paste only the code, the URL or the token")
	}
	if p, ok, err := parseRedirect(s, opts); ok {
		return p, err
	}
	if isJWT(s) {
		return pasted{Kind: pasteJWT, AccessToken: s, IDToken: s}, nil
	}
	if opts.AsToken {
		if err := checkToken(s, "token", maxPaste); err != nil {
			return pasted{}, err
		}
		return pasted{Kind: pasteOpaque, AccessToken: s}, nil
	}
	if err := checkToken(s, "code", maxCode); err != nil {
		return pasted{}, err
	}
	return pasted{Kind: pasteCode, Code: s}, nil
}

// trimPaste drops what copying adds around a value: blanks, line ends, a
// byte order mark, zero-width spaces, and quotes that match.
func trimPaste(s string) string {
	for {
		s = strings.TrimFunc(s, func(r rune) bool {
			return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b'
		})
		if len(s) < 2 || s[0] != s[len(s)-1] || !strings.ContainsRune("\"'`", rune(s[0])) {
			return s
		}
		s = s[1 : len(s)-1]
	}
}

// controlRune finds a control character other than the blanks a multi-line
// JSON paste may hold.
func controlRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return r, true
		}
	}
	return 0, false
}

// stripBearer accepts a token copied together with its header, as in
// "Authorization: Bearer <token>".
func stripBearer(s string) string {
	rest := s
	if name, value, ok := strings.Cut(rest, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "authorization") {
		rest = strings.TrimSpace(value)
	}
	const bearer = "bearer"
	if len(rest) > len(bearer) && strings.EqualFold(rest[:len(bearer)], bearer) && unicode.IsSpace(rune(rest[len(bearer)])) {
		return strings.TrimSpace(rest[len(bearer):])
	}
	return s
}

// checkToken says whether s can be a code or a token: printable ASCII
// without spaces (RFC 6749 appendix A), not longer than limit.
func checkToken(s, what string, limit int) error {
	if len(s) > limit {
		return Invalidf("the paste is too long for a %s (%d characters, at most %d)", what, len(s), limit)
	}
	if r, ok := foreignRune(s); ok {
		return Invalidf("the paste is not a %s: it holds %U, which a %s never holds", what, r, what)
	}
	return nil
}

// plausibleToken is checkToken for values found inside a URL or JSON.
func plausibleToken(s string) bool {
	_, ok := foreignRune(s)
	return !ok
}

// foreignRune finds a character that no code or token holds.
func foreignRune(s string) (rune, bool) {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return r, true
		}
	}
	return 0, false
}

// isJWT says whether s is a JWS in compact form: three non-empty segments
// whose header is a JSON object naming an algorithm. A JWE has five
// segments and is not a JWT here, since this provider issues codes as JWEs.
func isJWT(s string) bool {
	if strings.Count(s, ".") != 2 {
		return false
	}
	for _, seg := range strings.Split(s, ".") {
		if seg == "" {
			return false
		}
	}
	token, _, err := jwt.NewParser().ParseUnverified(s, jwt.MapClaims{})
	if token == nil || err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable) {
		return false
	}
	// An algorithm jwt does not know still makes a JWT; verifying it is
	// jwtinfo's business.
	alg, _ := token.Header["alg"].(string)
	return alg != ""
}

func parseTokenJSON(s string) (pasted, error) {
	var resp tokenResponse
	if err := json.Unmarshal([]byte(s), &resp); err != nil {
		return pasted{}, jsonError(err, len(s))
	}
	if resp.Error != "" {
		return pasted{}, newAuthError(resp.Error, resp.ErrorDescription)
	}
	if resp.AccessToken == "" && resp.IDToken == "" {
		return pasted{}, Invalidf("the pasted JSON holds neither access_token nor id_token")
	}
	expiresIn, err := resp.check()
	if err != nil {
		return pasted{}, Invalidf("the pasted JSON: %v", err)
	}
	return pasted{
		Kind:         pasteTokenJSON,
		AccessToken:  resp.AccessToken,
		RefreshToken: resp.RefreshToken,
		IDToken:      resp.IDToken,
		TokenType:    resp.TokenType,
		ExpiresIn:    expiresIn,
		Scope:        termsafe.Text(resp.Scope, maxDescription),
	}, nil
}

// jsonError describes a JSON failure by position and field only: the
// decoder's own messages may quote the input.
func jsonError(err error, size int) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && syntax.Offset >= int64(size):
		return Invalidf("the pasted JSON is cut short: paste it whole")
	case errors.As(err, &syntax):
		return Invalidf("the pasted JSON does not parse (at byte %d): paste it whole", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return Invalidf("the pasted JSON is not a token response: %s has the wrong type", termsafe.Text(typ.Field, maxErrorCode))
	}
	return Invalidf("the pasted JSON is not a token response")
}
