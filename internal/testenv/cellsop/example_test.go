package cellsop_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// A whole out-of-band sign-in against the provider: the browser reads the
// code off the OOB page, and cells-client exchanges it with its PKCE
// verifier.
func Example() {
	srv, err := cellsop.Start(cellsop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx := context.Background()
	cfg := srv.OAuth2Config()
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("at-least-8-characters", oauth2.S256ChallengeOption(verifier))
	res, err := browser.Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := cfg.Exchange(ctx, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("issuer:", strings.TrimPrefix(srv.Issuer(), srv.URL))
	fmt.Println("state:", res.State)
	fmt.Println("refresh token like Cells':", strings.HasPrefix(tok.RefreshToken, "ory_rt_"))
	fmt.Println("ID token:", tok.Extra("id_token") != nil)
	fmt.Println("token requests:", srv.Count(cellsop.PathToken))
	// Output:
	// issuer: /oidc/
	// state: at-least-8-characters
	// refresh token like Cells': true
	// ID token: true
	// token requests: 1
}
