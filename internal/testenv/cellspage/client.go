package cellspage

import (
	"encoding/pem"
	"net/http/httptest"

	"golang.org/x/oauth2"
)

// ClientID is the public client Cells registers for its own tools.
const ClientID = "cells-client"

// Scopes is what Cells clients ask for; offline brings a refresh token.
// Each call returns a slice of its own.
func Scopes() []string { return []string{"openid", "email", "profile", "pydio", "offline"} }

// OAuth2Config is cells-client as golang.org/x/oauth2 sees it, for the
// server at base (scheme, host and port) that sends the code to
// redirectURI.
func OAuth2Config(base, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + PathAuth,
			TokenURL:  base + PathToken,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      Scopes(),
	}
}

// CertificatePEM is srv's certificate in PEM, what a test hands a client
// as its --ca-file; nil when srv does not serve TLS.
func CertificatePEM(srv *httptest.Server) []byte {
	cert := srv.Certificate()
	if cert == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}
