package oob

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/oobtest/canned"
)

func TestFetchUserInfo(t *testing.T) {
	const token = "synthetic-access-token"
	tests := []struct {
		name      string
		answer    canned.Answer
		want      User
		wantErr   string
		wantIsInv bool
	}{
		{
			name:   "accepted",
			answer: canned.New(200, "application/json", `{"sub":"u-1","preferred_username":"alice","name":"Alice","email":"alice@example.com","email_verified":true}`),
			want:   User{Subject: "u-1", PreferredUsername: "alice", Name: "Alice", Email: "alice@example.com"},
		},
		{name: "unauthorized", answer: canned.New(401, "application/json", `{"error":"invalid_token","error_description":"token expired"}`),
			wantErr: "userinfo: the server does not accept this token: ", wantIsInv: true},
		{name: "forbidden", answer: canned.New(403, "", ""), wantErr: "userinfo: the server does not accept this token: ", wantIsInv: true},
		{name: "server error", answer: canned.New(500, "text/plain", "boom"), wantErr: "/oidc/userinfo: server error 500 Internal Server Error"},
		{name: "no subject", answer: canned.New(200, "application/json", `{"name":"Alice"}`), wantErr: "the answer names no subject", wantIsInv: true},
		{name: "subject not a string", answer: canned.New(200, "application/json", `{"sub":7}`), wantErr: "the answer names no subject", wantIsInv: true},
		{name: "not an object", answer: canned.New(200, "application/json", `["u-1"]`), wantErr: "not the JSON expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Authorization"); got != "Bearer "+token {
					t.Errorf("Authorization = %q, want the bearer token", got)
				}
				if r.URL.Path != "/oidc/userinfo" {
					t.Errorf("path = %s", r.URL.Path)
				}
				tt.answer.ServeHTTP(w, r)
			}))
			defer srv.Close()
			client := testClient(t)
			user, err := FetchUserInfo(context.Background(), client, srv.URL+"/oidc/userinfo", token)
			if tt.wantErr == "" {
				if err != nil || !reflect.DeepEqual(user, tt.want) {
					t.Fatalf("FetchUserInfo = %+v, %v; want %+v", user, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrInvalid) != tt.wantIsInv {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, !tt.wantIsInv, tt.wantIsInv)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}

func TestFetchJWKS(t *testing.T) {
	const set = `{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"sXch","e":"AQAB"}]}`
	tests := []struct {
		name    string
		answer  canned.Answer
		wantErr string
		invalid bool
	}{
		{name: "key set", answer: canned.New(200, "application/jwk-set+json", set)},
		{name: "no keys", answer: canned.New(200, "application/json", `{"keys":[]}`), wantErr: "has no keys", invalid: true},
		{name: "keys missing", answer: canned.New(200, "application/json", `{"kty":"RSA"}`), wantErr: "has no keys", invalid: true},
		{name: "null", answer: canned.New(200, "application/json", `null`), wantErr: "has no keys", invalid: true},
		{name: "keys not an array", answer: canned.New(200, "application/json", `{"keys":{"kty":"RSA"}}`), wantErr: "is not a key set", invalid: true},
		{name: "an array", answer: canned.New(200, "application/json", `[`+set+`]`), wantErr: "is not a key set", invalid: true},
		{name: "HTML", answer: canned.New(200, "text/html", `<html></html>`), wantErr: "answered with an HTML page"},
		{name: "not found", answer: canned.New(404, "", ``), wantErr: "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.answer)
			defer srv.Close()
			client := testClient(t)
			got, err := FetchJWKS(context.Background(), client, srv.URL+"/oidc/.well-known/jwks.json")
			if tt.wantErr == "" {
				if err != nil || string(got) != tt.answer.Body {
					t.Fatalf("FetchJWKS = %q, %v; want the set as sent", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrInvalid) != tt.invalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, !tt.invalid, tt.invalid)
			}
		})
	}
}
