package oob

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/safehttp"
)

// TestRevokeForm checks the request against RFC 7009 with a server that
// records it.
func TestRevokeForm(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("got %s with content type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		got = r.PostForm
		if got.Get("token") == "bad" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"unsupported_token_type","error_description":"no\u001b[2J"}`)
		}
	}))
	defer srv.Close()

	err := revoke(t.Context(), srv.Client(), srv.URL+"/revoke", "cells-client", "tok", "refresh_token")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"token": {"tok"}, "token_type_hint": {"refresh_token"}, "client_id": {"cells-client"}}
	if got.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", got, want)
	}

	err = revoke(t.Context(), srv.Client(), srv.URL+"/revoke", "cells-client", "bad", "access_token")
	var refused *safehttp.HTTPError
	if !errors.As(err, &refused) || refused.StatusCode != http.StatusBadRequest || refused.Code != "unsupported_token_type" {
		t.Fatalf("got %v, want the server's refusal", err)
	}
	if strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), "bad") {
		t.Errorf("error %q shows a control character or the token", err)
	}
}
