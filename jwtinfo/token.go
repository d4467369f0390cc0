package jwtinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/when"
)

// MaxSize is the largest token, and the longest line of input, this package
// reads: 1 MiB, far above any real token and far below what would hurt.
const MaxSize = 1 << 20

// maxUnix is 9999-12-31T23:59:59Z: a time claim beyond it is not a date
// anyone meant, and it would overflow time arithmetic.
const maxUnix = 253402300799

// Token is a decoded JWT. Header and Claims hold everything the token says;
// the other fields are the parts people and callers look at, already typed.
// Times are zero when the claim is absent.
type Token struct {
	// Header is the JOSE header. Numbers in it are float64.
	Header map[string]any
	// Claims is the payload. Numbers in it are json.Number, so that large
	// integers survive.
	Claims map[string]any

	Algorithm string // alg
	KeyID     string // kid
	Type      string // typ

	Issuer            string   // iss
	Subject           string   // sub
	Audience          []string // aud, a single string becoming a list of one
	Name              string   // name
	Email             string   // email
	PreferredUsername string   // preferred_username
	Nonce             string   // nonce

	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf
	AuthTime  time.Time // auth_time

	// Verified is true when Verify checked the signature with a trusted key.
	Verified bool
}

// Parse decodes raw without verifying anything, for showing it to people.
// It fails with ErrEncrypted on a five-part JWE and with ErrMalformed on
// anything else that is not a three-part JWT whose header and claims decode,
// including registered claims of the wrong type (a negative or non-numeric
// exp, say). The result must not be trusted: see Verify.
func Parse(raw string) (*Token, error) {
	if err := checkShape(raw); err != nil {
		return nil, err
	}
	jt, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(raw, jwt.MapClaims{})
	// An alg this package does not know still decodes: it only cannot be
	// verified, and Verify says so.
	if err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable) {
		return nil, malformed(err)
	}
	return fromJWT(jt)
}

// checkShape refuses what is not worth handing to the JWT parser, with a
// reason a person can act on.
func checkShape(raw string) error {
	if len(raw) > MaxSize {
		return fmt.Errorf("%w: larger than 1 MiB", ErrMalformed)
	}
	if raw == "" {
		return fmt.Errorf("%w: empty input", ErrMalformed)
	}
	// Authorization codes may be JWEs: a paste must never be taken for a JWT
	// just because it starts with eyJ.
	switch dots := strings.Count(raw, "."); dots {
	case 2:
		return nil
	case 4:
		return ErrEncrypted
	default:
		return fmt.Errorf("%w: a JWT has 3 dot-separated parts, this has %d", ErrMalformed, dots+1)
	}
}

// malformed turns a decoding error from the JWT library into one line of
// ours. The library's detail names offsets and JSON syntax, never the
// token's content unescaped, and is escaped again to be sure.
func malformed(err error) error {
	detail := strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": ")
	return fmt.Errorf("%w: %s", ErrMalformed, escape(detail))
}

// fromJWT types the fields of a token the JWT library decoded.
func fromJWT(jt *jwt.Token) (*Token, error) {
	claims, _ := jt.Claims.(jwt.MapClaims)
	if jt.Header == nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	if claims == nil || len(claims) == 0 && !emptyObject(jt.Raw) {
		return nil, fmt.Errorf("%w: claims are not a JSON object", ErrMalformed)
	}
	t := &Token{Header: jt.Header, Claims: claims}
	var err error
	if t.Algorithm, err = stringField(t.Header, "alg", true); err != nil {
		return nil, err
	}
	if t.Algorithm == "" {
		return nil, fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	if t.KeyID, err = stringField(t.Header, "kid", true); err != nil {
		return nil, err
	}
	t.Type, _ = stringField(t.Header, "typ", false)

	if t.Issuer, err = stringField(claims, "iss", true); err != nil {
		return nil, err
	}
	if t.Subject, err = stringField(claims, "sub", true); err != nil {
		return nil, err
	}
	if t.Audience, err = audience(claims); err != nil {
		return nil, err
	}
	t.Name, _ = stringField(claims, "name", false)
	t.Email, _ = stringField(claims, "email", false)
	t.PreferredUsername, _ = stringField(claims, "preferred_username", false)
	t.Nonce, _ = stringField(claims, "nonce", false)

	for _, f := range []struct {
		name string
		dst  *time.Time
	}{
		{"iat", &t.IssuedAt},
		{"exp", &t.ExpiresAt},
		{"nbf", &t.NotBefore},
		{"auth_time", &t.AuthTime},
	} {
		if *f.dst, err = numericDate(claims, f.name); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// emptyObject tells "{}" from "null" as the claims of raw, which decode to
// the same empty map. Only empty claims need the second look.
func emptyObject(raw string) bool {
	_, rest, _ := strings.Cut(raw, ".")
	payload, _, _ := strings.Cut(rest, ".")
	b, err := jwt.NewParser().DecodeSegment(payload)
	return err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))
}

// stringField returns m[name] when it is a string. A value of another type
// is an error when strict (registered names whose type the RFCs fix) and
// ignored otherwise (the claim still shows among the others).
func stringField(m map[string]any, name string, strict bool) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok && strict {
		return "", fmt.Errorf("%w: %s is not a string", ErrMalformed, name)
	}
	return s, nil
}

// audience reads aud, which RFC 7519 lets be one string or a list.
func audience(claims map[string]any) ([]string, error) {
	v, ok := claims["aud"]
	if !ok {
		return nil, nil
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		aud := make([]string, 0, len(v))
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return nil, fmt.Errorf("%w: aud holds a value that is not a string", ErrMalformed)
			}
			aud = append(aud, s)
		}
		return aud, nil
	}
	return nil, fmt.Errorf("%w: aud is neither a string nor a list of strings", ErrMalformed)
}

// numericDate reads a NumericDate claim: seconds since the epoch, maybe
// fractional. Numbers arrive as json.Number from Parse but are accepted in
// any of the forms a caller-built map may hold.
func numericDate(claims map[string]any, name string) (time.Time, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, nil
	}
	var secs float64
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
		}
		secs = f
	case float64:
		secs = n
	case int64:
		secs = float64(n)
	case int:
		secs = float64(n)
	default:
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	if math.IsNaN(secs) || secs < 0 || secs > maxUnix {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC(), nil
}

// HasAudience says whether aud names audience.
func (t *Token) HasAudience(audience string) bool {
	return slices.Contains(t.Audience, audience)
}

// CheckTime says whether the token is usable at now as far as its times go:
// ErrExpired once exp (plus leeway) has passed, ErrNotYetValid while nbf
// (minus leeway) is ahead. It checks nothing else; Verify calls it too.
func (t *Token) CheckTime(now time.Time, leeway time.Duration) error {
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt.Add(leeway)) {
		return fmt.Errorf("%w: exp was %s", ErrExpired, when.Between(t.ExpiresAt, now))
	}
	if !t.NotBefore.IsZero() && now.Before(t.NotBefore.Add(-leeway)) {
		return fmt.Errorf("%w: nbf is %s", ErrNotYetValid, when.Between(t.NotBefore, now))
	}
	return nil
}
