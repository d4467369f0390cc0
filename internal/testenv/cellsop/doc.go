// Package cellsop runs a real OpenID Provider laid out like Pydio Cells, for
// tests and the demo: no Cells server is needed to sign in with cells-oob.
//
// The provider is github.com/zitadel/oidc's op package over an in-memory
// storage written here. It answers on the paths Cells uses:
//
//	<url>/oidc/                                    issuer
//	<url>/oidc/.well-known/openid-configuration    discovery
//	<url>/oidc/oauth2/auth                         authorization
//	<url>/oidc/oauth2/token                        token
//	<url>/oidc/userinfo                            userinfo
//	<url>/oidc/oauth2/revoke                       revocation (RFC 7009)
//	<url>/oidc/.well-known/jwks.json               signing keys
//	<url>/login                                    the sign-in form
//	<url>/oauth2/oob                               the page showing the code
//
// With [Options.Device] it also serves the device authorization grant
// (RFC 8628), which Cells does not, to a second public client,
// [DeviceClientID]:
//
//	<url>/oidc/oauth2/device/auth                  device authorization
//	<url>/oauth2/device/verify                     where the person is sent
//
// and a test answers for the person with [Server.ApproveDevice] or
// [Server.DenyDevice].
//
// It knows one public client, cells-client, and one person, [Username] with
// [Password]. Like Cells it asks for state of at least 8 characters, grants
// a refresh token for the scope "offline" (and "offline_access"), accepts the
// "pydio" scope, and rotates refresh tokens: each is good for one use.
//
// Unlike Cells, authorization codes and access tokens are five-part JWEs
// (eyJ…, four dots) rather than opaque ory_ac_/ory_at_ strings; refresh
// tokens do look like Cells' (ory_rt_…), and [Server.MintAccessToken] makes
// opaque personal access tokens.
//
// Import it from tests and internal/demo only, never from the cells-oob
// binary.
package cellsop
