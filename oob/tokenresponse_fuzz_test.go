package oob

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// FuzzTokenResponse feeds token endpoint answers to the check both ways
// they arrive: as x/oauth2 hands a server's answer over (its fields, the
// rest raw) and as a person pastes one. Whatever is accepted can be stored
// and sent as a bearer token; whatever is refused is said in one line; and
// both ways agree.
func FuzzTokenResponse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "tokenresponse", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) < 8 {
		f.Fatalf("found %d seeds under testdata/tokenresponse, want at least 8", len(seeds))
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const endpoint = "https://cells.example.com/oidc/oauth2/token"
	f.Fuzz(func(t *testing.T, data []byte) {
		// x/oauth2 reads its fields into a struct, matching names as
		// encoding/json does, and keeps the whole answer raw.
		var fields struct {
			AccessToken  string `json:"access_token"`
			TokenType    string `json:"token_type"`
			RefreshToken string `json:"refresh_token"`
		}
		var raw map[string]any
		if json.Unmarshal(data, &fields) != nil || json.Unmarshal(data, &raw) != nil {
			return
		}
		answered := (&oauth2.Token{
			AccessToken:  fields.AccessToken,
			TokenType:    fields.TokenType,
			RefreshToken: fields.RefreshToken,
		}).WithExtra(raw)
		got, err := serverToken(answered, endpoint, now)
		if err != nil {
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Errorf("the error holds a control character: %q", err)
			}
		} else {
			for _, v := range []string{got.AccessToken, got.RefreshToken, got.IDToken} {
				if v != "" && !plausibleToken(v) {
					t.Errorf("accepted a token value %q", v)
				}
			}
			if got.TokenType != "Bearer" {
				t.Errorf("token type %q", got.TokenType)
			}
			if got.Lifetime < 0 || got.Lifetime > maxLifetime {
				t.Errorf("lifetime %d", got.Lifetime)
			}
			if want := expiryFrom(now, got.Lifetime); !got.Expiry.Equal(want) {
				t.Errorf("expiry %v for lifetime %d, want %v", got.Expiry, got.Lifetime, want)
			}
		}

		// The raw members are looked up by their exact names, the pasted
		// ones in any case: the two ways agree on answers that spell them
		// as RFC 6749 does.
		for k := range raw {
			if k != strings.ToLower(k) {
				return
			}
		}
		var pasted tokenResponse
		if json.Unmarshal(data, &pasted) != nil {
			return
		}
		lifetime, perr := pasted.check()
		switch {
		case (perr == nil) != (err == nil):
			t.Errorf("pasted: %v; from the server: %v", perr, err)
		case perr == nil && lifetime != got.Lifetime:
			t.Errorf("pasted lifetime %d, from the server %d", lifetime, got.Lifetime)
		}
	})
}
