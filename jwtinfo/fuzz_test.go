package jwtinfo_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// FuzzParse feeds Parse, Verify, Describe and JSON whatever the fuzzer
// makes of the fixtures: they must never panic, errors must be one clean
// line matching the sentinels, and no output may carry a control
// character raw.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(fixtureDir, "*.jwt"))
	if err != nil {
		f.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(fixtureDir, "*.txt"))
	for _, name := range append(seeds, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSpace(string(b)))
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds under " + fixtureDir)
	}
	kf := fixtureKeyfunc(f)
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := jwtinfo.Parse(raw)
		if err != nil {
			if tok != nil {
				t.Errorf("token returned along with %v", err)
			}
			if !errors.Is(err, jwtinfo.ErrInvalid) {
				t.Errorf("Parse error %v does not match ErrInvalid", err)
			}
			checkErrorLine(t, err, raw)
		} else {
			assertSafeOutputs(t, "the token parsed", tok)
		}

		vtok, verr := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{
			Keyfunc: kf, Issuer: fixtureIssuer, Audience: fixtureAudience,
			Now: func() time.Time { return fixtureNow },
		})
		switch {
		case verr == nil || errors.Is(verr, jwtinfo.ErrExpired) || errors.Is(verr, jwtinfo.ErrNotYetValid):
			// Base64 has spare bits, so a mutated fixture may still verify;
			// what Verify accepts, Parse must read the same way.
			if err != nil || vtok == nil || vtok.Subject != tok.Subject || !vtok.ExpiresAt.Equal(tok.ExpiresAt) {
				t.Errorf("Verify accepted (%v) what Parse read as %v", verr, err)
			}
		case !errors.Is(verr, jwtinfo.ErrInvalid):
			t.Errorf("Verify error %v matches no sentinel", verr)
		}
		if verr != nil {
			checkErrorLine(t, verr, raw)
		}
	})
}
