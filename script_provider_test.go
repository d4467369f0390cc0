package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

func init() { scriptSetups = append(scriptSetups, setupProvider, setupDeviceProvider) }

// setupProvider starts a Cells-layout provider for each script, stopped
// when the script ends: $CELLS_URL is its base URL, pat.txt in $WORK holds
// a personal access token it accepts, as `login --token` takes one, and
// tokens.json the token response another program got from it by signing
// in, as a person might paste it.
func setupProvider(env *testscript.Env) error {
	srv, err := cellsop.Start(cellsop.Options{})
	if err != nil {
		return err
	}
	env.Defer(srv.Close)
	env.Setenv("CELLS_URL", srv.URL)
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(env.WorkDir, "pat.txt"), []byte(pat+"\n"), 0o600); err != nil {
		return err
	}
	tokens, err := signedInElsewhere(srv)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(env.WorkDir, "tokens.json"), tokens, 0o600)
}

// setupDeviceProvider starts, for each script, a provider that offers the
// device authorization grant (RFC 8628), as Cells does not, stopped when
// the script ends: $DEVICE_ISSUER is its issuer, $DEVICE_CLIENT_ID the
// client that may use the grant. It asks to be polled every second, the
// shortest interval the grant can say, so that a login waits little.
func setupDeviceProvider(env *testscript.Env) error {
	srv, err := cellsop.Start(cellsop.Options{Device: &cellsop.DeviceOptions{Interval: time.Second}})
	if err != nil {
		return err
	}
	env.Defer(srv.Close)
	env.Setenv("DEVICE_ISSUER", srv.Issuer())
	env.Setenv("DEVICE_CLIENT_ID", cellsop.DeviceClientID)
	return nil
}

// signedInElsewhere is the token response of a sign-in by another run of
// cells-client than the one a script tests, as JSON.
func signedInElsewhere(srv *cellsop.Server) ([]byte, error) {
	conf := srv.OAuth2Config()
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("signed-in-elsewhere", oauth2.S256ChallengeOption(verifier))
	ctx := context.Background()
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		return nil, err
	}
	tok, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()), res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{
		"access_token":  tok.AccessToken,
		"token_type":    tok.TokenType,
		"refresh_token": tok.RefreshToken,
		"id_token":      tok.Extra("id_token"),
		"expires_in":    tok.ExpiresIn,
	}, "", "  ")
}
