package oob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cells-oob/cells-oob/jwtinfo"
	"github.com/golang-jwt/jwt/v5"
)

// keyResult is the outcome of fetching the JWKS in the background: the
// document and the keys read from it.
type keyResult struct {
	doc     []byte
	keyfunc jwt.Keyfunc
	err     error
}

// fetchKeys fetches the JWKS in the background.
func fetchKeys(ctx context.Context, client *http.Client, jwksURL string) <-chan keyResult {
	ch := make(chan keyResult, 1)
	if jwksURL == "" {
		ch <- keyResult{err: errors.New("the provider lists no JWKS")}
		return ch
	}
	go func() {
		doc, err := FetchJWKS(ctx, client, jwksURL)
		if err != nil {
			ch <- keyResult{err: err}
			return
		}
		kf, err := jwtinfo.KeyfuncFromJWKS(doc)
		ch <- keyResult{doc: doc, keyfunc: kf, err: err}
	}()
	return ch
}

// storedKeys hands out the JWKS kept in p, as prefetchKeys does a fetched
// one. A profile saved before keys were kept has none: they are fetched.
func storedKeys(ctx context.Context, client *http.Client, p *Profile) <-chan keyResult {
	if len(p.SigningKeys) == 0 {
		return fetchKeys(ctx, client, p.Endpoints.JWKS)
	}
	ch := make(chan keyResult, 1)
	kf, err := jwtinfo.KeyfuncFromJWKS(p.SigningKeys)
	ch <- keyResult{doc: p.SigningKeys, keyfunc: kf, err: err}
	return ch
}

// validator checks what the person pasted, or what the exchange returned,
// and fills the profile from it. A refresh checks its ID token with one.
type validator struct {
	client  *http.Client
	now     func() time.Time
	profile *Profile
	keys    <-chan keyResult
	keyfunc jwt.Keyfunc
	// doc is the JWKS document keyfunc was read from, kept in the profile
	// so that refreshed ID tokens are checked without a request.
	doc []byte
	// refetched says the JWKS was fetched again for an unknown kid, which
	// happens at most once a login.
	refetched bool
}

// verifier waits for the prefetched keys. Its errors, like verifyJWT's,
// are wrapped by the callers, who say which token was being checked.
func (v *validator) verifier(ctx context.Context) (jwt.Keyfunc, error) {
	if v.keyfunc != nil {
		return v.keyfunc, nil
	}
	select {
	case r := <-v.keys:
		if r.err != nil {
			return nil, fmt.Errorf("fetch signing keys: %w", r.err)
		}
		v.keyfunc, v.doc = r.keyfunc, r.doc
		return r.keyfunc, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// verifyJWT checks a JWT's signature, issuer and times, and its audience
// when audience is not empty. A token signed with a key the prefetched set
// does not hold sends for the set again, once: the provider may have
// rotated its keys while the person was signing in.
func (v *validator) verifyJWT(ctx context.Context, raw, audience string) (*jwtinfo.Token, error) {
	kf, err := v.verifier(ctx)
	if err != nil {
		return nil, err
	}
	opts := jwtinfo.VerifyOptions{
		Keyfunc:  kf,
		Issuer:   v.profile.Issuer,
		Audience: audience,
		Leeway:   leeway,
		Now:      v.now,
	}
	t, err := jwtinfo.Verify(ctx, raw, opts)
	if !errors.Is(err, jwtinfo.ErrUnknownKey) || v.refetched {
		return t, err
	}
	v.refetched = true
	doc, ferr := FetchJWKS(ctx, v.client, v.profile.Endpoints.JWKS)
	if ferr != nil {
		return nil, fmt.Errorf("fetch signing keys again: %w", ferr)
	}
	if opts.Keyfunc, ferr = jwtinfo.KeyfuncFromJWKS(doc); ferr != nil {
		return nil, fmt.Errorf("fetch signing keys again: %w", ferr)
	}
	v.keyfunc, v.doc = opts.Keyfunc, doc
	return jwtinfo.Verify(ctx, raw, opts)
}

// tokens validates a token set; nonce is checked when this flow made the
// request (a pasted token response carries someone else's nonce).
func (v *validator) tokens(ctx context.Context, tok Token, nonce string) (*Profile, error) {
	if tok.AccessToken == "" && tok.IDToken == "" {
		return nil, Invalidf("the token response holds no token")
	}
	if tok.IDToken == "" {
		// Without an ID token only the server can vouch for the token.
		return v.opaqueSet(ctx, tok, nil)
	}
	id, err := v.verifyJWT(ctx, tok.IDToken, v.profile.ClientID)
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	switch {
	case nonce == "":
	case id.Nonce == "":
		// Cells drops the nonce with the PKCE challenge; the token still
		// came from our own exchange of our own code.
		v.profile.NoNonce = true
	case id.Nonce != nonce:
		return nil, Invalidf("ID token: nonce does not match this login")
	}
	if tok.AccessToken == "" {
		tok.AccessToken = tok.IDToken
		tok.Expiry = id.ExpiresAt
	}
	v.profile.Token = tok
	v.profile.User = v.named(ctx, userFromToken(id), tok.AccessToken)
	v.profile.SigningKeys = v.doc
	return v.profile, nil
}

// named returns the user an ID token describes, asking userinfo once with
// the access token when the token names them by subject alone, as some
// providers' do. Only a userinfo answer about the same subject counts, and
// a failed one leaves the user as they were: naming is not worth refusing
// a login for.
func (v *validator) named(ctx context.Context, u User, accessToken string) User {
	if u.named() || accessToken == "" || v.profile.Endpoints.UserInfo == "" {
		return u
	}
	info, err := FetchUserInfo(ctx, v.client, v.profile.Endpoints.UserInfo, accessToken)
	if err != nil || info.Subject != u.Subject {
		return u
	}
	return info
}

// jwt accepts a pasted JWT: an ID token, or a JWT access token.
func (v *validator) jwt(ctx context.Context, raw string) (*Profile, error) {
	t, err := v.verifyJWT(ctx, raw, "")
	if err != nil {
		return nil, fmt.Errorf("pasted token: %w", err)
	}
	tok := Token{AccessToken: raw, TokenType: "Bearer", Expiry: t.ExpiresAt}
	if t.HasAudience(v.profile.ClientID) {
		tok.IDToken = raw
	}
	v.profile.Token = tok
	v.profile.User = userFromToken(t)
	v.profile.SigningKeys = v.doc
	return v.profile, nil
}

// opaque accepts an opaque token only if the server's userinfo answers for
// it. rejected, when set, is the error to give if it does not.
func (v *validator) opaque(ctx context.Context, token string, rejected error) (*Profile, error) {
	return v.opaqueSet(ctx, Token{AccessToken: token, TokenType: "Bearer"}, rejected)
}

func (v *validator) opaqueSet(ctx context.Context, tok Token, rejected error) (*Profile, error) {
	if v.profile.Endpoints.UserInfo == "" {
		if rejected != nil {
			return nil, rejected
		}
		return nil, Invalidf("the provider has no userinfo endpoint to confirm the token with")
	}
	user, err := FetchUserInfo(ctx, v.client, v.profile.Endpoints.UserInfo, tok.AccessToken)
	if err != nil {
		if rejected != nil && errors.Is(err, ErrInvalid) {
			return nil, rejected
		}
		return nil, err
	}
	if tok.TokenType == "" {
		tok.TokenType = "Bearer"
	}
	v.profile.Token = tok
	v.profile.User = user
	return v.profile, nil
}

func userFromToken(t *jwtinfo.Token) User {
	return User{
		Subject:           t.Subject,
		PreferredUsername: t.PreferredUsername,
		Name:              t.Name,
		Email:             t.Email,
	}
}

func expiryFrom(now time.Time, expiresIn int64) time.Time {
	if expiresIn <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(expiresIn) * time.Second)
}
