package jwtinfo_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
	"github.com/cells-oob/cells-oob/jwtinfo"
)

func pemOf(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestKeyfuncFromPEM(t *testing.T) {
	rsaKey, ec, ed := key(t, "rsa"), key(t, "ec"), key(t, "ed")
	pkixPEM := func(k *jwttest.Key) []byte {
		b, err := k.PublicPEM()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cert := func(k *jwttest.Key) []byte {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "jwtinfo test"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k.Private)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf(t, "CERTIFICATE", der)
	}
	private, err := rsaKey.PrivatePEM()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		pem     []byte
		signer  *jwttest.Key
		loadErr bool
	}{
		{name: "RSA PKIX", pem: pkixPEM(rsaKey), signer: rsaKey},
		{name: "RSA PKCS1", pem: pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaKey.Public().(*rsa.PublicKey))), signer: rsaKey},
		{name: "RSA certificate", pem: cert(rsaKey), signer: rsaKey},
		{name: "ECDSA PKIX", pem: pkixPEM(ec), signer: ec},
		{name: "ECDSA certificate", pem: cert(ec), signer: ec},
		{name: "Ed25519 PKIX", pem: pkixPEM(ed), signer: ed},
		{name: "private key refused", pem: private, loadErr: true},
		{name: "no PEM", pem: []byte("not a key"), loadErr: true},
		{name: "empty", pem: nil, loadErr: true},
		{name: "corrupt block", pem: pemOf(t, "PUBLIC KEY", []byte("junk")), loadErr: true},
		{name: "other block", pem: pemOf(t, "X509 CRL", []byte("junk")), loadErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kf, err := jwtinfo.KeyfuncFromPEM(tt.pem)
			if tt.loadErr {
				if err == nil {
					t.Fatal("loaded; want an error")
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q spans lines", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			opts := jwtinfo.VerifyOptions{Keyfunc: kf, Now: func() time.Time { return fixtureNow }}
			if _, err := jwtinfo.Verify(context.Background(), sign(t, tt.signer, fixtureClaims(), nil), opts); err != nil {
				t.Errorf("own token: %v", err)
			}
			other := key(t, "rsa-impostor")
			if tt.signer.Method != other.Method {
				other = key(t, "ec")
				if tt.signer == other {
					other = key(t, "rsa")
				}
			}
			if _, err := jwtinfo.Verify(context.Background(), sign(t, other, fixtureClaims(), nil), opts); !errors.Is(err, jwtinfo.ErrSignature) {
				t.Errorf("another key's token: error %v, want ErrSignature", err)
			}
		})
	}
}

func TestKeyfuncFromJWKS(t *testing.T) {
	rsaKey := key(t, "rsa")
	for _, tt := range []struct {
		name string
		doc  string
		want error // from Verify of a kid-less token; nil when loading must fail
	}{
		{name: "not JSON", doc: "<html>"},
		{name: "bad key", doc: `{"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}`},
		{name: "too large", doc: `{"keys":[],"x":"` + strings.Repeat("a", jwtinfo.MaxSize) + `"}`},
		{name: "no keys", doc: `{"keys":[]}`, want: jwtinfo.ErrSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kf, err := jwtinfo.KeyfuncFromJWKS([]byte(tt.doc))
			if tt.want == nil {
				if err == nil {
					t.Fatal("loaded; want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw := sign(t, rsaKey, fixtureClaims(), map[string]any{"kid": nil})
			if _, err := jwtinfo.Verify(context.Background(), raw, jwtinfo.VerifyOptions{Keyfunc: kf}); !errors.Is(err, tt.want) {
				t.Errorf("Verify: error %v, want %v", err, tt.want)
			}
		})
	}
}
