// Package cellshydra runs a replica of a Pydio Cells server's sign-in for
// the conformance suite: Ory Hydra v2.3.0, the OAuth2 server Cells embeds,
// as a child process, behind a front that plays Cells.
//
// The front answers on the paths Cells uses:
//
//	<url>/oidc/…        Hydra's public API (issuer <url>/oidc/)
//	<url>/login         the sign-in form, Hydra's login provider
//	<url>/consent       Hydra's consent provider, which asks nothing
//	<url>/oauth2/oob    the page showing the code, or the error
//
// It registers cells-client as Cells does (public, no secret, code and
// refresh grants) and gives Hydra Cells' lifetimes: access tokens 10
// minutes, ID tokens 1 hour, refresh tokens 60 days and single-use. Like
// Cells, and unless told otherwise through [Options], it drops the client's
// code_challenge, code_challenge_method and nonce before the authorization
// request reaches Hydra, so that Hydra binds no PKCE challenge and no nonce
// to the code.
//
// The package depends on the standard library and golang.org/x/oauth2 only;
// Hydra itself is built from the separate module in internal/hydra, so its
// dependencies never enter the product's go.mod. See [Build] and [Binary].
package cellshydra
