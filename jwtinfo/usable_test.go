package jwtinfo_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// jwksDir holds JWK sets with a key cells-oob cannot use beside the
// fixture key that signs valid.jwt; they also seed FuzzKeyfuncFromJWKS.
const jwksDir = "../testdata/jwks"

// TestUnusableKeysSkipped puts each key no verifier here can use next to
// the good one: the key is skipped, as RFC 7517 section 5 asks, and the
// token the good key signed verifies.
func TestUnusableKeysSkipped(t *testing.T) {
	for _, name := range []string{
		"akp.json", "x5c-only.json", "ec-off-curve.json", "ec-no-y.json", "ec-unknown-crv.json",
		"ec-bad-base64.json", "rsa-no-n.json", "rsa-for-enc.json", "key-ops-encrypt.json", "oct.json",
		"no-kty.json", "not-an-object.json",
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(jwksDir, name))
			if err != nil {
				t.Fatal(err)
			}
			kf, err := jwtinfo.KeyfuncFromJWKS(doc)
			if err != nil {
				t.Fatalf("KeyfuncFromJWKS: %v", err)
			}
			opts := jwtinfo.VerifyOptions{Keyfunc: kf, Issuer: fixtureIssuer, Audience: fixtureAudience}
			if _, err := jwtinfo.Verify(context.Background(), readFixture(t, "valid.jwt"), opts); err != nil {
				t.Errorf("valid.jwt: %v", err)
			}
			// A kid the set lacks is still told apart, for the refetch.
			if _, err := jwtinfo.Verify(context.Background(), readFixture(t, "unknown-kid.jwt"), opts); !errors.Is(err, jwtinfo.ErrUnknownKey) {
				t.Errorf("unknown-kid.jwt: %v, want ErrUnknownKey", err)
			}
		})
	}
}

// TestNoUsableKey refuses a set whose every key is unusable, in words,
// matching ErrSignature, at once rather than at the first token.
func TestNoUsableKey(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(jwksDir, "none-usable.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = jwtinfo.KeyfuncFromJWKS(doc)
	if !errors.Is(err, jwtinfo.ErrSignature) {
		t.Fatalf("err = %v, want one matching ErrSignature", err)
	}
	const want = `signature does not verify: the JWKS holds no key that can verify a signature (of 7, the first key "pq-1" is of kind (kty) "AKP", which cannot verify a signature here)`
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	checkErrorLine(t, err, "")
}

// FuzzKeyfuncFromJWKS reads JWK sets: never a panic, errors in one line,
// and no key, however broken, keeps the fixture key beside it from
// verifying the token it signed.
func FuzzKeyfuncFromJWKS(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(jwksDir, "*.json"))
	if err != nil || len(seeds) < 10 {
		f.Fatalf("found %d seeds under %s: %v", len(seeds), jwksDir, err)
	}
	for _, name := range append(seeds, filepath.Join(fixtureDir, "jwks.json")) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	good, err := os.ReadFile(filepath.Join(fixtureDir, "jwks.json"))
	if err != nil {
		f.Fatal(err)
	}
	var goodSet struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(good, &goodSet); err != nil {
		f.Fatal(err)
	}
	valid := readFixture(f, "valid.jwt")
	f.Fuzz(func(t *testing.T, doc []byte) {
		kf, err := jwtinfo.KeyfuncFromJWKS(doc)
		if err != nil {
			checkErrorLine(t, err, "")
		} else {
			jwtinfo.Verify(context.Background(), valid, jwtinfo.VerifyOptions{Keyfunc: kf})
		}

		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(doc, &set) != nil {
			return
		}
		for _, k := range set.Keys {
			var named struct {
				KID any `json:"kid"`
			}
			if json.Unmarshal(k, &named) == nil && named.KID == "test-rsa-1" {
				return // a key of the fixture's kid may shadow it
			}
		}
		withGood, err := json.Marshal(map[string]any{"keys": append(set.Keys, goodSet.Keys...)})
		if err != nil {
			return
		}
		kf, err = jwtinfo.KeyfuncFromJWKS(withGood)
		if err != nil {
			t.Fatalf("the set with the fixture key added: %v", err)
		}
		if _, err := jwtinfo.Verify(context.Background(), valid, jwtinfo.VerifyOptions{Keyfunc: kf, Issuer: fixtureIssuer, Audience: fixtureAudience}); err != nil {
			t.Fatalf("valid.jwt beside the keys %s: %v", doc, err)
		}
	})
}
