package oob

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// Logout ends sessions: it asks the provider to revoke their tokens
// (RFC 7009) and deletes their profiles.
type Logout struct {
	// Store is the config file.
	Store *Store
	// HTTPClient returns the client for a profile's TLS choices.
	HTTPClient func(TLS) (*http.Client, error)
	// Out receives notes as they are found: a profile whose tokens are
	// left alone (handed over, or pasted) or cannot be revoked (its server
	// lists no revocation endpoint).
	Out io.Writer
}

// LogoutOptions say which profiles to log out of and how.
type LogoutOptions struct {
	// Profile names the profile; empty means the current one.
	Profile string
	// All logs out of every profile, whatever Profile says.
	All bool
	// NoRevoke deletes the profiles without asking the server to revoke
	// their tokens.
	NoRevoke bool
}

// LogoutResult is what a logout did.
type LogoutResult struct {
	// Gone names the profiles deleted.
	Gone []string
	// Unrevoked says why, for each profile deleted whose tokens the
	// provider was asked to revoke and did not: they stay valid until
	// they expire.
	Unrevoked []*RevocationError
	// CurrentGone says that the current profile was deleted: no profile
	// is current now.
	CurrentGone bool
	// Remaining names the profiles left.
	Remaining []string
}

// RevocationError is a revocation that failed: the tokens of Profile
// were not revoked, and Err says why. Logout deletes the profile all the
// same, so it reports the failure in LogoutResult.Unrevoked rather than
// returning it.
type RevocationError struct {
	Profile string
	Err     error
}

func (e *RevocationError) Error() string {
	return fmt.Sprintf("revoke the tokens of profile %q: %v", e.Profile, e.Err)
}

func (e *RevocationError) Unwrap() error { return e.Err }

// Run logs out as opts say and returns what it did.
//
// It all happens under the store's lock, so that a refresh in another
// process cannot rotate a refresh token between its revocation and the
// profile's deletion. A revocation that fails is reported in the result
// and the profile is deleted all the same: the person asked to be logged
// out here.
//
// When the current profile goes, no profile is current afterwards, even if
// one is left: making another one current unasked could send a script's
// requests to another server with another person's token.
func (l *Logout) Run(ctx context.Context, opts LogoutOptions) (*LogoutResult, error) {
	// Nothing to do is found without the lock, so that it writes no file.
	c, err := l.Store.Load()
	if err != nil {
		return nil, err
	}
	if _, _, err := c.Select(opts.Profile); err != nil && !opts.All {
		return nil, err
	}
	if len(c.Profiles) == 0 {
		return &LogoutResult{}, nil
	}
	var res *LogoutResult
	err = l.Store.Update(ctx, func(c *Config) error {
		res = &LogoutResult{}
		current := c.Current
		names := c.Names()
		if !opts.All {
			name, _, err := c.Select(opts.Profile)
			if err != nil {
				return err
			}
			names = []string{name}
		}
		for _, name := range names {
			p := c.Profiles[name]
			if !opts.NoRevoke {
				failed, err := l.revoke(ctx, name, p)
				if err != nil {
					return err
				}
				if failed != nil {
					res.Unrevoked = append(res.Unrevoked, failed)
				}
			}
			c.Delete(name)
			res.Gone = append(res.Gone, name)
		}
		res.CurrentGone = current != "" && c.Current == ""
		res.Remaining = c.Names()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// revoke asks the server to revoke p's refresh token, which ends the
// session, then its access token. A profile with no refresh token holds a
// token that was pasted, perhaps a personal access token also used
// elsewhere: that one is left alone. A revocation that fails is returned
// as a *RevocationError and does not stop the logout; one that ctx
// interrupts is an error, which stops it with nothing deleted.
func (l *Logout) revoke(ctx context.Context, name string, p *Profile) (*RevocationError, error) {
	switch {
	case p.Token.RefreshToken == "" && p.HandedTo != "":
		// Its access token is the one handed over too: revoking it would
		// cut the other program off.
		to := termsafe.Text(p.HandedTo, termsafe.MaxServerText)
		l.printf("note: the session of profile %q was handed over to %s, which holds it now: it was not revoked, and %s goes on using it", name, to, to)
		return nil, nil
	case p.Token.RefreshToken == "":
		l.printf("note: profile %q holds no refresh token; its access token, which may be a personal access token, was not revoked", name)
		return nil, nil
	case p.Endpoints.Revocation == "":
		l.printf("warning: the server of profile %q lists no revocation endpoint: its tokens stay valid until they expire", name)
		return nil, nil
	}
	client, err := l.HTTPClient(p.TLS)
	if err == nil {
		err = revoke(ctx, client, p.Endpoints.Revocation, p.ClientID, p.Token.RefreshToken, "refresh_token")
	}
	if err == nil && p.Token.AccessToken != "" {
		err = revoke(ctx, client, p.Endpoints.Revocation, p.ClientID, p.Token.AccessToken, "access_token")
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("logout of profile %q: %w", name, err)
	case err != nil:
		return &RevocationError{Profile: name, Err: err}, nil
	}
	return nil, nil
}

func (l *Logout) printf(format string, args ...any) {
	if l.Out != nil {
		fmt.Fprintf(l.Out, format+"\n", args...)
	}
}

// revoke asks the provider to revoke token (RFC 7009) at endpoint, for the
// public client clientID. hint is "refresh_token" or "access_token". A
// token the server does not know counts as revoked, as the RFC says.
func revoke(ctx context.Context, client *http.Client, endpoint, clientID, token, hint string) error {
	form := url.Values{
		"token":           {token},
		"token_type_hint": {hint},
		"client_id":       {clientID},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	where := safehttp.Redacted(endpoint)
	answer, err := safehttp.Do(client, req, where)
	if err != nil {
		return err
	}
	switch {
	case answer.StatusCode == http.StatusOK && answer.HTML:
		// A proxy's sign-in page, say: the server never saw the request.
		return fmt.Errorf("%s answered with an HTML page, not a revocation (is the URL right?)", where)
	case answer.StatusCode == http.StatusOK:
		return nil
	}
	return answer.Refused(where)
}
