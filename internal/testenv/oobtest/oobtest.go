package oobtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
	"golang.org/x/oauth2"
)

// SignIn logs in to srv as its user with oob.Flow, the browser played over
// HTTP and the code pasted back, and returns the profile the flow made.
func SignIn(t testing.TB, srv *cellsop.Server) *oob.Profile {
	t.Helper()
	ctx := context.Background()
	paste, typed := io.Pipe()
	shown, out := io.Pipe()
	defer out.Close()
	browsed := make(chan error, 1)
	go func() {
		browsed <- browse(ctx, srv, bufio.NewScanner(shown), typed)
		io.Copy(io.Discard, shown)
	}()
	p, err := (&oob.Flow{HTTPClient: srv.Client(), In: paste, Out: out}).Login(ctx, oob.LoginOptions{
		Server:   srv.URL,
		ClientID: cellsop.ClientID,
		Scopes:   cellsop.Scopes,
	})
	out.Close()
	if berr := <-browsed; berr != nil {
		t.Fatalf("sign in: %v", berr)
	}
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if p.Token.RefreshToken == "" || p.Token.IDToken == "" {
		t.Fatal("the provider granted no refresh token or no ID token")
	}
	return p
}

// browse reads the flow's output until the authorization URL, signs in
// there, and types the code the page shows.
func browse(ctx context.Context, srv *cellsop.Server, shown *bufio.Scanner, typed *io.PipeWriter) error {
	for shown.Scan() {
		line := shown.Text()
		if !strings.HasPrefix(line, "http") {
			continue
		}
		res, err := (&browser.Browser{Client: srv.Client()}).Authorize(ctx, line, cellsop.Username, cellsop.Password)
		if err == nil && res.Code == "" {
			err = fmt.Errorf("the provider refused: %s", res.Error)
		}
		if err != nil {
			typed.CloseWithError(err)
			return err
		}
		_, err = io.WriteString(typed, res.Code+"\n")
		return err
	}
	typed.Close()
	return fmt.Errorf("the flow showed no authorization URL")
}

// Saved puts p into a new config file as its current profile "me".
func Saved(t testing.TB, p *oob.Profile) *oob.Store {
	t.Helper()
	s := &oob.Store{Path: filepath.Join(t.TempDir(), "cells-oob", "config.json")}
	err := s.Update(context.Background(), func(c *oob.Config) error {
		c.Put("me", p, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Profile is a profile of user at cells.example.com with synthetic tokens,
// valid until 2030, for tests that never reach a server.
func Profile(user string) *oob.Profile {
	return &oob.Profile{
		Server:      "https://cells.example.com",
		Issuer:      "https://cells.example.com/oidc/",
		ClientID:    oob.DefaultClientID,
		RedirectURI: "https://cells.example.com/oauth2/oob",
		Scopes:      strings.Fields(oob.DefaultScope),
		Endpoints: oob.Endpoints{
			Authorization: "https://cells.example.com/oidc/oauth2/auth",
			Token:         "https://cells.example.com/oidc/oauth2/token",
			UserInfo:      "https://cells.example.com/oidc/userinfo",
			Revocation:    "https://cells.example.com/oidc/oauth2/revoke",
			JWKS:          "https://cells.example.com/oidc/.well-known/jwks.json",
		},
		TLS: oob.TLS{CAFile: "/etc/ssl/cells-ca.pem"},
		Token: oob.Token{
			AccessToken:  "ory_at_SYNTHETIC" + strings.Repeat("a", 70),
			TokenType:    "bearer",
			RefreshToken: "ory_rt_SYNTHETIC" + strings.Repeat("r", 70),
			IDToken:      "eyJSYNTHETIC." + strings.Repeat("i", 700) + "." + strings.Repeat("s", 342),
			Expiry:       time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		},
		User: oob.User{Subject: "sub-" + user, PreferredUsername: user, Name: "User " + user, Email: user + "@example.com"},
	}
}

// ClientOf is a Session's HTTPClient that reaches srv.
func ClientOf(srv *cellsop.Server) func(oob.TLS) (*http.Client, error) {
	return func(oob.TLS) (*http.Client, error) { return srv.Client(), nil }
}

// NoClient is a Session's HTTPClient that fails the test if the session
// builds a client at all.
func NoClient(t testing.TB) func(oob.TLS) (*http.Client, error) {
	return func(oob.TLS) (*http.Client, error) {
		t.Errorf("the session built an HTTP client")
		return nil, errors.New("no network in this test")
	}
}

// Expire sets the access token expiry of profile "me" in s to at.
func Expire(t testing.TB, s *oob.Store, at time.Time) {
	t.Helper()
	err := s.Update(context.Background(), func(c *oob.Config) error {
		c.Profiles["me"].Token.Expiry = at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Stored is profile "me" as s holds it now.
func Stored(t testing.TB, s *oob.Store) *oob.Profile {
	t.Helper()
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Profiles["me"]
}

// Accepted says whether srv's userinfo takes the access token.
func Accepted(t testing.TB, srv *cellsop.Server, token string) bool {
	t.Helper()
	_, err := oob.FetchUserInfo(context.Background(), srv.Client(), srv.URL+cellsop.PathUserinfo, token)
	if err != nil && !errors.Is(err, oob.ErrInvalid) {
		t.Fatalf("userinfo: %v", err)
	}
	return err == nil
}

// Spend refreshes with refreshToken behind the back of whoever holds it,
// as another program sharing the session would.
func Spend(t testing.TB, srv *cellsop.Server, refreshToken string) error {
	t.Helper()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	_, err := srv.OAuth2Config().TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	return err
}

// InvalidGrant says whether err is the provider refusing a grant as
// invalid_grant: a refresh token spent, revoked or expired.
func InvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// Inactive says whether err is the provider refusing a refresh token as
// token_inactive, as the Hydra Cells v5 pins does for a revoked or reused
// one.
func Inactive(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "token_inactive"
}
