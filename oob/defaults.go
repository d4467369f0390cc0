package oob

// Cells defaults, from the Cells source.
const (
	// DefaultClientID is the public client Cells registers for tools.
	DefaultClientID = "cells-client"
	// DefaultScope is the scope Cells grants; offline yields a refresh token.
	DefaultScope = "openid email profile pydio offline"
	// oobPath is where Cells shows the authorization code to the person.
	oobPath = "/oauth2/oob"
	// issuerPath is where Cells mounts its OpenID provider.
	issuerPath = "/oidc/"
)
