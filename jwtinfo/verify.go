package jwtinfo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// algorithms lists the signing algorithms Verify accepts: the asymmetric
// ones. "none" and HS256/384/512 are refused whatever key is offered, since
// with HMAC a provider's public key would be enough to forge a token.
var algorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

// VerifyOptions say what a token must satisfy to be trusted.
type VerifyOptions struct {
	// Keyfunc returns the key to check the signature with; see
	// KeyfuncFromJWKS and KeyfuncFromPEM.
	Keyfunc jwt.Keyfunc
	// Issuer, when set, must equal iss, a trailing slash aside: Cells
	// issues "<url>/oidc/" while people often type it without the slash.
	Issuer string
	// Audience, when set, must be in aud.
	Audience string
	// Leeway tolerates clock skew on exp and nbf.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify decodes raw and checks its algorithm, signature, issuer, audience
// and times. Only RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA are
// accepted, so "none" and HMAC fail whatever key the Keyfunc offers. The
// token must carry exp: a token that never expires is not one an OpenID
// provider issues. A "crit" header fails too: this package implements no
// critical extension.
//
// On success the token has Verified set. When the signature holds but the
// token has expired or is not valid yet, Verify returns the token together
// with an error matching ErrExpired or ErrNotYetValid, so that callers can
// still show it. On every other failure the token is nil and the error
// matches ErrInvalid and one precise reason (ErrMalformed, ErrEncrypted,
// ErrAlgorithm, ErrSignature, ErrIssuer, ErrAudience).
func Verify(ctx context.Context, raw string, opts VerifyOptions) (*Token, error) {
	if opts.Keyfunc == nil {
		return nil, errors.New("verify: no key to verify with")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if err := checkShape(raw); err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	parserOpts := []jwt.ParserOption{
		jwt.WithValidMethods(algorithms),
		jwt.WithJSONNumber(),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithExpirationRequired(),
	}
	if opts.Audience != "" {
		parserOpts = append(parserOpts, jwt.WithAudience(opts.Audience))
	}

	// The library buries a Keyfunc's error under its own words; keeping it
	// here lets the reason reach people as we wrote it.
	var keyErr error
	keyfunc := func(jt *jwt.Token) (any, error) {
		if crit, ok := jt.Header["crit"]; ok {
			// RFC 7515 section 4.1.11: extensions we do not understand
			// make the token unusable, and we understand none.
			keyErr = fmt.Errorf("%w: critical header extensions %s are not supported", ErrInvalid, compactJSON(crit))
			return nil, keyErr
		}
		key, err := opts.Keyfunc(jt)
		if err != nil {
			keyErr = err
		}
		return key, err
	}

	jt, err := jwt.NewParser(parserOpts...).ParseWithClaims(raw, jwt.MapClaims{}, keyfunc)
	if keyErr != nil {
		if errors.Is(keyErr, ErrInvalid) {
			return nil, keyErr
		}
		if errors.Is(keyErr, context.Canceled) || errors.Is(keyErr, context.DeadlineExceeded) {
			return nil, fmt.Errorf("verify: %w", keyErr)
		}
		return nil, fmt.Errorf("%w: no key to check it with: %s", ErrSignature, escape(keyErr.Error()))
	}
	if err != nil {
		if errors.Is(err, jwt.ErrTokenMalformed) || jt == nil {
			return nil, malformed(err)
		}
		if err := checkAlgorithm(jt); err != nil {
			return nil, err
		}
		if errors.Is(err, jwt.ErrInvalidKeyType) {
			return nil, fmt.Errorf("%w: the key does not fit alg %q", ErrSignature, jt.Method.Alg())
		}
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrTokenUnverifiable) {
			return nil, ErrSignature
		}
	}

	// From here the signature holds; what remains is what the token says.
	t, terr := fromJWT(jt)
	if terr != nil {
		return nil, terr
	}
	t.Verified = true
	if opts.Issuer != "" {
		if err := checkIssuer(t.Issuer, opts.Issuer); err != nil {
			return nil, err
		}
	}
	if opts.Audience != "" && !t.HasAudience(opts.Audience) {
		if len(t.Audience) == 0 {
			return nil, fmt.Errorf("%w: token has no aud, want %q", ErrAudience, opts.Audience)
		}
		return nil, fmt.Errorf("%w: token is for %s, want %q", ErrAudience, quoteList(t.Audience), opts.Audience)
	}
	if t.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: no exp claim, it would never expire", ErrInvalid)
	}
	if err == nil {
		return t, nil
	}
	if timeErr := t.CheckTime(now(), opts.Leeway); timeErr != nil {
		return t, timeErr
	}
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return t, ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return t, ErrNotYetValid
	}
	return nil, fmt.Errorf("%w: %s", ErrInvalid, escape(err.Error()))
}

// checkAlgorithm names the algorithm when it is the reason for refusal.
func checkAlgorithm(jt *jwt.Token) error {
	alg, _ := jt.Header["alg"].(string)
	if alg == "" {
		return fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	if jt.Method == nil || !slices.Contains(algorithms, jt.Method.Alg()) {
		return fmt.Errorf("%w: %q", ErrAlgorithm, alg)
	}
	return nil
}

// checkIssuer compares issuers as Cells needs: "https://h/oidc/" and
// "https://h/oidc" are the same provider.
func checkIssuer(got, want string) error {
	if got == "" {
		return fmt.Errorf("%w: token has no iss, want %q", ErrIssuer, want)
	}
	if strings.TrimSuffix(got, "/") != strings.TrimSuffix(want, "/") {
		return fmt.Errorf("%w: token is from %q, want %q", ErrIssuer, got, want)
	}
	return nil
}

// quoteList renders a list of token strings for an error, each quoted.
func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
