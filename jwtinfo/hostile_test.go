package jwtinfo_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// TestHostileHeaders feeds Parse, Describe and Verify headers built to hurt:
// huge, deeply nested, or lying about their algorithm. Each is refused or
// shown safely, and none takes long.
func TestHostileHeaders(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	tests := []struct {
		name      string
		raw       string
		parseErr  error // from Parse; nil when the token decodes
		verifyErr error
	}{
		{name: "header of 700 KiB", raw: compose(`{"alg":"RS256","kid":"k1","x5c":["`+strings.Repeat("A", 700<<10)+`"]}`, `{"exp":4102444800}`),
			verifyErr: jwtinfo.ErrSignature},
		{name: "header over 1 MiB", raw: compose(`{"alg":"RS256","x":"`+strings.Repeat("A", 1<<20)+`"}`, `{}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{name: "header nested 20000 deep", raw: compose(`{"alg":"RS256","x":`+deep+`}`, `{}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{name: "claims nested 20000 deep", raw: compose(`{"alg":"RS256"}`, `{"x":`+deep+`}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{name: "alg none in lower case", raw: compose(`{"alg":"none","kid":"k1"}`, `{"exp":4102444800}`),
			verifyErr: jwtinfo.ErrAlgorithm},
		{name: "alg HS256 naming an RSA kid", raw: compose(`{"alg":"HS256","kid":"k1"}`, `{"exp":4102444800}`),
			verifyErr: jwtinfo.ErrAlgorithm},
		{name: "alg a list", raw: compose(`{"alg":["RS256","none"]}`, `{}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrMalformed},
		{name: "crit empty", raw: compose(`{"alg":"RS256","kid":"k1","crit":[]}`, `{"exp":4102444800}`),
			verifyErr: jwtinfo.ErrInvalid},
		{name: "crit not a list", raw: compose(`{"alg":"RS256","kid":"k1","crit":"exp"}`, `{"exp":4102444800}`),
			verifyErr: jwtinfo.ErrInvalid},
		// Verify looks at the claims only once a key holds, which none does
		// here: refused all the same.
		{name: "exp a huge integer", raw: compose(`{"alg":"RS256"}`, `{"exp":`+strings.Repeat("9", 400)+`}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrInvalid},
		{name: "exp NaN as a string", raw: compose(`{"alg":"RS256"}`, `{"exp":"NaN"}`),
			parseErr: jwtinfo.ErrMalformed, verifyErr: jwtinfo.ErrInvalid},
	}
	keyfunc := func(*jwt.Token) (any, error) { return nil, errors.New("no key here") }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			tok, err := jwtinfo.Parse(tt.raw)
			if !errors.Is(err, tt.parseErr) || (tt.parseErr == nil) != (err == nil) {
				t.Fatalf("Parse error = %v, want %v", err, tt.parseErr)
			}
			if err != nil && len(err.Error()) > 300 {
				t.Errorf("Parse error is %d bytes long", len(err.Error()))
			}
			if tok != nil {
				var out bytes.Buffer
				if err := tok.Describe(&out, time.Now()); err != nil {
					t.Errorf("Describe: %v", err)
				}
			}
			_, err = jwtinfo.Verify(context.Background(), tt.raw, jwtinfo.VerifyOptions{Keyfunc: keyfunc})
			if !errors.Is(err, tt.verifyErr) {
				t.Errorf("Verify error = %v, want %v", err, tt.verifyErr)
			}
			if err != nil && len(err.Error()) > 300 {
				t.Errorf("Verify error is %d bytes long", len(err.Error()))
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}
