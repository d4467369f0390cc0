package oob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// FuzzTokenResponse feeds token endpoint answers to the check both ways
// they arrive: from a token endpoint, through x/oauth2 and the client a
// login gives it, and as a person pastes one. Whatever is accepted can be stored
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
		// x/oauth2 reads the answer, through the client a login and a
		// refresh give it.
		client := tokenClient(&http.Client{Transport: answer(data)})
		conf := &oauth2.Config{ClientID: "cells-client", Endpoint: oauth2.Endpoint{TokenURL: endpoint}}
		answered, err := conf.Exchange(context.WithValue(context.Background(), oauth2.HTTPClient, client), "SYNTHETIC-code")
		var bad *lifetimeError
		var got Token
		switch {
		case errors.As(err, &bad):
		case err != nil:
			// Not a token response x/oauth2 takes: nothing to compare,
			// but never because of how expires_in is written.
			if strings.Contains(err.Error(), "strconv") {
				t.Errorf("x/oauth2 failed on expires_in: %v", err)
			}
			return
		default:
			got, err = serverToken(answered, endpoint, now)
		}
		if err != nil {
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Errorf("the error holds a control character: %q", err)
			}
			if strings.Contains(err.Error(), "strconv") {
				t.Errorf("the error quotes strconv: %q", err)
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
		var raw map[string]any
		if json.Unmarshal(data, &raw) != nil {
			return
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

// answer is a token endpoint that answers every request with its JSON.
type answer []byte

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(a)),
		Request:    r,
	}, nil
}
