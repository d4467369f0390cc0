package oob

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// The fuzz seeds under testdata/paste are written for this state and
// redirect, so that mutations start from pastes that pass every check.
const (
	fuzzState    = "fuzz-state-0123456789"
	fuzzRedirect = "https://cells.example.com/oauth2/oob"
)

func FuzzParsePaste(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "paste", "*"))
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, name := range seeds {
		if filepath.Ext(name) == ".md" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), false, true)
		f.Add(string(b), true, false)
		n++
	}
	if n < 12 {
		f.Fatalf("found %d seed pastes under testdata/paste, want at least 12", n)
	}

	f.Fuzz(func(t *testing.T, in string, asToken, strict bool) {
		opts := pasteOptions{AsToken: asToken}
		if strict {
			opts.State, opts.RedirectURI = fuzzState, fuzzRedirect
		}
		p, err := parsePaste(in, opts)
		if err != nil {
			msg := err.Error()
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not match ErrInvalid", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error %q is not one line", msg)
			}
			if len(in) > 12 && strings.Contains(msg, in) {
				t.Errorf("error %q repeats the paste", msg)
			}
			// A secret has no blanks; one longer than 12 characters must
			// not come back even without its quotes and blanks.
			if core := trimPaste(in); len(core) > 12 && !strings.ContainsFunc(core, unicode.IsSpace) && strings.Contains(msg, core) {
				t.Errorf("error %q repeats the paste", msg)
			}
			return
		}
		if p.Kind < pasteCode || p.Kind > pasteOpaque {
			t.Fatalf("parsePaste succeeded with kind %d", p.Kind)
		}
		for field, v := range map[string]string{
			"Code": p.Code, "AccessToken": p.AccessToken, "RefreshToken": p.RefreshToken, "IDToken": p.IDToken,
		} {
			if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
				t.Errorf("%s holds a blank or control character at %d", field, i)
			}
		}
		switch p.Kind {
		case pasteCode, pasteRedirectURL:
			if p.Code == "" {
				t.Errorf("kind %d without a code", p.Kind)
			}
			if len(p.Code) > maxCode {
				t.Errorf("code of %d bytes accepted", len(p.Code))
			}
		case pasteTokenJSON:
			if p.AccessToken == "" && p.IDToken == "" {
				t.Errorf("token JSON without access or ID token")
			}
		case pasteJWT, pasteOpaque:
			if p.AccessToken == "" {
				t.Errorf("kind %d without a token", p.Kind)
			}
		}
		if p.Kind == pasteOpaque && !asToken {
			t.Errorf("opaque token without AsToken")
		}
		if p.Kind == pasteRedirectURL && strict && p.State != fuzzState {
			t.Errorf("redirect accepted with another state")
		}
	})
}
