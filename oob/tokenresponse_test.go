package oob

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestLifetime reads expires_in both ways it arrives, through x/oauth2
// from a token endpoint and pasted: a whole number is taken however it is
// written, anything else is refused in words before anything is stored.
func TestLifetime(t *testing.T) {
	tests := []struct {
		name, expiresIn string // as the JSON holds it
		want            int64
		wantErr         string
	}{
		{name: "integer", expiresIn: `600`, want: 600},
		{name: "whole float", expiresIn: `1000.0`, want: 1000},
		{name: "exponent", expiresIn: `1e3`, want: 1000},
		{name: "capital exponent with fraction", expiresIn: `1.5E3`, want: 1500},
		{name: "zero as a float", expiresIn: `0.0`, want: 0},
		{name: "string", expiresIn: `"600"`, want: 600},
		{name: "whole float in a string", expiresIn: `"1000.0"`, want: 1000},
		{name: "null", expiresIn: `null`, want: 0},
		{name: "fraction", expiresIn: `1000.5`, wantErr: "expires_in of 1000.5 is not a whole number of seconds"},
		{name: "tiny fraction", expiresIn: `0.001`, wantErr: "expires_in of 0.001 is not a whole number of seconds"},
		{name: "underflow", expiresIn: `1e-400`, wantErr: "expires_in of 1e-400 is not a whole number of seconds"},
		{name: "almost one", expiresIn: `1.0000000000000001`, wantErr: "is not a whole number of seconds"},
		{name: "negative exponent, whole", expiresIn: `6000e-1`, want: 600},
		{name: "trailing zeros", expiresIn: `600.000e0`, want: 600},
		{name: "negative zero", expiresIn: `-0.0`, want: 0},
		{name: "exponent past int", expiresIn: `1e99999999999999999999`, wantErr: "over ten years"},
		{name: "negative exponent past int", expiresIn: `1e-99999999999999999999`, wantErr: "not a whole number"},
		{name: "beyond float64", expiresIn: `1e400`, wantErr: "expires_in of 1e400 seconds is over ten years"},
		{name: "beyond int64", expiresIn: `99999999999999999999`, wantErr: "over ten years"},
		{name: "negative float", expiresIn: `-1.5`, wantErr: "expires_in is negative"},
		{name: "fraction in a string", expiresIn: `"1000.5"`, wantErr: "not a whole number of seconds"},
		{name: "NaN in a string", expiresIn: `"NaN"`, wantErr: "expires_in is not a number of seconds"},
		{name: "infinity in a string", expiresIn: `"Inf"`, wantErr: "expires_in is not a number of seconds"},
		{name: "hexadecimal in a string", expiresIn: `"0x258"`, wantErr: "expires_in is not a number of seconds"},
		{name: "plus sign in a string", expiresIn: `"+600"`, wantErr: "expires_in is not a number of seconds"},
		{name: "spaces in a string", expiresIn: `" 600"`, wantErr: "expires_in is not a number of seconds"},
		{name: "words", expiresIn: `"soon"`, wantErr: "expires_in is not a number of seconds"},
		{name: "escape in a string", expiresIn: `"6\u001b[2J"`, wantErr: "expires_in is not a number of seconds"},
		{name: "boolean", expiresIn: `true`, wantErr: "expires_in is not a number of seconds"},
		{name: "object", expiresIn: `{"s":600}`, wantErr: "expires_in is not a number of seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"access_token":"ory_at_SYNTHETIC","token_type":"bearer","expires_in":` + tt.expiresIn + `}`

			lifetime, err := exchangeAnswering(t, body)
			checkLifetime(t, "from the server", lifetime, err, tt.want, tt.wantErr)
			if tt.wantErr != "" && err != nil && !strings.Contains(err.Error(), "sent a token response that cannot be used: ") {
				t.Errorf("from the server: %q does not say the answer cannot be used", err)
			}

			p, err := parsePaste(body, pasteOptions{})
			if err == nil && p.Kind != pasteTokenJSON {
				t.Fatalf("pasted: kind %v", p.Kind)
			}
			if err == nil || !strings.Contains(err.Error(), "is not valid JSON") {
				checkLifetime(t, "pasted", p.ExpiresIn, err, tt.want, tt.wantErr)
			}
		})
	}
}

func checkLifetime(t *testing.T, how string, got int64, err error, want int64, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("%s: %v", how, err)
	case wantErr == "" && got != want:
		t.Errorf("%s: lifetime %d, want %d", how, got, want)
	case wantErr != "" && err == nil:
		t.Errorf("%s: accepted as %d seconds, want %q", how, got, wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Errorf("%s: %q, want %q", how, err, wantErr)
	case err != nil && strings.Contains(err.Error(), "strconv"):
		t.Errorf("%s: %q quotes strconv", how, err)
	}
}

// exchangeAnswering exchanges a code at a token endpoint that answers
// body, as a login does, and returns the lifetime it keeps.
func exchangeAnswering(t *testing.T, body string) (int64, error) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	prof := &Profile{ClientID: "cells-client", Endpoints: Endpoints{Authorization: srv.URL + "/auth", Token: srv.URL + "/token"}}
	f := &Flow{HTTPClient: srv.Client()}
	tok, err := prof.oauth2Config().Exchange(f.clientContext(context.Background()), "SYNTHETIC-code")
	if err != nil {
		return 0, tokenError("exchange code", prof.Endpoints.Token, err)
	}
	set, err := serverToken(tok, prof.Endpoints.Token, time.Now())
	return set.Lifetime, err
}

// TestTokenClientPassesOthersBy leaves alone what is not a JSON answer
// with a lifetime to fix: errors, form-encoded answers, non-JSON.
func TestTokenClientPassesOthersBy(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
		wantErr                 bool
	}{
		{name: "form answer", contentType: "application/x-www-form-urlencoded", body: "access_token=ory_at_SYNTHETIC&expires_in=600.5", status: 200},
		{name: "refusal", contentType: "application/json", body: `{"error":"invalid_grant","expires_in":0.5}`, status: 400, wantErr: true},
		{name: "not JSON", contentType: "text/html", body: "<html>", status: 200, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			conf := &oauth2.Config{ClientID: "cells-client", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}
			_, err := conf.Exchange(context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient(srv.Client())), "SYNTHETIC-code")
			var lifetime *lifetimeError
			if errors.As(err, &lifetime) {
				t.Errorf("judged the lifetime of %s: %v", tt.name, err)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}
