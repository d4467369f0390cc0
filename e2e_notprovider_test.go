package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestE2ENotProvider signs in at addresses where no OpenID provider
// answers: a wrong path on a Cells server (404) and a web application that
// serves its page for any path. The one error line says what answered, that
// it does not look like a Cells server or an OpenID provider, and which
// address to give; nothing is written.
func TestE2ENotProvider(t *testing.T) {
	srv := cellsop.NewTest(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html><html><body><div id=app></div></body></html>"))
	}))
	t.Cleanup(app.Close)
	const (
		cellsAdvice  = ": this does not look like a Cells server: give --url the address people open in the browser, without a path such as /login\n"
		issuerAdvice = ": this does not look like an OpenID provider: give --issuer the provider's issuer, the URL under which /.well-known/openid-configuration answers\n"
	)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{
			name: "a wrong path on a Cells server",
			args: []string{"--url", srv.URL + "/wrong"},
			want: "cells-oob: " + srv.URL + "/wrong/oidc/.well-known/openid-configuration: 404 Not Found: no OpenID provider's metadata there" + cellsAdvice,
		},
		{
			name: "a web application",
			args: []string{"--url", app.URL + "/login"},
			want: "cells-oob: " + app.URL + "/login/oidc/.well-known/openid-configuration answered with a web page, not an OpenID provider's metadata" + cellsAdvice,
		},
		{
			name: "an issuer on a wrong path",
			args: []string{"--issuer", srv.URL + "/wrong", "--redirect-uri", "https://app.example.com/callback"},
			want: "cells-oob: " + srv.URL + "/wrong/.well-known/openid-configuration: 404 Not Found: no OpenID provider's metadata there" + issuerAdvice,
		},
		{
			name: "an issuer that is a web application",
			args: []string{"--issuer", app.URL, "--redirect-uri", "https://app.example.com/callback"},
			want: "cells-oob: " + app.URL + "/.well-known/openid-configuration answered with a web page, not an OpenID provider's metadata" + issuerAdvice,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			var stdout, stderr bytes.Buffer
			args := append([]string{"cells-oob", "--config", cfg, "login"}, tt.args...)
			code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
			if code != exitRuntime {
				t.Errorf("exit %d, want %d", code, exitRuntime)
			}
			if got := stderr.String(); got != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.want)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}
