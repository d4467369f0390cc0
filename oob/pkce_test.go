package oob

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// fositeGeneric is how fosite opens every invalid_grant description.
const fositeGeneric = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

// fosite is a stand-in for the token endpoint of the Hydra inside a Cells
// release, as its fosite's handler/pkce reads: enough to judge the order
// of exchanges, not an OAuth2 server. Codes are minted by mint.
type fosite struct {
	// emptyRecord: fosite ≤ v0.44 keeps a PKCE record for every code,
	// with or without a challenge; ≥ v0.47 keeps none without one.
	emptyRecord bool

	mu       sync.Mutex
	codes    map[string]*mintedCode
	requests int
}

type mintedCode struct {
	challenge string
	record    bool // the PKCE record is still there
	spent     bool
}

// mint makes a code as the authorization endpoint would, bound to
// challenge ("" when the front dropped it).
func (s *fosite) mint(code, challenge string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]*mintedCode{}
	}
	s.codes[code] = &mintedCode{challenge: challenge, record: challenge != "" || s.emptyRecord}
}

func (s *fosite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	refuse := func(hint string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": fositeGeneric + " " + hint})
	}
	c := s.codes[r.PostFormValue("code")]
	if c == nil || c.spent {
		refuse("The authorization code has already been used.")
		return
	}
	verifier := r.PostFormValue("code_verifier")
	if !c.record {
		if verifier != "" || s.emptyRecord {
			refuse("Unable to find initial PKCE data tied to this request")
			return
		}
	} else {
		c.record = false
		if c.challenge != "" || verifier != "" {
			if len(verifier) < 43 {
				refuse("The PKCE code verifier must be at least 43 characters.")
				return
			}
			sum := sha256.Sum256([]byte(verifier))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				refuse("The PKCE code challenge did not match the code verifier.")
				return
			}
		}
	}
	c.spent = true
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "ory_at_standin", "token_type": "bearer", "expires_in": 600})
}

// TestExchangeOrder runs the exchange against each Cells' fosite, PKCE
// known or not: wherever the server honours PKCE the verifier is proved;
// no order ever loses a code it could have kept, but fosite ≤ v0.44 behind
// a dropping front, whose lost code sends the login back to the start.
func TestExchangeOrder(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	other := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	tests := []struct {
		name        string
		emptyRecord bool   // fosite ≤ v0.44
		bound       string // the challenge the code carries
		known       PKCE
		noVerifier  bool // the login sent no challenge
		requests    int
		want        PKCE // what the profile learns
		startOver   bool
		refused     string
	}{
		{name: "v4 fosite v0.42, passing front", emptyRecord: true, bound: challenge, requests: 1, want: PKCEInForce},
		{name: "v5 fosite v0.44, dropping front", emptyRecord: true, requests: 1, startOver: true},
		{name: "fosite v0.49, dropping front", requests: 2, want: PKCEDropped},
		{name: "v5 fosite v0.44, dropping front, known", emptyRecord: true, known: PKCEDropped, noVerifier: true, requests: 1, want: PKCEDropped},
		{name: "fosite v0.49, dropping front, known", known: PKCEDropped, noVerifier: true, requests: 1, want: PKCEDropped},
		{name: "v4 fosite v0.42, known", emptyRecord: true, bound: challenge, known: PKCEInForce, requests: 1, want: PKCEInForce},
		// A code bound to someone else's challenge: an injected code.
		{name: "known to honour: mismatch never retried", emptyRecord: true, bound: other, known: PKCEInForce, requests: 1, want: PKCEInForce,
			refused: "The PKCE code challenge did not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := &fosite{emptyRecord: tt.emptyRecord}
			srv := httptest.NewServer(server)
			defer srv.Close()
			server.mint("the-code", tt.bound)
			prof := &Profile{ClientID: "cells-client", Endpoints: Endpoints{Token: srv.URL}}
			prof.DropsPKCE = tt.known == PKCEDropped
			prof.HonoursPKCE = tt.known == PKCEInForce
			v := verifier
			if tt.noVerifier {
				v = ""
			}
			f := &Flow{HTTPClient: srv.Client()}
			tok, err := f.exchange(context.Background(), prof, "the-code", v)
			var lost *errStartOver
			switch {
			case tt.startOver:
				if !errors.As(err, &lost) {
					t.Fatalf("exchange: %v, want a start-over", err)
				}
				// It was right to start over: the code is gone either way.
				if _, err := prof.oauth2Config().Exchange(context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client()), "the-code"); err == nil {
					t.Error("the code still works after the mismatch; the start-over was for nothing")
				}
				return
			case tt.refused != "":
				if err == nil || errors.As(err, &lost) || !strings.Contains(tokenError("exchange code", srv.URL, err).Error(), tt.refused) {
					t.Fatalf("exchange: %v, want a refusal quoting %q", err, tt.refused)
				}
			case err != nil:
				t.Fatalf("exchange: %v", err)
			case tok.AccessToken == "":
				t.Fatal("no access token")
			}
			if server.requests != tt.requests {
				t.Errorf("%d token requests, want %d", server.requests, tt.requests)
			}
			if got := prof.PKCE(); got != tt.want {
				t.Errorf("the profile learnt %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPKCEFor(t *testing.T) {
	c := &Config{Profiles: map[string]*Profile{
		"a": {Issuer: "https://cells.example/oidc/", ClientID: "cells-client", DropsPKCE: true},
		"b": {Issuer: "https://other.example/", ClientID: "cells-client", HonoursPKCE: true},
		"c": {Issuer: "https://new.example/", ClientID: "cells-client"},
	}}
	tests := []struct {
		issuer, client string
		want           PKCE
	}{
		{"https://cells.example/oidc", "cells-client", PKCEDropped},
		{"https://cells.example/oidc/", "another-client", PKCEUnknown},
		{"https://other.example/", "cells-client", PKCEInForce},
		{"https://new.example/", "cells-client", PKCEUnknown},
		{"https://unknown.example/", "cells-client", PKCEUnknown},
	}
	for _, tt := range tests {
		if got := c.PKCEFor(tt.issuer, tt.client); got != tt.want {
			t.Errorf("PKCEFor(%q, %q) = %v, want %v", tt.issuer, tt.client, got, tt.want)
		}
	}
	var none *Config
	if got := none.PKCEFor("https://cells.example/oidc/", "cells-client"); got != PKCEUnknown {
		t.Errorf("a nil config knows %v", got)
	}
}

func TestServerReason(t *testing.T) {
	tests := []struct{ desc, want string }{
		{fositeGeneric + " The PKCE code challenge did not match the code verifier.", "The PKCE code challenge did not match the code verifier."},
		{fositeGeneric + " Unable to find initial PKCE data tied to this request", "Unable to find initial PKCE data tied to this request"},
		{"code_verifier required", "code_verifier required"},
		// One sentence only: kept, and cut short as every server text is.
		{fositeGeneric, termsafe.Text(fositeGeneric, termsafe.MaxServerText)},
		{"Token is inactive because it is malformed, expired or otherwise invalid. Token validation failed.", "Token validation failed."},
		{"bad\x1b[31m. Red\x07", `Red\a`},
	}
	for _, tt := range tests {
		if got := serverReason(tt.desc); got != tt.want {
			t.Errorf("serverReason(%q) = %q, want %q", tt.desc, got, tt.want)
		}
	}
}

func TestSessionGone(t *testing.T) {
	tests := []struct {
		code, desc string
		want       bool
	}{
		{"invalid_grant", "", true},
		{"token_inactive", "Token is inactive because it is malformed, expired or otherwise invalid.", true},
		{"invalid_request", "Failed to refresh token because of multiple concurrent requests using the same token which is not allowed.", true},
		{"invalid_request", "missing grant_type", false},
		{"invalid_client", "", false},
		{"server_error", "", false},
	}
	for _, tt := range tests {
		re := &oauth2.RetrieveError{ErrorCode: tt.code, ErrorDescription: tt.desc}
		if got := sessionGone(re); got != tt.want {
			t.Errorf("sessionGone(%s: %q) = %v, want %v", tt.code, tt.desc, got, tt.want)
		}
	}
}

// TestMistypedNotPKCE: a code refused for its PKCE verifier is never
// pasted again; any other invalid_grant may have been mistyped.
func TestMistypedNotPKCE(t *testing.T) {
	grant := func(code, desc string) error {
		return &oauth2.RetrieveError{ErrorCode: code, ErrorDescription: desc}
	}
	tests := []struct {
		err  error
		want bool
	}{
		{grant("invalid_grant", "The provided authorization grant is invalid. Not found."), true},
		{grant("invalid_grant", ""), true},
		{grant("invalid_grant", "The provided authorization grant is invalid. The PKCE code challenge did not match the code verifier."), false},
		{grant("invalid_client", "Client authentication failed."), false},
		{grant("invalid_request", ""), false},
		{errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		if got := mistyped(tt.err); got != tt.want {
			t.Errorf("mistyped(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
