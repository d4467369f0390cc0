package cellshydra

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// OAuth2Config is cells-client as golang.org/x/oauth2 sees it.
func (s *Server) OAuth2Config() *oauth2.Config {
	return cellspage.OAuth2Config(s.URL, s.RedirectURI())
}

// Client is a plain HTTP client for the front.
func (s *Server) Client() *http.Client { return s.client }

// Accepts asks userinfo whether the server takes accessToken: true on 200,
// false on 401.
func (s *Server) Accepts(ctx context.Context, accessToken string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+cellspage.PathUserinfo, nil)
	if err != nil {
		return false, fmt.Errorf("cellshydra: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := s.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("cellshydra: userinfo: %w", err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusUnauthorized:
		return false, nil
	}
	return false, fmt.Errorf("cellshydra: userinfo answered %s", resp.Status)
}

// Refresh spends refreshToken at the token endpoint, as any client of
// cells-client would. A refusal is an *oauth2.RetrieveError.
func (s *Server) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.client)
	return s.OAuth2Config().TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}
