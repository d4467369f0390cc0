package oob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The hot path of `cells-oob token`: a valid cached token costs one read
// of the config and no lock, no network. These benchmarks measure it in a
// warm process; what a fresh process adds is measured by
// `go run ./internal/perf`.

// cachedSession is a Session over a config of three profiles whose current
// one holds tokens valid until 2099, with a real JWT as its ID token.
func cachedSession(b *testing.B) *Session {
	b.Helper()
	jwt, err := os.ReadFile(filepath.Join("..", "testdata", "jwt", "valid.jwt"))
	if err != nil {
		b.Fatal(err)
	}
	c := sampleConfig()
	_, p, err := c.Select("")
	if err != nil {
		b.Fatal(err)
	}
	p.Token.IDToken = strings.TrimSpace(string(jwt))
	p.Token.Expiry = p.IDTokenExpiry()
	data, err := encodeConfig(c)
	if err != nil {
		b.Fatal(err)
	}
	s := &Store{Path: filepath.Join(b.TempDir(), "config.json"), Warn: io.Discard}
	if err := os.WriteFile(s.Path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return &Session{Store: s}
}

func benchmarkSessionToken(b *testing.B, opts TokenOptions, format TokenFormat) {
	s := cachedSession(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		name, p, err := s.Token(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteToken(io.Discard, name, p, opts.IDToken, format); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionTokenCached is `cells-oob token`'s own work: read the
// config, select the profile, check the expiry, write the token.
func BenchmarkSessionTokenCached(b *testing.B) {
	benchmarkSessionToken(b, TokenOptions{MinValid: time.Minute}, FormatRaw)
}

// BenchmarkSessionTokenIDToken is `cells-oob token --id-token`, which
// also reads the ID token's expiry out of the JWT.
func BenchmarkSessionTokenIDToken(b *testing.B) {
	benchmarkSessionToken(b, TokenOptions{MinValid: time.Minute, IDToken: true}, FormatRaw)
}

// BenchmarkSessionTokenJSON is `cells-oob token --json`.
func BenchmarkSessionTokenJSON(b *testing.B) {
	benchmarkSessionToken(b, TokenOptions{MinValid: time.Minute}, FormatJSON)
}
