package jwtinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// update rewrites the golden files under testdata/golden:
//
//	go test ./jwtinfo -run 'TestDescribe|TestJSON' -update
var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestDescribe(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		golden string
		file   string
		now    time.Time
		verify bool
	}{
		{"valid.txt", "valid.jwt", fixtureNow, false},
		{"valid-verified.txt", "valid.jwt", fixtureNow, true},
		{"valid-local.txt", "valid.jwt", fixtureNow.In(paris), false},
		{"expired.txt", "expired.jwt", fixtureNow, false},
		{"not-yet-valid.txt", "not-yet-valid.jwt", fixtureNow, false},
		{"no-exp.txt", "no-exp.jwt", fixtureNow, false},
		{"audience-list.txt", "audience-list.jwt", fixtureNow, false},
		{"escape.txt", "escape.jwt", fixtureNow, false},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			tok := fixtureToken(t, tt.file, tt.verify)
			var buf bytes.Buffer
			if err := tok.Describe(&buf, tt.now); err != nil {
				t.Fatal(err)
			}
			assertNoControl(t, buf.String(), "\n")
			golden(t, "describe-"+tt.golden, buf.Bytes())
		})
	}
}

// fixtureToken parses a fixture, or verifies it against the fixture JWKS.
func fixtureToken(t *testing.T, file string, verify bool) *jwtinfo.Token {
	t.Helper()
	raw := readFixture(t, file)
	if !verify {
		tok, err := jwtinfo.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok, err := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{
		Keyfunc: fixtureKeyfunc(t),
		Now:     func() time.Time { return fixtureNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// assertNoControl fails if s holds a rune a terminal could act on, other
// than those in allowed.
func assertNoControl(t *testing.T, s, allowed string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("output is not valid UTF-8:\n%q", s)
	}
	for i, r := range s {
		if strings.ContainsRune(allowed, r) {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x2028 {
			t.Errorf("raw %U at byte %d of output:\n%s", r, i, s)
			return
		}
	}
}

// assertSafeOutputs fails unless both of tok's outputs, text and JSON, are
// free of raw control characters, and the JSON parses; what names tok in
// the failures.
func assertSafeOutputs(t *testing.T, what string, tok *jwtinfo.Token) {
	t.Helper()
	var text bytes.Buffer
	if err := tok.Describe(&text, fixtureNow); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	assertNoControl(t, text.String(), "\n")
	js, err := tok.JSON(fixtureNow)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	assertNoControl(t, string(js), "\n")
	if !json.Valid(js) {
		t.Errorf("%s: JSON output does not parse:\n%s", what, js)
	}
}

// TestEveryControlCharacterIsEscaped puts each dangerous rune in a claim
// name, a claim value, a list and a header, and finds none of them raw in
// either output.
func TestEveryControlCharacterIsEscaped(t *testing.T) {
	var runes []rune
	for r := rune(0); r < 0x20; r++ {
		runes = append(runes, r)
	}
	runes = append(runes, 0x7f)
	for r := rune(0x80); r < 0xa0; r++ {
		runes = append(runes, r)
	}
	runes = append(runes, 0x200e, 0x202a, 0x202e, 0x2066, 0x2028, 0x2029, 0xfeff, 0xe0001)
	for _, r := range runes {
		s := "a" + string(r) + "b"
		claims, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"name": s, s: s, "list": []string{s}, "obj": map[string]string{s: s}, "exp": 7258118400,
		}).SigningString()
		if err != nil {
			t.Fatal(err)
		}
		raw := compose(`{"alg":"RS256","kid":"`+jsonEscape(s)+`"}`, "{}")
		raw = raw[:strings.Index(raw, ".")] + claims[strings.Index(claims, "."):] + ".c2ln"
		tok, err := jwtinfo.Parse(raw)
		if err != nil {
			t.Fatalf("%U: %v", r, err)
		}
		assertSafeOutputs(t, fmt.Sprintf("%U", r), tok)
	}
}

func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' {
			b.WriteString(`\u00`)
			b.WriteString(string("0123456789abcdef"[r>>4]))
			b.WriteString(string("0123456789abcdef"[r&0xf]))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestDescribeFarFuture covers times beyond a Duration's reach (292 years).
func TestDescribeFarFuture(t *testing.T) {
	tok, err := jwtinfo.Parse(compose(rs256, `{"exp":253402300799,"iat":0}`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tok.Describe(&buf, fixtureNow); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"9999-12-31 23:59:59 UTC (in 7974y)", "1970-01-01 00:00:00 UTC (55y ago)", "valid, expires in 7974y"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}
