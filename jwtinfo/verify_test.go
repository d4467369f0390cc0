package jwtinfo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
	"github.com/cells-oob/cells-oob/jwtinfo"
)

// testKeys are made once per test binary: RSA generation is slow.
var testKeys = sync.OnceValues(func() (map[string]*jwttest.Key, error) {
	keys := map[string]*jwttest.Key{}
	var err error
	if keys["rsa"], err = jwttest.NewRSA("rsa-1"); err != nil {
		return nil, err
	}
	// Same kid, other key: what a forger would publish nowhere.
	if keys["rsa-impostor"], err = jwttest.NewRSA("rsa-1"); err != nil {
		return nil, err
	}
	if keys["ec"], err = jwttest.NewECDSA("ec-1"); err != nil {
		return nil, err
	}
	if keys["ed"], err = jwttest.NewEd25519("ed-1"); err != nil {
		return nil, err
	}
	pss := *keys["rsa"]
	pss.ID, pss.Method = "pss-1", jwt.SigningMethodPS256
	keys["pss"] = &pss
	return keys, nil
})

func key(t testing.TB, name string) *jwttest.Key {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys[name]
}

func sign(t testing.TB, k *jwttest.Key, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	s, err := k.Sign(claims, header)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jwksKeyfunc(t testing.TB, keys ...*jwttest.Key) jwt.Keyfunc {
	t.Helper()
	doc, err := jwttest.JWKS(keys...)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := jwtinfo.KeyfuncFromJWKS(doc)
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

func TestVerify(t *testing.T) {
	rsa, ec, ed, pss := key(t, "rsa"), key(t, "ec"), key(t, "ed"), key(t, "pss")
	all := jwksKeyfunc(t, rsa, ec, ed, pss)
	pubPEM, err := rsa.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM, err := jwtinfo.KeyfuncFromPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	base := fixtureClaims()
	now := fixtureNow
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }

	hmac := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, base)
		tok.Header["kid"] = rsa.ID
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, base).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		raw      string
		keyfunc  jwt.Keyfunc
		issuer   string
		audience string
		leeway   time.Duration
		want     error
	}{
		{name: "RS256 from JWKS", raw: sign(t, rsa, base, nil)},
		{name: "PS256 from JWKS", raw: sign(t, pss, base, nil)},
		{name: "ES256 from JWKS", raw: sign(t, ec, base, nil)},
		{name: "EdDSA from JWKS", raw: sign(t, ed, base, nil)},
		{name: "RS256 from PEM", raw: sign(t, rsa, base, nil), keyfunc: rsaPEM},
		{name: "no kid tries every key", raw: sign(t, ec, base, map[string]any{"kid": nil})},
		{name: "issuer exact", raw: sign(t, rsa, base, nil), issuer: fixtureIssuer},
		{name: "issuer wanted without slash", raw: sign(t, rsa, base, nil), issuer: "https://cells.example.com/oidc"},
		{name: "issuer in token without slash", raw: sign(t, rsa, with(base, jwt.MapClaims{"iss": "https://cells.example.com/oidc"}), nil), issuer: fixtureIssuer},
		{name: "audience", raw: sign(t, rsa, base, nil), audience: fixtureAudience},
		{name: "audience in a list", raw: sign(t, rsa, with(base, jwt.MapClaims{"aud": []string{"x", fixtureAudience}}), nil), audience: fixtureAudience},
		{name: "expired within leeway", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": at(-30 * time.Second)}), nil), leeway: time.Minute},
		{name: "nbf within leeway", raw: sign(t, rsa, with(base, jwt.MapClaims{"nbf": at(30 * time.Second)}), nil), leeway: time.Minute},

		{name: "expired", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": at(-time.Second)}), nil), want: jwtinfo.ErrExpired},
		{name: "expired beyond leeway", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": at(-2 * time.Minute)}), nil), leeway: time.Minute, want: jwtinfo.ErrExpired},
		{name: "nbf ahead", raw: sign(t, rsa, with(base, jwt.MapClaims{"nbf": at(time.Minute)}), nil), want: jwtinfo.ErrNotYetValid},
		{name: "no exp", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": nil}), nil), want: jwtinfo.ErrInvalid},
		{name: "wrong issuer", raw: sign(t, rsa, base, nil), issuer: "https://evil.example.com/oidc/", want: jwtinfo.ErrIssuer},
		{name: "issuer prefix is not enough", raw: sign(t, rsa, base, nil), issuer: "https://cells.example.com/oidc/x", want: jwtinfo.ErrIssuer},
		{name: "no issuer", raw: sign(t, rsa, with(base, jwt.MapClaims{"iss": nil}), nil), issuer: fixtureIssuer, want: jwtinfo.ErrIssuer},
		{name: "wrong audience", raw: sign(t, rsa, base, nil), audience: "other-client", want: jwtinfo.ErrAudience},
		{name: "no audience", raw: sign(t, rsa, with(base, jwt.MapClaims{"aud": nil}), nil), audience: fixtureAudience, want: jwtinfo.ErrAudience},
		{name: "expired and wrong audience says audience", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": at(-time.Hour)}), nil), audience: "other-client", want: jwtinfo.ErrAudience},
		{name: "expired and wrong issuer says issuer", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": at(-time.Hour)}), nil), issuer: "https://evil.example.com/", want: jwtinfo.ErrIssuer},
		{name: "signed by an impostor with the same kid", raw: sign(t, key(t, "rsa-impostor"), base, nil), want: jwtinfo.ErrSignature},
		{name: "unknown kid", raw: sign(t, rsa, base, map[string]any{"kid": "nope"}), want: jwtinfo.ErrSignature},
		{name: "ES256 against an RSA PEM", raw: sign(t, ec, base, nil), keyfunc: rsaPEM, want: jwtinfo.ErrSignature},
		{name: "alg none", raw: none, want: jwtinfo.ErrAlgorithm},
		{name: "HS256 keyed with the PEM, against the PEM", raw: hmac(pubPEM), keyfunc: rsaPEM, want: jwtinfo.ErrAlgorithm},
		{name: "HS256 keyed with the PEM, against the JWKS", raw: hmac(pubPEM), want: jwtinfo.ErrAlgorithm},
		{
			name: "HS256 even when the keyfunc hands out the secret", raw: hmac([]byte("s3cret-s3cret-s3cret-s3cret-s3cr")),
			keyfunc: func(*jwt.Token) (any, error) { return []byte("s3cret-s3cret-s3cret-s3cret-s3cr"), nil },
			want:    jwtinfo.ErrAlgorithm,
		},
		{name: "unknown alg", raw: compose(`{"alg":"XYZ1024","kid":"rsa-1"}`, `{"exp":7258118400}`), want: jwtinfo.ErrAlgorithm},
		{name: "crit header", raw: sign(t, rsa, base, map[string]any{"crit": []string{"b64"}, "b64": false}), want: jwtinfo.ErrInvalid},
		{name: "negative exp", raw: sign(t, rsa, with(base, jwt.MapClaims{"exp": -1}), nil), want: jwtinfo.ErrMalformed},
		{name: "iss a number", raw: sign(t, rsa, with(base, jwt.MapClaims{"iss": 7}), nil), issuer: fixtureIssuer, want: jwtinfo.ErrMalformed},
		{name: "JWE", raw: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", want: jwtinfo.ErrEncrypted},
		{name: "two parts", raw: "eyJhbGciOiJSUzI1NiJ9.e30", want: jwtinfo.ErrMalformed},
		{
			name: "keyfunc failure", raw: sign(t, rsa, base, nil),
			keyfunc: func(*jwt.Token) (any, error) { return nil, errors.New("cannot reach the key") },
			want:    jwtinfo.ErrSignature,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kf := tt.keyfunc
			if kf == nil {
				kf = all
			}
			tok, err := jwtinfo.Verify(context.Background(), tt.raw, jwtinfo.VerifyOptions{
				Keyfunc:  kf,
				Issuer:   tt.issuer,
				Audience: tt.audience,
				Leeway:   tt.leeway,
				Now:      func() time.Time { return now },
			})
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			timeOnly := errors.Is(err, jwtinfo.ErrExpired) || errors.Is(err, jwtinfo.ErrNotYetValid)
			switch {
			case err == nil || timeOnly:
				if tok == nil || !tok.Verified {
					t.Errorf("want a verified token back, got %+v", tok)
				}
			case tok != nil:
				t.Errorf("token returned along with %v", err)
			}
			if err != nil {
				checkErrorLine(t, err, tt.raw)
				if timeOnly == errors.Is(err, jwtinfo.ErrInvalid) {
					t.Errorf("error %v: time errors must not match ErrInvalid, others must", err)
				}
			}
		})
	}
}

func TestVerifyNeedsAKeyAndAContext(t *testing.T) {
	raw := sign(t, key(t, "rsa"), fixtureClaims(), nil)
	if _, err := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{}); err == nil || errors.Is(err, jwtinfo.ErrInvalid) {
		t.Errorf("no Keyfunc: error %v, want a plain error (the caller's mistake, not the token's)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := jwtinfo.Verify(ctx, raw, jwtinfo.VerifyOptions{Keyfunc: jwksKeyfunc(t, key(t, "rsa"))}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error %v", err)
	}
	// A Keyfunc that gives up because time ran out says nothing about the
	// token: that must not read as a bad signature.
	slow := func(*jwt.Token) (any, error) { return nil, fmt.Errorf("fetch keys: %w", context.DeadlineExceeded) }
	if _, err := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{Keyfunc: slow}); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jwtinfo.ErrInvalid) {
		t.Errorf("keyfunc timeout: error %v, want DeadlineExceeded and not ErrInvalid", err)
	}
}

// TestVerifyDefaultClock checks that a nil Now means the real clock: a
// token that expired a second ago fails, one valid for an hour passes.
func TestVerifyDefaultClock(t *testing.T) {
	rsa := key(t, "rsa")
	kf := jwksKeyfunc(t, rsa)
	for _, tt := range []struct {
		exp  time.Duration
		want error
	}{{time.Hour, nil}, {-time.Second, jwtinfo.ErrExpired}} {
		raw := sign(t, rsa, with(fixtureClaims(), jwt.MapClaims{"exp": time.Now().Add(tt.exp).Unix()}), nil)
		if _, err := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{Keyfunc: kf}); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("exp in %v: error %v, want %v", tt.exp, err, tt.want)
		}
	}
}
