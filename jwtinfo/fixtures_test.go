package jwtinfo_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
	"github.com/cells-oob/cells-oob/jwtinfo"
)

// updateFixtures regenerates the fixtures under testdata/jwt with a fresh
// key, which changes every token in them:
//
//	go test ./jwtinfo -run TestFixtures -update-fixtures
var updateFixtures = flag.Bool("update-fixtures", false, "regenerate testdata/jwt with a new synthetic key")

// fixtureDir is shared with the command's testscript files.
const fixtureDir = "../testdata/jwt"

// Fixture facts the tests rely on.
const (
	fixtureKID      = "test-rsa-1"
	fixtureIssuer   = "https://cells.example.com/oidc/"
	fixtureAudience = "cells-client"
)

var (
	// fixtureNow is when the fixtures are judged: after expired.jwt's exp,
	// before not-yet-valid.jwt's nbf and valid.jwt's exp (2200).
	fixtureNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	y2200      = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	y2020      = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// fixtureClaims are the claims of a synthetic Cells ID token, valid until
// 2200. Nothing in them is real.
func fixtureClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":                fixtureIssuer,
		"sub":                "00000000-0000-4000-8000-000000000001",
		"aud":                fixtureAudience,
		"name":               "Alice Example",
		"preferred_username": "alice",
		"email":              "alice@example.com",
		"iat":                y2020,
		"auth_time":          y2020,
		"exp":                y2200,
		"sid":                "synthetic-session",
		"nonce":              "synthetic-nonce",
	}
}

func with(c jwt.MapClaims, changes jwt.MapClaims) jwt.MapClaims {
	c = maps.Clone(c)
	for k, v := range changes {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// writeFixtures mints every fixture file from a new RSA key. The private
// key is not kept: tests that need to sign make keys of their own.
func writeFixtures(t *testing.T, dir string) {
	t.Helper()
	key, err := jwttest.NewRSA(fixtureKID)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(c jwt.MapClaims, header map[string]any) string {
		t.Helper()
		s, err := key.Sign(c, header)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pub, err := key.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := jwttest.JWKS(key)
	if err != nil {
		t.Fatal(err)
	}
	base := fixtureClaims()
	valid := sign(base, nil)

	// Same header and signature, but the claims say someone else.
	forged := jwt.NewWithClaims(key.Method, with(base, jwt.MapClaims{"sub": "admin"}))
	forged.Header["kid"] = key.ID
	forgedHead, err := forged.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	tampered := forgedHead + valid[strings.LastIndex(valid, "."):]

	none := jwt.NewWithClaims(jwt.SigningMethodNone, base)
	algNone, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	// The classic key confusion: HMAC keyed with the published public key.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, base)
	hs.Header["kid"] = key.ID
	confusion, err := hs.SignedString(pub)
	if err != nil {
		t.Fatal(err)
	}

	jwe := make([]string, 5)
	jwe[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM"}`))
	for i, n := range []int{256, 12, 64, 16} {
		b := make([]byte, n)
		rand.Read(b)
		jwe[i+1] = base64.RawURLEncoding.EncodeToString(b)
	}

	files := map[string]string{
		"rsa-public.pem": string(pub),
		"jwks.json":      string(jwks),
		"valid.jwt":      valid,
		"expired.jwt": sign(with(base, jwt.MapClaims{
			"iat":       time.Date(2000, 12, 31, 23, 0, 0, 0, time.UTC).Unix(),
			"auth_time": time.Date(2000, 12, 31, 23, 0, 0, 0, time.UTC).Unix(),
			"exp":       time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
		}), nil),
		"not-yet-valid.jwt": sign(with(base, jwt.MapClaims{
			"nbf": time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
		}), nil),
		"no-exp.jwt":          sign(with(base, jwt.MapClaims{"exp": nil}), nil),
		"negative-exp.jwt":    sign(with(base, jwt.MapClaims{"exp": -1}), nil),
		"audience-list.jwt":   sign(with(base, jwt.MapClaims{"aud": []string{"other-client", fixtureAudience}}), nil),
		"issuer-no-slash.jwt": sign(with(base, jwt.MapClaims{"iss": strings.TrimSuffix(fixtureIssuer, "/")}), nil),
		"escape.jwt": sign(with(base, jwt.MapClaims{
			"name":               "Mallory\x1b[2J\x1b]0;pwned\a",
			"email":              "mallory@example.com\r\x1b[1A",
			"\x1b[5mblink":       "\u202eevil\u009b31m",
			"groups":             []string{"ok", "bell\a"},
			"nested":             map[string]any{"k": "\x1b[31mred\x7f"},
			"preferred_username": "mallory",
		}), map[string]any{"x-note": "\x1b[31mred\a"}),
		"unknown-kid.jwt":     sign(base, map[string]any{"kid": "no-such-kid"}),
		"crit.jwt":            sign(base, map[string]any{"crit": []string{"exp-ext"}, "exp-ext": true}),
		"tampered.jwt":        tampered,
		"alg-none.jwt":        algNone,
		"hs256-confusion.jwt": confusion,
		"jwe.txt":             strings.Join(jwe, "."),
		"two-part.txt":        valid[:strings.LastIndex(valid, ".")],
		"garbage.txt":         "this is not a token",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if !strings.HasSuffix(content, "\n") {
			content += "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func fixtureKeyfunc(t testing.TB) jwt.Keyfunc {
	t.Helper()
	kf, err := jwtinfo.KeyfuncFromJWKS([]byte(readFixture(t, "jwks.json")))
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

// TestFixtures pins what each checked-in fixture is: what Parse makes of it
// and what Verify says against the fixture JWKS with the Cells issuer and
// audience. The command's testscript files rely on the same facts.
func TestFixtures(t *testing.T) {
	if *updateFixtures {
		writeFixtures(t, fixtureDir)
	}
	kf := fixtureKeyfunc(t)
	tests := []struct {
		file       string
		parseErr   error
		verifyErr  error
		verifyKept bool // Verify returns the token along with the error
	}{
		{file: "valid.jwt"},
		{file: "audience-list.jwt"},
		{file: "issuer-no-slash.jwt"},
		{file: "escape.jwt"},
		{file: "expired.jwt", verifyErr: jwtinfo.ErrExpired, verifyKept: true},
		{file: "not-yet-valid.jwt", verifyErr: jwtinfo.ErrNotYetValid, verifyKept: true},
		{file: "no-exp.jwt", verifyErr: jwtinfo.ErrInvalid},
		{file: "negative-exp.jwt", parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{file: "unknown-kid.jwt", verifyErr: jwtinfo.ErrSignature},
		{file: "crit.jwt", verifyErr: jwtinfo.ErrInvalid},
		{file: "tampered.jwt", verifyErr: jwtinfo.ErrSignature},
		{file: "alg-none.jwt", verifyErr: jwtinfo.ErrAlgorithm},
		{file: "hs256-confusion.jwt", verifyErr: jwtinfo.ErrAlgorithm},
		{file: "jwe.txt", parseErr: jwtinfo.ErrEncrypted, verifyErr: jwtinfo.ErrEncrypted},
		{file: "two-part.txt", parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{file: "garbage.txt", parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readFixture(t, tt.file)
			tok, err := jwtinfo.Parse(raw)
			if !errors.Is(err, tt.parseErr) || (err == nil) != (tt.parseErr == nil) {
				t.Errorf("Parse: error %v, want %v", err, tt.parseErr)
			}
			if (tok != nil) != (err == nil) {
				t.Errorf("Parse: token %v with error %v", tok != nil, err)
			}
			tok, err = jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{
				Keyfunc:  kf,
				Issuer:   fixtureIssuer,
				Audience: fixtureAudience,
				Now:      func() time.Time { return fixtureNow },
			})
			if !errors.Is(err, tt.verifyErr) || (err == nil) != (tt.verifyErr == nil) {
				t.Errorf("Verify: error %v, want %v", err, tt.verifyErr)
			}
			if wantTok := err == nil || tt.verifyKept; (tok != nil) != wantTok {
				t.Errorf("Verify: token returned %v, want %v", tok != nil, wantTok)
			}
			if tok != nil && !tok.Verified {
				t.Errorf("Verify: token returned with Verified false")
			}
		})
	}
}
