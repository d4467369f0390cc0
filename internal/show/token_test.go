package show

import (
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/oob"
)

func TestWriteToken(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600))
	p := &oob.Profile{Token: oob.Token{AccessToken: "AT", TokenType: "bearer", RefreshToken: "RT", IDToken: "ID", Expiry: exp}}
	tests := []struct {
		name    string
		idToken bool
		format  TokenFormat
		want    string
	}{
		{"raw", false, FormatRaw, "AT\n"},
		{"raw ID", true, FormatRaw, "ID\n"},
		{"header", false, FormatHeader, "Authorization: Bearer AT\n"},
		{"JSON", false, FormatJSON, `{
  "access_token": "AT",
  "token_type": "Bearer",
  "expiry": "2030-01-02T02:04:05Z",
  "id_token": "ID",
  "id_token_expiry": "1970-01-01T00:00:00Z",
  "profile": "me"
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteToken(&b, "me", p, tt.idToken, tt.format); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
			if strings.Contains(b.String(), "RT") {
				t.Error("the refresh token is in the output")
			}
		})
	}
}
