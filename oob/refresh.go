package oob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"

	"github.com/cells-oob/cells-oob/internal/termsafe"
	"golang.org/x/oauth2"
)

// How a session is refreshed, all in this file:
//
//   - Session.Token (session.go) finds the token stale and calls renew;
//     Session.Refresh asks for a refresh whatever the expiry.
//   - renew waits for an update under way and reads the config again,
//     then takes the store's lock and reads it once more: a token another
//     process got meanwhile is taken as it is.
//   - Under the lock, before anything is sent, the store makes room on the
//     disk for the answer (Store.updateMakingRoom): on a full or read-only
//     disk no request goes out, and the refresh token stays good.
//   - refresh trades the refresh token at the token endpoint (x/oauth2's
//     refresh grant), checks the answer (tokenresponse.go) and any new ID
//     token, and puts the tokens into the profile, which the store saves
//     before the lock is let go.
//   - committed keeps the request alive through an interrupt once it is
//     on its way, since the server may already have rotated the refresh
//     token; honour reports the interrupt after the save.

// renew refreshes the tokens of profile name for Token, which found the
// one opts ask for (seen) stale. It first waits for an update under way
// and reads the config again (Store.settled): of processes racing on an
// expiring token, the ones behind the refresher take its tokens together.
// Then, under the store's exclusive lock, it reads the config once more and
// refreshes only if the token is still stale.
func (s *Session) renew(ctx context.Context, name, seen string, stale error, opts TokenOptions) (*Profile, error) {
	// Another process may be refreshing right now: its tokens, once saved,
	// are as fresh as a refresh by this one would make them.
	fresh := func(p *Profile) bool {
		now := s.now()
		return opts.check(name, p, now, opts.need(p)) == nil || (opts.pick(p) != seen && opts.alive(p, now))
	}
	var locked *lockError
	if c, err := s.Store.settled(ctx); err == nil {
		if _, p, err := c.Select(name); err == nil && fresh(p) {
			return p, nil
		}
	} else if ctx.Err() != nil || errors.As(err, &locked) {
		// The lock would not be got the second time either.
		return nil, err
	}
	var (
		got  *Profile
		sent bool
	)
	err := s.Store.updateMakingRoom(ctx, func(c *Config, makeRoom func() error) error {
		_, p, err := c.Select(name)
		if err != nil {
			return err
		}
		// Or it refreshed while this one waited for the lock.
		if fresh(p) {
			got = p
			return errUnchanged
		}
		if p.Token.RefreshToken == "" && p.HandedTo != "" {
			return fmt.Errorf("%s: %w", stale, &HandedToError{To: p.HandedTo})
		}
		if p.Token.RefreshToken == "" {
			return &NoRefreshTokenError{Profile: name, Stale: stale, NoIDToken: p.Token.IDToken == ""}
		}
		if err := s.refresh(ctx, name, p, makeRoom, &sent); err != nil {
			return err
		}
		got = p
		return nil
	})
	if err := honour(ctx, unsaved(name, sent, err)); err != nil {
		return nil, err
	}
	return got, nil
}

// Refresh refreshes the profile's tokens now, whatever their expiry, and
// returns the profile with its name once the new tokens are saved. A
// profile that holds no refresh token, such as one holding a personal
// access token, gets a *NoRefreshTokenError.
func (s *Session) Refresh(ctx context.Context) (string, *Profile, error) {
	var (
		name string
		got  *Profile
		sent bool
	)
	err := s.Store.updateMakingRoom(ctx, func(c *Config, makeRoom func() error) error {
		n, p, err := c.Select(s.Profile)
		if err != nil {
			return err
		}
		if p.Token.RefreshToken == "" {
			return s.errNoRefreshToken(n, p)
		}
		name = n
		if err := s.refresh(ctx, n, p, makeRoom, &sent); err != nil {
			return err
		}
		got = p
		return nil
	})
	if err := honour(ctx, unsaved(name, sent, err)); err != nil {
		return "", nil, err
	}
	return name, got, nil
}

// refresh trades p's refresh token for new tokens and puts them into p.
//
// First makeRoom makes sure the answer can be saved: if it cannot, no
// request is sent, since the server may rotate the refresh token on
// receipt and a new one that cannot be saved ends the session. *sent is
// set once the request may have gone out.
//
// Once the request is on its way the server may rotate the refresh token
// on receipt, so from then on the answer is awaited, bounded by the
// client's timeout, whatever becomes of ctx: the caller saves it, and only
// then honours an interrupt. A new ID token gets the checks of the login's
// (signature against the keys kept from login, fetched again once for an
// unknown key; issuer; audience; times) and must be about the same person,
// or nothing of the answer is kept.
func (s *Session) refresh(ctx context.Context, name string, p *Profile, makeRoom func() error, sent *bool) error {
	client, err := s.HTTPClient(p.TLS)
	if err != nil {
		return err
	}
	if err := makeRoom(); err != nil {
		return fmt.Errorf("refresh profile %q: not sent: %w (the session is as it was)", name, err)
	}
	*sent = true
	ctx, done := committed(ctx, func() {
		s.warnf("note: interrupted while the server answers the refresh: waiting for its answer, so that the new refresh token is saved (at most the request timeout)")
	})
	defer done()
	// With no access token, x/oauth2 goes straight to the refresh grant;
	// it keeps the refresh token when the server sends no new one.
	spent := &oauth2.Token{RefreshToken: p.Token.RefreshToken}
	clock := &ServerClock{Now: s.Now}
	t, err := p.oauth2Config().TokenSource(context.WithValue(ctx, oauth2.HTTPClient, tokenClient(clock.Watch(client))), spent).Token()
	if err != nil {
		return refreshError(name, p, err)
	}
	tok, err := serverToken(t, p.Endpoints.Token, s.now())
	if err != nil {
		return fmt.Errorf("refresh profile %q: %w", name, err)
	}
	keys := p.SigningKeys
	if tok.IDToken == "" {
		tok.IDToken = p.Token.IDToken
	} else if keys, err = s.checkIDToken(ctx, client, clock, p, tok.IDToken); err != nil {
		return fmt.Errorf("refresh profile %q: the new ID token: %w", name, err)
	}
	tok.extra = p.Token.extra
	p.Token = tok
	p.SigningKeys = keys
	return nil
}

// checkIDToken verifies a refreshed ID token as the login verified its
// own, its times by the server's clock as the refresh's answer told it,
// and checks that it is about the person who signed in (OpenID Connect
// Core 12.2). It returns the JWKS document it was checked against.
func (s *Session) checkIDToken(ctx context.Context, client *http.Client, clock *ServerClock, p *Profile, raw string) ([]byte, error) {
	now, err := clock.judge(nil)
	if err != nil {
		return nil, err
	}
	v := &validator{client: client, now: now, profile: p, keys: storedKeys(ctx, client, p)}
	id, err := v.verifyJWT(ctx, raw, p.ClientID)
	if err != nil {
		return nil, err
	}
	if p.User.Subject != "" && id.Subject != p.User.Subject {
		return nil, Invalidf("it is about another user (%s)", termsafe.Text(id.Subject, termsafe.MaxServerText))
	}
	return v.doc, nil
}

// committed returns a context for a request whose answer must not be
// lost: it ends with ctx until the request has a connection to go out
// on, and after that only when done is called, waiting being called if
// ctx ends meanwhile. The client's timeout still bounds the wait.
func committed(ctx context.Context, waiting func()) (_ context.Context, done func()) {
	detached, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var (
		mu             sync.Mutex
		sent, canceled bool
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if sent {
			waiting()
			return
		}
		canceled = true
		cancel()
	})
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
		mu.Lock()
		defer mu.Unlock()
		sent = !canceled
	}}
	return httptrace.WithClientTrace(detached, trace), func() {
		stop()
		cancel()
	}
}

// honour returns err, or once ctx has ended an error that says so: an
// interrupt during a refresh is honoured only after its answer was saved
// or never came.
func honour(ctx context.Context, err error) error {
	switch {
	case ctx.Err() == nil, errors.Is(err, ctx.Err()):
		return err
	case err == nil:
		return &markedError{msg: "interrupted once the refreshed tokens were saved", mark: ErrInterrupted}
	}
	return &markedError{msg: "interrupted", mark: ErrInterrupted, err: err}
}

// unsaved says, of err from an update that refreshed profile name, when
// the new tokens came but could not be saved despite the room made for
// them: the server may have rotated the refresh token already.
func unsaved(name string, sent bool, err error) error {
	var save *saveError
	if !sent || !errors.As(err, &save) {
		return err
	}
	return fmt.Errorf("refresh profile %q: %w: the server's answer is lost, so the session may need a new login", name, err)
}

// refreshError says why a refresh failed. A refresh token the server
// refuses ends the session: invalid_grant as the standard says, or, from
// the Hydra in Cells v5, token_inactive (revoked or reused) and
// invalid_request about concurrent requests (another client spent the
// same token at the same moment).
func refreshError(name string, p *Profile, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && sessionGone(re) {
		why := termsafe.Text(re.ErrorCode, 64)
		if re.ErrorDescription != "" {
			why += ": " + serverReason(re.ErrorDescription)
		}
		return fmt.Errorf("refresh profile %q: the server refused the refresh token (%s): %w", name, why, ErrSessionExpired)
	}
	return tokenError(fmt.Sprintf("refresh profile %q", name), p.Endpoints.Token, err)
}

// sessionGone says whether a refused refresh means that the refresh token
// will never work again.
func sessionGone(re *oauth2.RetrieveError) bool {
	switch re.ErrorCode {
	case "invalid_grant", "token_inactive":
		return true
	case "invalid_request":
		return strings.Contains(strings.ToLower(re.ErrorDescription), "multiple concurrent requests")
	}
	return false
}

// errNoRefreshToken is why Refresh cannot refresh profile name, which
// holds no refresh token: it was handed over, or it never had one, its
// access token still valid or not.
func (s *Session) errNoRefreshToken(name string, p *Profile) error {
	if p.HandedTo != "" {
		return fmt.Errorf("profile %q cannot be refreshed: %w", name, &HandedToError{To: p.HandedTo})
	}
	return &NoRefreshTokenError{Profile: name, Stale: TokenOptions{}.check(name, p, s.now(), 0), NoIDToken: p.Token.IDToken == ""}
}
