package cli

import (
	"strings"
	"testing"
	"time"
)

// TestTokenOptions: token's command line, word for word, into its options.
func TestTokenOptions(t *testing.T) {
	tests := []struct {
		line    string
		want    tokenOptions
		wantErr string
	}{
		{line: "", want: tokenOptions{minValid: time.Minute}},
		{line: "--min-valid 5m --header", want: tokenOptions{minValid: 5 * time.Minute, header: true}},
		{line: "--id-token --json --no-refresh", want: tokenOptions{minValid: time.Minute, idToken: true, json: true, noRefresh: true}},
		{line: "--copy --verbose", want: tokenOptions{minValid: time.Minute, copy: true}},
		{line: "--aws --min-valid=0s", want: tokenOptions{aws: true}},
		{line: "--json --header", wantErr: "token: give --json or --header, not both"},
		{line: "--aws --header", wantErr: "token: --aws prints JSON of its own: give it without --json or --header"},
		{line: "--aws --id-token", wantErr: "token: --aws hands out the access token, the S3 gateway's access key: give it without --id-token"},
		{line: "--min-valid -5m", wantErr: "--min-valid -5m: give a duration of zero or more, such as 5m"},
		{line: "extra", wantErr: "token takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseArgs(t, newTokenCommand, strings.Fields(tt.line)...)
			checkOptions(t, got, err, tt.want, tt.wantErr)
		})
	}
}
