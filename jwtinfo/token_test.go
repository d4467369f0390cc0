package jwtinfo_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// compose builds a token from raw JSON parts, so that tests can say things
// no signing library would let through. The signature is junk: Parse does
// not look at it.
func compose(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + enc([]byte("not-a-signature"))
}

const rs256 = `{"alg":"RS256","typ":"JWT","kid":"k1"}`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantErr error
		check   func(*testing.T, *jwtinfo.Token)
	}{
		{name: "empty", raw: "", wantErr: jwtinfo.ErrMalformed},
		{name: "one part", raw: "ory_at_opaque", wantErr: jwtinfo.ErrMalformed},
		{name: "two parts", raw: "eyJhbGciOiJSUzI1NiJ9.e30", wantErr: jwtinfo.ErrMalformed},
		{name: "four parts", raw: "a.b.c.d", wantErr: jwtinfo.ErrMalformed},
		{name: "five parts is a JWE", raw: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", wantErr: jwtinfo.ErrEncrypted},
		{name: "six parts", raw: "a.b.c.d.e.f", wantErr: jwtinfo.ErrMalformed},
		{name: "over 1 MiB", raw: compose(rs256, `{"x":"`+strings.Repeat("a", jwtinfo.MaxSize)+`"}`), wantErr: jwtinfo.ErrMalformed},
		{name: "header not base64", raw: "!!!.e30.c2ln", wantErr: jwtinfo.ErrMalformed},
		{name: "header not JSON", raw: compose(`{alg:RS256}`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "header a list", raw: compose(`["RS256"]`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "header null", raw: compose(`null`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "claims not JSON", raw: compose(rs256, `{"sub":`), wantErr: jwtinfo.ErrMalformed},
		{name: "claims a string", raw: compose(rs256, `"sub"`), wantErr: jwtinfo.ErrMalformed},
		{name: "claims null", raw: compose(rs256, `null`), wantErr: jwtinfo.ErrMalformed},
		{name: "signature not base64", raw: strings.TrimSuffix(compose(rs256, `{}`), "ZQ") + "!!", wantErr: jwtinfo.ErrMalformed},
		{name: "no alg", raw: compose(`{"typ":"JWT"}`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "alg a number", raw: compose(`{"alg":256}`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "kid a number", raw: compose(`{"alg":"RS256","kid":1}`, `{}`), wantErr: jwtinfo.ErrMalformed},
		{name: "iss a number", raw: compose(rs256, `{"iss":1}`), wantErr: jwtinfo.ErrMalformed},
		{name: "sub an object", raw: compose(rs256, `{"sub":{}}`), wantErr: jwtinfo.ErrMalformed},
		{name: "aud a number", raw: compose(rs256, `{"aud":1}`), wantErr: jwtinfo.ErrMalformed},
		{name: "aud null", raw: compose(rs256, `{"aud":null}`), wantErr: jwtinfo.ErrMalformed},
		{name: "aud list with a number", raw: compose(rs256, `{"aud":["a",1]}`), wantErr: jwtinfo.ErrMalformed},
		{name: "exp a string", raw: compose(rs256, `{"exp":"7258118400"}`), wantErr: jwtinfo.ErrMalformed},
		{name: "exp negative", raw: compose(rs256, `{"exp":-1}`), wantErr: jwtinfo.ErrMalformed},
		{name: "exp past year 9999", raw: compose(rs256, `{"exp":1e20}`), wantErr: jwtinfo.ErrMalformed},
		{name: "exp beyond float64", raw: compose(rs256, `{"exp":1e400}`), wantErr: jwtinfo.ErrMalformed},
		{name: "exp null", raw: compose(rs256, `{"exp":null}`), wantErr: jwtinfo.ErrMalformed},
		{name: "iat a bool", raw: compose(rs256, `{"iat":true}`), wantErr: jwtinfo.ErrMalformed},
		{name: "nbf negative", raw: compose(rs256, `{"nbf":-5}`), wantErr: jwtinfo.ErrMalformed},
		{name: "auth_time a string", raw: compose(rs256, `{"auth_time":"yesterday"}`), wantErr: jwtinfo.ErrMalformed},
		{
			name: "typed fields",
			raw: compose(`{"alg":"RS256","kid":"k1","typ":"JWT"}`, `{"iss":"https://c.example/oidc/","sub":"u1","aud":"cells-client",`+
				`"name":"Alice","email":"a@example.com","preferred_username":"alice","nonce":"n1",`+
				`"iat":1577836800,"exp":7258118400,"nbf":1577836800,"auth_time":1577836799}`),
			check: func(t *testing.T, tok *jwtinfo.Token) {
				got := []string{tok.Algorithm, tok.KeyID, tok.Type, tok.Issuer, tok.Subject, tok.Name, tok.Email, tok.PreferredUsername, tok.Nonce}
				want := []string{"RS256", "k1", "JWT", "https://c.example/oidc/", "u1", "Alice", "a@example.com", "alice", "n1"}
				if !slices.Equal(got, want) {
					t.Errorf("string fields %q, want %q", got, want)
				}
				if !slices.Equal(tok.Audience, []string{"cells-client"}) || !tok.HasAudience("cells-client") || tok.HasAudience("cells") {
					t.Errorf("Audience %q", tok.Audience)
				}
				wantTimes := map[string][2]time.Time{
					"iat":       {tok.IssuedAt, time.Unix(1577836800, 0)},
					"exp":       {tok.ExpiresAt, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
					"nbf":       {tok.NotBefore, time.Unix(1577836800, 0)},
					"auth_time": {tok.AuthTime, time.Unix(1577836799, 0)},
				}
				for name, tt := range wantTimes {
					if !tt[0].Equal(tt[1]) {
						t.Errorf("%s = %v, want %v", name, tt[0], tt[1])
					}
				}
				if tok.Verified {
					t.Errorf("Parse returned a token marked Verified")
				}
			},
		},
		{
			name: "aud list, fractional exp, absent times",
			raw:  compose(rs256, `{"aud":["a","b"],"exp":7258118400.5}`),
			check: func(t *testing.T, tok *jwtinfo.Token) {
				if !slices.Equal(tok.Audience, []string{"a", "b"}) {
					t.Errorf("Audience %q", tok.Audience)
				}
				if want := time.Unix(7258118400, 5e8); !tok.ExpiresAt.Equal(want) {
					t.Errorf("ExpiresAt %v, want %v", tok.ExpiresAt, want)
				}
				if !tok.IssuedAt.IsZero() || !tok.NotBefore.IsZero() || !tok.AuthTime.IsZero() {
					t.Errorf("absent times are not zero: %v %v %v", tok.IssuedAt, tok.NotBefore, tok.AuthTime)
				}
			},
		},
		{
			name: "unknown alg still decodes",
			raw:  compose(`{"alg":"XYZ1024"}`, `{"sub":"u1"}`),
			check: func(t *testing.T, tok *jwtinfo.Token) {
				if tok.Algorithm != "XYZ1024" || tok.Subject != "u1" {
					t.Errorf("got alg %q sub %q", tok.Algorithm, tok.Subject)
				}
			},
		},
		{
			name: "large integers keep their digits",
			raw:  compose(rs256, `{"id":12345678901234567890}`),
			check: func(t *testing.T, tok *jwtinfo.Token) {
				if got := tok.Claims["id"]; got == nil || got.(interface{ String() string }).String() != "12345678901234567890" {
					t.Errorf("id = %v", got)
				}
			},
		},
		{
			name: "non-string name is kept as a claim only",
			raw:  compose(rs256, `{"name":{"given":"Alice"}}`),
			check: func(t *testing.T, tok *jwtinfo.Token) {
				if tok.Name != "" || tok.Claims["name"] == nil {
					t.Errorf("Name %q, claim %v", tok.Name, tok.Claims["name"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jwtinfo.Parse(tt.raw)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, jwtinfo.ErrInvalid) {
					t.Fatalf("error %v, want %v (and ErrInvalid)", err, tt.wantErr)
				}
				if tok != nil {
					t.Errorf("token returned along with error")
				}
				checkErrorLine(t, err, tt.raw)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			tt.check(t, tok)
		})
	}
}

// checkErrorLine holds an error to what reaches people: one line, lowercase,
// no control characters, and none of the token itself.
func checkErrorLine(t *testing.T, err error, raw string) {
	t.Helper()
	msg := err.Error()
	if strings.HasPrefix(msg, "jwtinfo:") {
		t.Errorf("error %q names the package, which is no use to people", msg)
	}
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Errorf("error %q holds control character %U", msg, r)
		}
	}
	if strings.HasSuffix(msg, ".") {
		t.Errorf("error %q ends with a period", msg)
	}
	if len(raw) > 20 && strings.Contains(msg, raw) {
		t.Errorf("error %q holds the token", msg)
	}
	for _, part := range strings.Split(raw, ".") {
		if len(part) > 20 && strings.Contains(msg, part) {
			t.Errorf("error %q holds part of the token", msg)
		}
	}
}

func TestCheckTime(t *testing.T) {
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	nbf := exp.Add(-time.Hour)
	tok := &jwtinfo.Token{ExpiresAt: exp, NotBefore: nbf}
	tests := []struct {
		name   string
		now    time.Time
		leeway time.Duration
		want   error
	}{
		{"inside", exp.Add(-time.Minute), 0, nil},
		{"at exp", exp, 0, jwtinfo.ErrExpired},
		{"after exp", exp.Add(time.Second), 0, jwtinfo.ErrExpired},
		{"after exp within leeway", exp.Add(30 * time.Second), time.Minute, nil},
		{"after exp beyond leeway", exp.Add(2 * time.Minute), time.Minute, jwtinfo.ErrExpired},
		{"at nbf", nbf, 0, nil},
		{"before nbf", nbf.Add(-time.Second), 0, jwtinfo.ErrNotYetValid},
		{"before nbf within leeway", nbf.Add(-30 * time.Second), time.Minute, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tok.CheckTime(tt.now, tt.leeway)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("CheckTime = %v, want %v", err, tt.want)
			}
			if errors.Is(err, jwtinfo.ErrInvalid) {
				t.Errorf("time error %v also matches ErrInvalid", err)
			}
		})
	}
	if err := (&jwtinfo.Token{}).CheckTime(time.Now(), 0); err != nil {
		t.Errorf("token without times: %v", err)
	}
}
