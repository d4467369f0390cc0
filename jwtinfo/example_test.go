package jwtinfo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// fixture is a token from the JWT fixtures the command's scripts share.
func fixture(name string) string {
	f, err := os.Open(filepath.Join("..", "testdata", "jwt", name))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	raw, err := jwtinfo.ReadToken(f)
	if err != nil {
		log.Fatal(err)
	}
	return raw
}

func ExampleParse() {
	tok, err := jwtinfo.Parse(fixture("valid.jwt"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.PreferredUsername, tok.Issuer, tok.ExpiresAt.Format(time.DateOnly), tok.Verified)

	_, err = jwtinfo.Parse("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")
	fmt.Println(err, errors.Is(err, jwtinfo.ErrInvalid))
	// Output:
	// alice https://cells.example.com/oidc/ 2200-01-01 false
	// encrypted token (JWE), cannot be decoded true
}

func ExampleVerify() {
	jwks, err := os.ReadFile(filepath.Join("..", "testdata", "jwt", "jwks.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	keyfunc, err := jwtinfo.KeyfuncFromJWKS(jwks)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := jwtinfo.VerifyOptions{
		Keyfunc:  keyfunc,
		Issuer:   "https://cells.example.com/oidc", // the trailing slash may be left out
		Audience: "cells-client",
		Leeway:   time.Minute,
	}
	for _, file := range []string{"valid.jwt", "tampered.jwt", "expired.jwt"} {
		tok, err := jwtinfo.Verify(context.Background(), fixture(file), opts)
		switch {
		case errors.Is(err, jwtinfo.ErrExpired):
			fmt.Printf("%s: expired on %s\n", file, tok.ExpiresAt.Format(time.DateOnly))
		case err != nil:
			fmt.Printf("%s: %v\n", file, err)
		default:
			fmt.Printf("%s: verified %v, signed in as %s\n", file, tok.Verified, tok.PreferredUsername)
		}
	}
	// Output:
	// valid.jwt: verified true, signed in as alice
	// tampered.jwt: signature does not verify
	// expired.jwt: expired on 2001-01-01
}

func ExampleToken_Describe() {
	tok, err := jwtinfo.Parse(fixture("expired.jwt"))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2001, 1, 1, 0, 9, 0, 0, time.UTC)
	if err := tok.Describe(os.Stdout, now); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Header
	//   alg  RS256
	//   kid  test-rsa-1
	//   typ  JWT
	//
	// Claims
	//   iss                 https://cells.example.com/oidc/
	//   sub                 00000000-0000-4000-8000-000000000001
	//   aud                 cells-client
	//   name                Alice Example
	//   preferred_username  alice
	//   email               alice@example.com
	//   iat                 2000-12-31 23:00:00 UTC (1h9m ago)
	//   auth_time           2000-12-31 23:00:00 UTC (1h9m ago)
	//   exp                 2001-01-01 00:00:00 UTC (9m ago)
	//   nonce               synthetic-nonce
	//   sid                 synthetic-session
	//
	// Signature  not verified
	// Validity   expired 9m ago
}

func ExampleReadToken() {
	// A token as a person pastes it: after a blank line, indented, with the
	// carriage return of a Windows terminal.
	pasted := "\n  eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\r\nthe next line is not read\n"
	raw, err := jwtinfo.ReadToken(strings.NewReader(pasted))
	fmt.Printf("%q %v\n", raw, err)

	_, err = jwtinfo.ReadToken(strings.NewReader(" \n\n"))
	fmt.Println(err, errors.Is(err, jwtinfo.ErrMalformed))
	// Output:
	// "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl" <nil>
	// malformed token: empty input true
}
