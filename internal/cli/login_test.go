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
