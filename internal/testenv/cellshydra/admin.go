package cellshydra

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// ClientID is the public client Cells registers for its own tools.
const ClientID = cellspage.ClientID

// ClientScope is the scope cells-client may ask for, as Cells registers it.
const ClientScope = "openid email profile pydio offline offline_access"

// Scopes is what Cells clients ask for; offline brings a refresh token.
var Scopes = cellspage.Scopes()

// maxAdminAnswer bounds what is read of an admin API answer.
const maxAdminAnswer = 1 << 20

// adminCall sends a JSON request to Hydra's admin API and decodes its JSON
// answer into out, when out is not nil.
func (s *Server) adminCall(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := s.admin.JoinPath(path)
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("cellshydra: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("cellshydra: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("cellshydra: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminAnswer))
	if err != nil {
		return fmt.Errorf("cellshydra: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("cellshydra: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("cellshydra: %s %s: %w", method, path, err)
	}
	return nil
}

// LoopbackRedirectURI is the loopback redirect Cells registers for
// cells-client, where cec (and cells-oob --loopback) catch the answer.
const LoopbackRedirectURI = "http://localhost:3000/servers/callback"

// registerClient registers cells-client as Cells does: public, no secret,
// the code and refresh grants, the out-of-band page and cec's callback as
// redirects.
func (s *Server) registerClient(ctx context.Context) error {
	return s.adminCall(ctx, http.MethodPost, "/admin/clients", nil, map[string]any{
		"client_id":                  ClientID,
		"client_name":                "Cells Client",
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"redirect_uris":              append([]string{s.RedirectURI(), LoopbackRedirectURI}, s.opts.Redirects...),
		"scope":                      ClientScope,
	}, nil)
}

// loginRequest is the part of Hydra's login request the front reads.
type loginRequest struct {
	Challenge string `json:"challenge"`
	Skip      bool   `json:"skip"`
	Subject   string `json:"subject"`
	Client    struct {
		ClientID string `json:"client_id"`
	} `json:"client"`
	RequestedScope []string `json:"requested_scope"`
}

// consentRequest is the part of Hydra's consent request the front reads.
type consentRequest struct {
	Subject                      string   `json:"subject"`
	RequestedScope               []string `json:"requested_scope"`
	RequestedAccessTokenAudience []string `json:"requested_access_token_audience"`
}

// redirect is Hydra's answer to an accepted or refused request.
type redirect struct {
	To string `json:"redirect_to"`
}

func (s *Server) loginRequest(ctx context.Context, challenge string) (*loginRequest, error) {
	var lr loginRequest
	err := s.adminCall(ctx, http.MethodGet, "/admin/oauth2/auth/requests/login", url.Values{"login_challenge": {challenge}}, nil, &lr)
	return &lr, err
}

func (s *Server) acceptLogin(ctx context.Context, challenge, subject string) (string, error) {
	var r redirect
	err := s.adminCall(ctx, http.MethodPut, "/admin/oauth2/auth/requests/login/accept", url.Values{"login_challenge": {challenge}},
		map[string]any{"subject": subject, "remember": false}, &r)
	return r.To, err
}

func (s *Server) rejectLogin(ctx context.Context, challenge string) (string, error) {
	var r redirect
	err := s.adminCall(ctx, http.MethodPut, "/admin/oauth2/auth/requests/login/reject", url.Values{"login_challenge": {challenge}},
		map[string]any{"error": "access_denied", "error_description": "The resource owner denied the request"}, &r)
	return r.To, err
}

// acceptConsent grants what was asked for, with Cells' claims in the ID
// token.
func (s *Server) acceptConsent(ctx context.Context, challenge string) (string, error) {
	var cr consentRequest
	q := url.Values{"consent_challenge": {challenge}}
	if err := s.adminCall(ctx, http.MethodGet, "/admin/oauth2/auth/requests/consent", q, nil, &cr); err != nil {
		return "", err
	}
	var r redirect
	err := s.adminCall(ctx, http.MethodPut, "/admin/oauth2/auth/requests/consent/accept", q, map[string]any{
		"grant_scope":                 cr.RequestedScope,
		"grant_access_token_audience": cr.RequestedAccessTokenAudience,
		"remember":                    false,
		"session": map[string]any{
			"id_token": map[string]any{"name": Username, "email": Email, "authSource": AuthSource},
		},
	}, &r)
	return r.To, err
}

// RevokeSession ends the test user's whole session on the server, as an
// administrator of Cells would: every consent and the tokens issued under
// it are revoked, and the sign-in is forgotten. Access tokens then fail
// userinfo and refresh tokens draw invalid_grant, on both Hydras (Cells
// v5's says only fosite's generic sentence). A reused or RFC 7009-revoked
// refresh token is worded otherwise: see TestRefreshAndRevoke.
func (s *Server) RevokeSession(ctx context.Context) error {
	if err := s.adminCall(ctx, http.MethodDelete, "/admin/oauth2/auth/sessions/consent", url.Values{"subject": {Subject}, "all": {"true"}}, nil, nil); err != nil {
		return err
	}
	return s.adminCall(ctx, http.MethodDelete, "/admin/oauth2/auth/sessions/login", url.Values{"subject": {Subject}}, nil, nil)
}
