// Package cellshydra runs a replica of a Pydio Cells server's sign-in for
// the conformance suite: Ory Hydra, the OAuth2 server Cells embeds, as a
// child process, behind a front that plays Cells. It runs two Hydras
// ([Hydras]): the one Cells v5 pins, with fosite v0.44, and v2.3.0, with
// fosite v0.49, which treat a PKCE verifier for a code bound to no
// challenge differently; [Shapes] are the four ways to put them behind
// Cells' fronts.
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
// each Hydra is built from a separate module under internal/testenv/hydra, so their
// dependencies never enter the product's go.mod. See [Build] and
// [Hydra.Binary].
package cellshydra
