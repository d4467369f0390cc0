package cli

import (
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/oob"
)

// TestLoginOptions: login's command line into its options, and the
// mistakes refused before anyone signs in.
func TestLoginOptions(t *testing.T) {
	defaults := func(o loginOptions) loginOptions {
		o.clientID, o.scope = oob.DefaultClientID, oob.DefaultScope
		return o
	}
	tests := []struct {
		line    string
		want    loginOptions
		wantErr string
	}{
		{line: "--url https://c.example --qr", want: defaults(loginOptions{url: "https://c.example", qr: true})},
		{line: "--url https://c.example --ca-file ca.pem --insecure-skip-verify --token",
			want: defaults(loginOptions{url: "https://c.example", tls: oob.TLS{CAFile: "ca.pem", InsecureSkipVerify: true}, asToken: true})},
		{line: "--issuer https://idp.example/ --redirect-uri https://app.example/cb --client-id app --scope openid",
			want: loginOptions{issuer: "https://idp.example/", redirectURI: "https://app.example/cb", clientID: "app", scope: "openid"}},
		{line: "", wantErr: "say where to sign in: --url https://cells.example.com (or --issuer with --redirect-uri)"},
		{line: "--insecure-skip-verify", wantErr: "say where to sign in: --url https://cells.example.com (or --issuer with --redirect-uri)"},
		{line: "--url https://c.example --issuer https://idp.example/", wantErr: "give --url or --issuer, not both"},
		{line: "--issuer https://idp.example/", want: defaults(loginOptions{issuer: "https://idp.example/"})},
		{line: "--issuer https://idp.example/ --device", want: defaults(loginOptions{issuer: "https://idp.example/", device: true})},
		{line: "--url https://c.example --device --redirect-uri https://c.example/cb", wantErr: "--device takes no --redirect-uri, --loopback or --token: the code is entered at the provider's page"},
		{line: "--url https://c.example --device --loopback", wantErr: "--device takes no --redirect-uri, --loopback or --token: the code is entered at the provider's page"},
		{line: "https://c.example", wantErr: "login takes no arguments (did you mean --url https://c.example?)"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Setenv("CELLS_OOB_URL", "")
			got, err := parseArgs(t, newLoginCommand, strings.Fields(tt.line)...)
			checkOptions(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// TestRedirectFor: where login asks the browser's answer to come back,
// and who chose a loopback redirect. The flags win over the loopback a
// profile remembers for the same place and client; the desktop's choice
// comes last.
func TestRedirectFor(t *testing.T) {
	const (
		cells  = "https://c.example"
		issuer = "https://idp.example/"
		given  = "https://c.example/oauth2/oob"
	)
	known := &oob.Config{Profiles: map[string]*oob.Profile{
		"cells": {Server: cells, Issuer: cells + "/oidc/", ClientID: oob.DefaultClientID, Method: oob.MethodLoopback},
		"idp":   {Issuer: issuer, ClientID: "app", Method: oob.MethodLoopback},
		"other": {Server: "https://other.example", ClientID: oob.DefaultClientID},
	}}
	tests := []struct {
		name    string
		o       loginOptions
		known   *oob.Config
		desktop bool
		want    string
		by      chooser
	}{
		{name: "the server's default", o: loginOptions{url: cells}, want: "", by: byNone},
		{name: "--loopback", o: loginOptions{url: cells, loopback: true}, want: cellsLoopbackRedirect, by: byFlag},
		{name: "--loopback to an issuer", o: loginOptions{issuer: issuer, clientID: "app", loopback: true}, want: issuerLoopbackRedirect, by: byFlag},
		{name: "--redirect-uri", o: loginOptions{url: cells, redirectURI: given}, want: given, by: byNone},
		{name: "--redirect-uri with --loopback", o: loginOptions{url: cells, redirectURI: "http://127.0.0.1:8000/cb", loopback: true}, want: "http://127.0.0.1:8000/cb", by: byNone},
		{name: "the desktop's", o: loginOptions{url: cells}, desktop: true, want: cellsLoopbackRedirect, by: byDesktop},
		{name: "no desktop choice for an issuer", o: loginOptions{issuer: issuer}, desktop: true, want: "", by: byNone},
		{name: "remembered", o: loginOptions{url: cells}, known: known, want: cellsLoopbackRedirect, by: byMemory},
		{name: "remembered, with a trailing slash", o: loginOptions{url: cells + "/"}, known: known, want: cellsLoopbackRedirect, by: byMemory},
		{name: "remembered on a desktop", o: loginOptions{url: cells}, known: known, desktop: true, want: cellsLoopbackRedirect, by: byMemory},
		{name: "remembered, --no-browser", o: loginOptions{url: cells, noBrowser: true}, known: known, want: cellsLoopbackRedirect, by: byMemory},
		{name: "remembered for an issuer", o: loginOptions{issuer: issuer, clientID: "app"}, known: known, want: issuerLoopbackRedirect, by: byMemory},
		{name: "remembered, --redirect-uri wins", o: loginOptions{url: cells, redirectURI: given}, known: known, want: given, by: byNone},
		{name: "remembered, --loopback too", o: loginOptions{url: cells, loopback: true}, known: known, want: cellsLoopbackRedirect, by: byFlag},
		{name: "remembered for another client", o: loginOptions{url: cells, clientID: "other-client"}, known: known, want: "", by: byNone},
		{name: "remembered for another server", o: loginOptions{url: "https://other.example"}, known: known, want: "", by: byNone},
		{name: "remembered for a server, not an issuer", o: loginOptions{issuer: cells + "/oidc/"}, known: known, want: "", by: byNone},
		{name: "no config", o: loginOptions{url: cells}, known: nil, want: "", by: byNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.clientID == "" {
				tt.o.clientID = oob.DefaultClientID
			}
			got, by := redirectFor(&tt.o, tt.known, tt.desktop)
			if got != tt.want || by != tt.by {
				t.Errorf("redirectFor = %q, %d; want %q, %d", got, by, tt.want, tt.by)
			}
		})
	}
}
