package oob_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

// The hot path of `cells-oob token`: a valid cached token costs one read
// of the config and no lock, no network. These benchmarks measure it in a
// warm process; what a fresh process adds is measured by
// `go run ./internal/testenv/perf`.

// cachedSession is a Session over a config of three profiles whose current
// one holds tokens valid until 2099, with a real JWT as its ID token.
func cachedSession(b *testing.B) *oob.Session {
	b.Helper()
	jwt, err := os.ReadFile(filepath.Join("..", "testdata", "jwt", "valid.jwt"))
	if err != nil {
		b.Fatal(err)
	}
	s := &oob.Store{Path: filepath.Join(b.TempDir(), "config.json"), Warn: io.Discard}
	err = s.Update(context.Background(), func(c *oob.Config) error {
		for _, user := range []string{"carol", "bob", "alice"} {
			p := oobtest.Profile(user)
			p.TLS = oob.TLS{}
			p.Token.IDToken = strings.TrimSpace(string(jwt))
			p.Token.Expiry = p.IDTokenExpiry()
			c.Put(user+"@cells.example.com", p, true)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return &oob.Session{Store: s}
}

func benchmarkSessionToken(b *testing.B, opts oob.TokenOptions, format show.TokenFormat) {
	s := cachedSession(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		name, p, err := s.Token(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := show.WriteToken(io.Discard, name, p, opts.IDToken, format); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionTokenCached is `cells-oob token`'s own work: read the
// config, select the profile, check the expiry, write the token.
func BenchmarkSessionTokenCached(b *testing.B) {
	benchmarkSessionToken(b, oob.TokenOptions{MinValid: time.Minute}, show.FormatRaw)
}

// BenchmarkSessionTokenIDToken is `cells-oob token --id-token`, which
// also reads the ID token's expiry out of the JWT.
func BenchmarkSessionTokenIDToken(b *testing.B) {
	benchmarkSessionToken(b, oob.TokenOptions{MinValid: time.Minute, IDToken: true}, show.FormatRaw)
}

// BenchmarkSessionTokenJSON is `cells-oob token --json`.
func BenchmarkSessionTokenJSON(b *testing.B) {
	benchmarkSessionToken(b, oob.TokenOptions{MinValid: time.Minute}, show.FormatJSON)
}
