package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// unusableKeys are JWKs no verifier here can use: a post-quantum key, an
// RSA key given only by x5c, EC keys off their curve or without members,
// an encryption key, a symmetric one.
func unusableKeys(t *testing.T) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "jwks", "none-usable.json"))
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	return set.Keys
}

// jwksFront is a Cells-layout provider whose JWKS is rewritten on its way
// out by the change set last.
type jwksFront struct {
	*tamperServer
	t *testing.T
}

func newJWKSFront(t *testing.T) *jwksFront {
	return &jwksFront{tamperServer: newRewritingFront(t, cellsop.PathJWKS), t: t}
}

func (s *jwksFront) serve(change func(keys []json.RawMessage) []json.RawMessage) {
	s.rewrite(func(_ *http.Request, resp map[string]any) {
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		data, err := json.Marshal(resp)
		if err == nil {
			err = json.Unmarshal(data, &set)
		}
		if err != nil || set.Keys == nil {
			s.t.Errorf("the provider's JWKS holds no keys: %v", err)
		}
		resp["keys"] = change(set.Keys)
	})
}

// TestE2EUnusableKeysInJWKS has the provider's JWKS list keys cells-oob
// cannot use, first, beside the one that signs: login, refresh and
// decode --verify skip them; a JWKS with nothing else is refused in
// words, exit 4, with nothing written.
func TestE2EUnusableKeysInJWKS(t *testing.T) {
	srv := newJWKSFront(t)
	bad := unusableKeys(t)
	srv.serve(func(keys []json.RawMessage) []json.RawMessage {
		return append(append([]json.RawMessage(nil), bad...), keys...)
	})

	cfg := signInWithCLI(t, srv.Server)
	setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
	if code, _, errOut := runArgs(t, cfg, "refresh"); code != exitOK {
		t.Fatalf("refresh exited %d:\n%s", code, errOut)
	}
	idToken := storedProfile(t, cfg).Token.IDToken
	if code, _, errOut := runArgs(t, cfg, "decode", "--verify", idToken); code != exitOK {
		t.Fatalf("decode --verify exited %d:\n%s", code, errOut)
	}
	if code, _, errOut := runArgs(t, cfg, "decode", "--jwks-url", srv.URL+cellsop.PathJWKS, idToken); code != exitOK {
		t.Fatalf("decode --jwks-url exited %d:\n%s", code, errOut)
	}

	srv.serve(func([]json.RawMessage) []json.RawMessage { return bad })
	fresh, before := seedConfig(t)
	r := startLogin(t, "--config", fresh, "login", "--url", srv.URL)
	code := r.finish(r.signIn().Code)
	checkRefused(t, "login", code, exitInvalid, r.stderr.String(), "the JWKS holds no key that can verify a signature")
	assertUnchanged(t, fresh, before)
}
