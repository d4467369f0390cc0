package oob

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// Every value here is synthetic.
const (
	synthState      = "st-SYNTHETIC-0123456789abcdef"
	synthOtherState = "st-SYNTHETIC-older-login-9876"
	synthRedirect   = "https://cells.example.com/oauth2/oob"
	synthCode       = "ory_ac_SYNTHETIC-code-0123456789.abcdefghij"

	synthJWTHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InN5bnRoZXRpYy1rZXkifQ"
	synthJWTClaims = "eyJpc3MiOiJodHRwczovL2NlbGxzLmV4YW1wbGUuY29tL29pZGMvIiwic3ViIjoic3ludGhldGljLXVzZXIiLCJhdWQiOiJjZWxscy1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMH0"
	synthJWTSig    = "c3ludGhldGljLXNpZ25hdHVyZS1ub3QtcmVhbA"
	synthJWT       = synthJWTHeader + "." + synthJWTClaims + "." + synthJWTSig

	// A JWE as this provider issues codes: five parts, the header starting
	// with eyJ like any JWT's.
	synthJWE    = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.c3ludGhldGljLWtleQ.c3ludGhldGljLWl2.c3ludGhldGljLWNpcGhlcnRleHQ.c3ludGhldGljLXRhZw"
	synthJWEDir = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..c3ludGhldGljLWl2.c3ludGhldGljLWNpcGhlcnRleHQ.c3ludGhldGljLXRhZw"
	synthPAT    = "SYNTHETICpersonalaccesstoken0123456789abcde.SYNTHETICpersonalaccesstoken0123456789abcde"
)

// pasteSecrets must never appear in an error message.
var pasteSecrets = []string{synthState, synthOtherState, synthCode, synthJWT, synthPAT, synthJWE, "ory_at_SYNTHETIC", "ory_rt_SYNTHETIC"}

func redirectTo(query string) string { return synthRedirect + "?" + query }

func TestParsePaste(t *testing.T) {
	strict := pasteOptions{State: synthState, RedirectURI: synthRedirect}
	longCode := strings.Repeat("A1b2C3d4-_", 1000)
	tokenJSON := `{"access_token":"ory_at_SYNTHETIC-access","refresh_token":"ory_rt_SYNTHETIC-refresh",` +
		`"id_token":"` + synthJWT + `","token_type":"bearer","expires_in":599,"scope":"openid offline"}`

	tests := []struct {
		name    string
		in      string
		opts    pasteOptions
		want    pasted
		wantErr string // a part of the message; empty when no error is expected
	}{
		{name: "bare code", in: synthCode, opts: strict,
			want: pasted{Kind: pasteCode, Code: synthCode}},
		{name: "JWE-shaped code is a code", in: synthJWE, opts: strict,
			want: pasted{Kind: pasteCode, Code: synthJWE}},
		{name: "JWE with direct key is a code", in: synthJWEDir, opts: strict,
			want: pasted{Kind: pasteCode, Code: synthJWEDir}},
		{name: "eyJ three parts that are not a JWT is a code", in: "eyJub3Q.anVzdA.c29tZQ", opts: strict,
			want: pasted{Kind: pasteCode, Code: "eyJub3Q.anVzdA.c29tZQ"}},
		{name: "JWT with an empty signature is not a JWT", in: synthJWTHeader + "." + synthJWTClaims + ".", opts: strict,
			want: pasted{Kind: pasteCode, Code: synthJWTHeader + "." + synthJWTClaims + "."}},
		{name: "10000-character code", in: longCode, opts: strict,
			want: pasted{Kind: pasteCode, Code: longCode}},
		{name: "code over 64 KiB", in: strings.Repeat("c", 70000), opts: strict,
			wantErr: "too long for a code"},
		{name: "code with a zero-width space inside", in: "ory_ac_SYNTHETIC\u200b-code", opts: strict,
			wantErr: "U+200B"},
		{name: "code with a non-ASCII letter", in: "ory_ac_SYNTHÉTIC", opts: strict,
			wantErr: "not a code"},

		{name: "double quoted", in: `"` + synthCode + `"`, opts: strict,
			want: pasted{Kind: pasteCode, Code: synthCode}},
		{name: "single quoted", in: "'" + synthCode + "'", opts: strict,
			want: pasted{Kind: pasteCode, Code: synthCode}},
		{name: "backquoted URL", in: "`" + redirectTo("code="+synthCode+"&state="+synthState) + "`", opts: strict,
			want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "surrounding spaces and CR", in: " \t " + synthCode + " \r", opts: strict,
			want: pasted{Kind: pasteCode, Code: synthCode}},
		{name: "CRLF and byte order mark", in: "\ufeff" + synthCode + "\r\n", opts: strict,
			want: pasted{Kind: pasteCode, Code: synthCode}},
		{name: "empty", in: "", opts: strict, wantErr: "empty paste"},
		{name: "whitespace only", in: " \t\r\n ", opts: strict, wantErr: "empty paste"},
		{name: "quotes only", in: `""`, opts: strict, wantErr: "empty paste"},
		{name: "binary bytes", in: "ory_ac_\x00\x01\x02SYNTHETIC", opts: strict, wantErr: "control character"},
		{name: "escape sequence", in: "\x1b[31m" + synthCode, opts: strict, wantErr: "control character"},
		{name: "invalid UTF-8", in: "ory_ac_\xff\xfeSYNTHETIC", opts: strict, wantErr: "not text"},
		{name: "two values on one line", in: synthCode + " " + synthCode + "x", opts: strict,
			wantErr: "more than one value"},
		{name: "two URLs", in: redirectTo("code="+synthCode+"&state="+synthState) + "\n" + redirectTo("code=ory_ac_SYNTHETIC-2&state="+synthState),
			opts: strict, wantErr: "more than one value"},

		{name: "redirect URL with matching state", in: redirectTo("code=" + synthCode + "&scope=openid+offline&state=" + synthState),
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "redirect URL with issuer", in: redirectTo("code=" + synthCode + "&state=" + synthState + "&iss=https%3A%2F%2Fcells.example.com%2Foidc%2F"),
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState, Issuer: "https://cells.example.com/oidc/"}},
		{name: "redirect URL answered in the fragment", in: synthRedirect + "#code=" + synthCode + "&state=" + synthState,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "redirect URL with explicit port, trailing slash and upper-case host",
			in:   "HTTPS://Cells.Example.COM:443/oauth2/oob/?code=" + synthCode + "&state=" + synthState,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "redirect URL holding a JWE code", in: redirectTo("code=" + synthJWE + "&state=" + synthState),
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthJWE, State: synthState}},
		{name: "redirect URL without expected state", in: redirectTo("code=" + synthCode),
			opts: pasteOptions{}, want: pasted{Kind: pasteRedirectURL, Code: synthCode}},
		{name: "wrong state", in: redirectTo("code=" + synthCode + "&state=" + synthOtherState),
			opts: strict, wantErr: "state does not match: paste the URL from this login, not an older one"},
		{name: "missing state", in: redirectTo("code=" + synthCode),
			opts: strict, wantErr: "state does not match"},
		{name: "two states", in: redirectTo("code=" + synthCode + "&state=" + synthState + "&state=" + synthState),
			opts: strict, wantErr: "state does not match"},
		{name: "two code parameters", in: redirectTo("code=" + synthCode + "&code=ory_ac_SYNTHETIC-2&state=" + synthState),
			opts: strict, wantErr: "more than one code"},
		{name: "code in query and fragment", in: redirectTo("code="+synthCode+"&state="+synthState) + "#code=ory_ac_SYNTHETIC-2",
			opts: strict, wantErr: "more than one code"},
		{name: "truncated: empty code", in: redirectTo("code=&state=" + synthState),
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "truncated: cut in a parameter name", in: redirectTo("code=" + synthCode + "&sta"),
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "truncated: cut after state=", in: redirectTo("code=" + synthCode + "&state="),
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "truncated: cut after &", in: redirectTo("code=" + synthCode + "&"),
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "truncated: cut in an escape", in: redirectTo("state=" + synthState + "&code=ory_ac_SYNTHETIC%2"),
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "truncated: cut before the code", in: synthRedirect + "?sc",
			opts: strict, wantErr: "the URL looks truncated"},
		{name: "URL of another host", in: "https://evil.example.net/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "expected a URL on cells.example.com"},
		{name: "URL of another port", in: "https://cells.example.com:8443/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "expected a URL on cells.example.com"},
		{name: "URL of the old oob path", in: "https://cells.example.com/oauth/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "starting with https://cells.example.com/oauth2/oob"},
		{name: "URL over plain http", in: "http://cells.example.com/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "not this login's redirect"},
		{name: "any host without an expected redirect", in: "https://elsewhere.example.org/cb?code=" + synthCode + "&state=" + synthState,
			opts: pasteOptions{State: synthState}, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "non-web redirect is not compared", in: "https://accounts.example.org/approval?code=" + synthCode + "&state=" + synthState,
			opts: pasteOptions{State: synthState, RedirectURI: "urn:ietf:wg:oauth:2.0:oob"},
			want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "query without scheme and host", in: "code=" + synthCode + "&state=" + synthState,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "query with its question mark", in: "?state=" + synthState + "&code=" + synthCode,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "path and query", in: "/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "host, path and query", in: "cells.example.com/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, want: pasted{Kind: pasteRedirectURL, Code: synthCode, State: synthState}},
		{name: "another host without scheme", in: "evil.example.net/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "expected a URL on cells.example.com"},
		{name: "query with the wrong state", in: "code=" + synthCode + "&state=" + synthOtherState,
			opts: strict, wantErr: "state does not match"},
		{name: "parameters split by semicolons", in: redirectTo("code=" + synthCode + ";state=" + synthState),
			opts: strict, wantErr: "parameters of the pasted URL do not parse"},
		{name: "bad escape in the code", in: redirectTo("code=ory_ac_%zzSYNTHETIC&state=" + synthState),
			opts: strict, wantErr: "parameters of the pasted URL do not parse"},
		{name: "code decoding to a space", in: redirectTo("code=ory_ac+SYNTHETIC&state=" + synthState),
			opts: strict, wantErr: "not a plausible code"},
		{name: "the sign-in URL pasted back", in: "https://cells.example.com/oidc/oauth2/auth?client_id=cells-client&response_type=code&state=" + synthState,
			opts: strict, wantErr: "that is the sign-in URL"},
		{name: "URL without a code", in: synthRedirect, opts: strict, wantErr: "holds no code"},
		{name: "URL of another scheme", in: "ftp://cells.example.com/oauth2/oob?code=" + synthCode,
			opts: strict, wantErr: "not an http or https URL"},
		{name: "URL with a space", in: "https://cells example/?code=" + synthCode,
			opts: strict, wantErr: "more than one value"},
		{name: "URL with a bad host", in: "https://[::1/oauth2/oob?code=" + synthCode + "&state=" + synthState,
			opts: strict, wantErr: "does not parse"},

		{name: "error=access_denied with description",
			in:      redirectTo("error=access_denied&error_description=The+resource+owner+denied+the+request&state=" + synthState),
			opts:    strict,
			wantErr: "the server refused the sign-in: access_denied: The resource owner denied the request"},
		{name: "error without description", in: redirectTo("error=login_required"),
			opts: strict, wantErr: "the server refused the sign-in: login_required"},
		{name: "error description with control characters",
			in:   redirectTo("error=access_denied&error_description=%1B%5B31mred%0Anext"),
			opts: strict, wantErr: `access_denied: \x1b[31mred\nnext`},
		{name: "error description capped",
			in:   redirectTo("error=access_denied&error_description=" + strings.Repeat("x", 5000)),
			opts: strict, wantErr: strings.Repeat("x", maxDescription) + "…"},

		{name: "token JSON", in: tokenJSON, opts: strict,
			want: pasted{Kind: pasteTokenJSON, AccessToken: "ory_at_SYNTHETIC-access", RefreshToken: "ory_rt_SYNTHETIC-refresh",
				IDToken: synthJWT, TokenType: "Bearer", ExpiresIn: 599, Scope: "openid offline"}},
		{name: "token JSON on several lines, expires_in as a string",
			in:   "{\n  \"id_token\": \"" + synthJWT + "\",\n  \"expires_in\": \"3600\"\n}\n",
			opts: strict, want: pasted{Kind: pasteTokenJSON, IDToken: synthJWT, TokenType: "Bearer", ExpiresIn: 3600}},
		{name: "JSON with error", in: `{"error":"invalid_grant","error_description":"The grant is expired"}`,
			opts: strict, wantErr: "the server refused the sign-in: invalid_grant: The grant is expired"},
		{name: "JSON without tokens", in: `{"token_type":"bearer"}`, opts: strict,
			wantErr: "neither access_token nor id_token"},
		{name: "JSON cut short", in: `{"access_token":"ory_at_SYNTHETIC-access","refre`, opts: strict,
			wantErr: "cut short"},
		{name: "JSON that does not parse", in: `{"access_token":ory_at_SYNTHETIC-access}`, opts: strict,
			wantErr: "does not parse (at byte"},
		{name: "JSON with a token of the wrong type", in: `{"access_token":12345678901234}`, opts: strict,
			wantErr: "access_token has the wrong type"},
		{name: "JSON with a token holding a newline", in: `{"access_token":"ory_at_SYNTHETIC\nx"}`, opts: strict,
			wantErr: "access_token is not a token"},
		{name: "JSON with a negative lifetime", in: `{"access_token":"ory_at_SYNTHETIC-access","expires_in":-5}`, opts: strict,
			wantErr: "expires_in is negative"},
		{name: "JSON with a lifetime of a century", in: `{"access_token":"ory_at_SYNTHETIC-access","expires_in":3153600000}`, opts: strict,
			wantErr: "over ten years"},
		{name: "JSON with a lifetime that is no number", in: `{"access_token":"ory_at_SYNTHETIC-access","expires_in":"soon"}`, opts: strict,
			wantErr: "the pasted JSON: expires_in is not a number of seconds"},
		{name: "JSON with a DPoP token", in: `{"access_token":"ory_at_SYNTHETIC-access","token_type":"DPoP"}`, opts: strict,
			wantErr: `token_type "DPoP" cannot be sent as a bearer token`},

		{name: "JWT", in: synthJWT, opts: strict,
			want: pasted{Kind: pasteJWT, AccessToken: synthJWT, IDToken: synthJWT}},
		{name: "JWT with --token", in: synthJWT, opts: pasteOptions{AsToken: true},
			want: pasted{Kind: pasteJWT, AccessToken: synthJWT, IDToken: synthJWT}},
		{name: "JWT copied with its header", in: "Authorization: Bearer " + synthJWT, opts: strict,
			want: pasted{Kind: pasteJWT, AccessToken: synthJWT, IDToken: synthJWT}},
		{name: "opaque with --token", in: synthPAT, opts: pasteOptions{AsToken: true},
			want: pasted{Kind: pasteOpaque, AccessToken: synthPAT}},
		{name: "JWE with --token is opaque", in: synthJWE, opts: pasteOptions{AsToken: true},
			want: pasted{Kind: pasteOpaque, AccessToken: synthJWE}},
		{name: "opaque with --token and Bearer", in: "bearer " + synthPAT, opts: pasteOptions{AsToken: true},
			want: pasted{Kind: pasteOpaque, AccessToken: synthPAT}},
		{name: "opaque with --token holding a non-ASCII character", in: "ory_at_SYNTHÉTIC", opts: pasteOptions{AsToken: true},
			wantErr: "not a token"},

		{name: "1 MB of junk", in: junkBytes(1_000_000), opts: strict, wantErr: ""},
		{name: "over 1 MiB", in: strings.Repeat("a", maxPaste+1), opts: strict, wantErr: "too long (1048577 bytes, at most 1 MiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePaste(tt.in, tt.opts)
			if tt.wantErr == "" && tt.want == (pasted{}) {
				// Junk: any refusal will do, as long as it is ErrInvalid
				// and safe to print.
				if err == nil {
					t.Fatalf("parsePaste accepted junk as %v", got.Kind)
				}
			}
			if err != nil {
				checkPasteError(t, tt.in, err)
			}
			switch {
			case tt.wantErr != "" && err == nil:
				t.Fatalf("parsePaste = %+v, want an error with %q", got, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error = %q, want it to contain %q", err, tt.wantErr)
			case tt.want != (pasted{}) && err != nil:
				t.Fatalf("parsePaste: %v", err)
			case tt.want != (pasted{}) && got != tt.want:
				t.Fatalf("parsePaste =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// checkPasteError holds every error of parsePaste to the same rules: it
// matches ErrInvalid, fits on one short line, and repeats no secret.
func checkPasteError(t *testing.T, in string, err error) {
	t.Helper()
	msg := err.Error()
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error %q does not match ErrInvalid", msg)
	}
	if strings.HasPrefix(msg, "oob:") {
		t.Errorf("error %q names the package, which is no use to people", msg)
	}
	if strings.ContainsAny(msg, "\n\r\x1b") || len(msg) > 400 {
		t.Errorf("error is not one short printable line: %q", msg)
	}
	for _, s := range pasteSecrets {
		if strings.Contains(msg, s) {
			t.Errorf("error %q repeats a secret", msg)
		}
	}
	if trimmed := trimPaste(in); len(trimmed) > 12 && strings.Contains(msg, trimmed) {
		t.Errorf("error %q repeats the paste", msg)
	}
}

func junkBytes(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return string(b)
}

func TestParsePasteAuthError(t *testing.T) {
	_, err := parsePaste(redirectTo("error=access_denied&error_description=denied%E2%80%AEevil&state="+synthState),
		pasteOptions{State: synthState, RedirectURI: synthRedirect})
	var authErr *AuthError
	if !errors.As(err, &authErr) {
		t.Fatalf("error %v is not an *AuthError", err)
	}
	// A right-to-left override would let a server disguise its message.
	want := AuthError{Code: "access_denied", Description: `denied\u202eevil`}
	if *authErr != want {
		t.Errorf("AuthError = %+v, want %+v", *authErr, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("AuthError does not match ErrInvalid")
	}
}

func TestParsePasteDoesNotMatchOtherSentinels(t *testing.T) {
	_, err := parsePaste("", pasteOptions{})
	for _, sentinel := range []error{ErrBadServerURL, ErrInterrupted, ErrExpired, ErrNotLoggedIn} {
		if errors.Is(err, sentinel) {
			t.Errorf("empty paste matches %v", sentinel)
		}
	}
}
