package jwtinfo_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// TestUnknownKey tells a kid the JWKS does not hold, which a caller may
// answer by fetching the set again, from a signature that does not verify,
// which no new set would fix.
func TestUnknownKey(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "jwt", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	kf, err := jwtinfo.KeyfuncFromJWKS([]byte(read("jwks.json")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string
		unknown bool
	}{
		{"unknown-kid.jwt", true},
		{"tampered.jwt", false},
		{"hs256-confusion.jwt", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := jwtinfo.Verify(context.Background(), read(tt.file), jwtinfo.VerifyOptions{Keyfunc: kf})
			if !errors.Is(err, jwtinfo.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			if got := errors.Is(err, jwtinfo.ErrUnknownKey); got != tt.unknown {
				t.Errorf("error %q matches ErrUnknownKey: %v, want %v", err, got, tt.unknown)
			}
			if tt.unknown && !errors.Is(err, jwtinfo.ErrSignature) {
				t.Errorf("error %q does not match ErrSignature", err)
			}
		})
	}
}
