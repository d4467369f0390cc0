package oob

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cells-oob/cells-oob/internal/when"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// Session hands out a profile's tokens, refreshing them when they are about
// to expire.
//
// Any number of processes may share one config. A token that is still good
// costs one read of the file and nothing else: no lock, no network. A
// refresh happens under the Store's lock after the config is read again, so
// processes racing on an expiring token make one refresh between them, all
// get the same new token, and the rotated refresh token is never lost.
type Session struct {
	// Store is the config file.
	Store *Store
	// Profile names the profile; empty means the config's current one.
	Profile string
	// HTTPClient returns the client for a profile's TLS choices. It is
	// called only when a request must be made.
	HTTPClient func(TLS) (*http.Client, error)
	// Warn receives notes for people, such as a server whose tokens live
	// less long than asked.
	Warn io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// TokenOptions say which token is wanted and how long it must stay valid.
type TokenOptions struct {
	// MinValid is how long the token must stay valid from now.
	MinValid time.Duration
	// IDToken asks for the ID token rather than the access token.
	IDToken bool
	// NoRefresh forbids refreshing: a token that does not last MinValid
	// is an error matching ErrExpired.
	NoRefresh bool
}

// Token returns the profile, with its name, whose access token (or ID token,
// as opts say) stays valid for opts.MinValid, refreshing it first if need
// be. The new tokens are saved before Token returns.
//
// A refresh cannot make a token outlive what the server grants: when even a
// new token is shorter-lived than opts.MinValid, it is returned all the
// same, with a note on Warn. The errors match ErrNotLoggedIn when there is
// no such profile, ErrSessionExpired when the session cannot be refreshed
// (a *NoRefreshTokenError when the profile holds no refresh token), and
// ErrExpired when the token is not valid long enough and NoRefresh is
// set.
func (s *Session) Token(ctx context.Context, opts TokenOptions) (string, *Profile, error) {
	cfg, err := s.Store.Load()
	if err != nil {
		return "", nil, err
	}
	name, p, err := cfg.Select(s.Profile)
	if err != nil {
		return "", nil, err
	}
	if opts.IDToken && p.Token.IDToken == "" {
		return "", nil, noIDToken(name)
	}
	stale := opts.check(name, p, s.now(), opts.need(p))
	if stale == nil {
		s.warnShort(name, p, opts)
		return name, p, nil
	}
	if opts.NoRefresh {
		return "", nil, stale
	}
	got, err := s.renew(ctx, name, opts.pick(p), stale, opts)
	if err != nil {
		return "", nil, err
	}
	if opts.IDToken && got.Token.IDToken == "" {
		return "", nil, noIDToken(name)
	}
	if err := opts.check(name, got, s.now(), 0); err != nil {
		// The server did not renew it (an ID token may not be), or its
		// clock is far from ours.
		return "", nil, err
	}
	s.warnShort(name, got, opts)
	return name, got, nil
}

// warnShort notes on Warn when the token handed out does not last the
// MinValid asked for, because the server grants no longer.
func (s *Session) warnShort(name string, p *Profile, opts TokenOptions) {
	now := s.now()
	if opts.check(name, p, now, opts.MinValid) == nil {
		return
	}
	s.warnf("note: the token of profile %q expires %s, sooner than the %s asked for: the server grants no longer",
		name, when.Relative(opts.expiry(p).Sub(now)), when.Short(opts.MinValid))
}

func noIDToken(name string) error {
	return &markedError{msg: fmt.Sprintf("profile %q holds no ID token (it was signed in with a pasted token)", name), mark: ErrNotLoggedIn}
}

// pick is the token opts ask for.
func (o TokenOptions) pick(p *Profile) string {
	if o.IDToken {
		return p.Token.IDToken
	}
	return p.Token.AccessToken
}

// expiry is when the token opts ask for expires: zero for a token that
// does not say, such as a personal access token. An ID token that cannot
// be read counts as expired, so that a refresh replaces it.
func (o TokenOptions) expiry(p *Profile) time.Time {
	if !o.IDToken {
		return p.Token.Expiry
	}
	return p.IDTokenExpiry()
}

// freshFor is how long a token counts as just issued: one fetched that
// recently (or in the first half of its life, if it lives less than two of
// these) is as fresh as a refresh would make it.
const freshFor = time.Minute

// need is how long the token opts ask for must last for Token to hand it
// out without a refresh: MinValid, but never more than a refresh could
// give. Against a server that grants 10 minutes, "valid for 24 hours" can
// only mean "as fresh as can be"; refreshing on every call instead would
// kill the token each previous call handed out, as Hydra revokes the
// access token that a refresh replaces. With NoRefresh it is MinValid
// itself: the caller asked whether the token lasts that long.
func (o TokenOptions) need(p *Profile) time.Duration {
	life := o.lifetime(p)
	if o.NoRefresh || life <= 0 {
		return o.MinValid
	}
	return min(o.MinValid, life-min(life/2, freshFor))
}

// lifetime is how long the server makes the token opts ask for live, zero
// when it did not say.
func (o TokenOptions) lifetime(p *Profile) time.Duration {
	if !o.IDToken {
		return time.Duration(p.Token.Lifetime) * time.Second
	}
	id, err := jwtinfo.Parse(p.Token.IDToken)
	if err != nil || id.IssuedAt.IsZero() || id.ExpiresAt.IsZero() {
		return 0
	}
	return id.ExpiresAt.Sub(id.IssuedAt)
}

// check says whether the token opts ask for lasts need from now; the error
// says why not, and matches ErrExpired.
func (o TokenOptions) check(name string, p *Profile, now time.Time, need time.Duration) error {
	what := "access token"
	if o.IDToken {
		what = "ID token"
	}
	if o.pick(p) == "" {
		return &markedError{msg: fmt.Sprintf("profile %q holds no %s", name, what), mark: ErrExpired}
	}
	exp := o.expiry(p)
	if exp.IsZero() {
		return nil
	}
	left := exp.Sub(now)
	switch {
	case left <= 0:
		return &markedError{msg: fmt.Sprintf("the %s of profile %q expired %s", what, name, when.Relative(left)), mark: ErrExpired}
	case left < need:
		return &markedError{msg: fmt.Sprintf("the %s of profile %q expires %s, sooner than the %s asked for", what, name, when.Relative(left), when.Short(o.MinValid)), mark: ErrExpired}
	}
	return nil
}

// Lasts says whether the token opts ask for stays valid for MinValid from
// now, as Token would judge it with NoRefresh; the error says why not, and
// matches ErrExpired.
func (o TokenOptions) Lasts(name string, p *Profile, now time.Time) error {
	return o.check(name, p, now, o.MinValid)
}

// alive says whether the token opts ask for has not expired yet.
func (o TokenOptions) alive(p *Profile, now time.Time) bool {
	exp := o.expiry(p)
	return o.pick(p) != "" && (exp.IsZero() || exp.After(now))
}

// IDTokenExpiry is when p's ID token expires: its exp claim, read without
// verifying it. It is zero when there is no ID token or it has no exp, and
// the Unix epoch when it cannot be read.
func (p *Profile) IDTokenExpiry() time.Time {
	if p.Token.IDToken == "" {
		return time.Time{}
	}
	id, err := jwtinfo.Parse(p.Token.IDToken)
	if err != nil {
		return time.Unix(0, 0)
	}
	return id.ExpiresAt
}

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Session) warnf(format string, args ...any) {
	if s.Warn != nil {
		fmt.Fprintf(s.Warn, format+"\n", args...)
	}
}
