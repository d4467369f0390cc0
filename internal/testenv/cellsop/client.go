package cellsop

import (
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// ClientID is the public client Cells registers for its own tools.
const ClientID = cellspage.ClientID

// Scopes Cells knows beyond the standard ones. "offline" is Hydra's name for
// what OpenID Connect calls offline_access.
const (
	scopePydio   = "pydio"
	scopeOffline = "offline"
)

// client is cells-client: public, code flow only, PKCE at the token endpoint.
type client struct {
	redirectURIs    []string
	idTokenLifetime time.Duration
	subjectOnly     bool
	// clockOffset is Options.ClockOffset.
	clockOffset time.Duration
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                       { return ClientID }
func (c *client) RedirectURIs() []string              { return c.redirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return c.idTokenLifetime }
func (c *client) DevMode() bool                       { return false }
func (c *client) ClockSkew() time.Duration            { return c.clockOffset }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string     { return keepScopes }
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string { return keepScopes }

// ApplicationType says web, not native: for a native client the library
// accepts any port on a loopback redirect, and Cells matches the redirect
// exactly.
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }

func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

func (c *client) LoginURL(requestID string) string {
	return PathLogin + "?login_challenge=" + url.QueryEscape(requestID)
}

// IsScopeAllowed admits Cells' own scopes; the library drops any other
// scope it does not know.
func (c *client) IsScopeAllowed(scope string) bool {
	return scope == scopePydio || scope == scopeOffline
}

// IDTokenUserinfoClaimsAssertion puts name and email in the ID token even
// though an access token is issued too, as Cells does, unless the server
// was asked for subject-only ID tokens.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return !c.subjectOnly }

func keepScopes(scopes []string) []string { return slices.Clone(scopes) }
