package jwtinfo_test

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	type doc struct {
		Header   map[string]any `json:"header"`
		Claims   map[string]any `json:"claims"`
		Computed struct {
			ExpiresAt   *string `json:"expires_at"`
			Expired     bool    `json:"expired"`
			NotYetValid bool    `json:"not_yet_valid"`
			Verified    bool    `json:"verified"`
		} `json:"computed"`
	}
	tests := []struct {
		file        string
		verify      bool
		expiresAt   string // "" for null
		expired     bool
		notYetValid bool
	}{
		{file: "valid.jwt", expiresAt: "2200-01-01T00:00:00Z"},
		{file: "valid.jwt", verify: true, expiresAt: "2200-01-01T00:00:00Z"},
		{file: "expired.jwt", expiresAt: "2001-01-01T00:00:00Z", expired: true},
		{file: "not-yet-valid.jwt", expiresAt: "2200-01-01T00:00:00Z", notYetValid: true},
		{file: "no-exp.jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tok := fixtureToken(t, tt.file, tt.verify)
			b, err := tok.JSON(fixtureNow)
			if err != nil {
				t.Fatal(err)
			}
			var d doc
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("%v in\n%s", err, b)
			}
			if d.Header["alg"] != "RS256" || d.Claims["iss"] != fixtureIssuer {
				t.Errorf("header %v, claims %v", d.Header, d.Claims)
			}
			got := ""
			if d.Computed.ExpiresAt != nil {
				got = *d.Computed.ExpiresAt
			}
			if got != tt.expiresAt || d.Computed.Expired != tt.expired || d.Computed.NotYetValid != tt.notYetValid || d.Computed.Verified != tt.verify {
				t.Errorf("computed %+v (expires_at %q), want expires_at %q expired %v not_yet_valid %v verified %v",
					d.Computed, got, tt.expiresAt, tt.expired, tt.notYetValid, tt.verify)
			}
		})
	}
}

// TestJSONGolden pins the exact shape, integers written as integers and the
// escapes of a hostile token.
func TestJSONGolden(t *testing.T) {
	for _, file := range []string{"valid.jwt", "escape.jwt"} {
		b, err := fixtureToken(t, file, false).JSON(fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "json-"+file[:len(file)-len(".jwt")]+".json", b)
	}
}
