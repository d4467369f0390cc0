package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Key is a private signing key with the key ID and algorithm it signs with.
type Key struct {
	// ID is the kid put in the header of every token the key signs.
	ID string
	// Method is the algorithm the key signs with.
	Method jwt.SigningMethod
	// Private is the private key: *rsa.PrivateKey, *ecdsa.PrivateKey or
	// ed25519.PrivateKey.
	Private crypto.Signer
}

// NewRSA makes a 2048-bit RSA key that signs RS256.
func NewRSA(kid string) (*Key, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate RSA key: %w", err)
	}
	return &Key{ID: kid, Method: jwt.SigningMethodRS256, Private: k}, nil
}

// NewECDSA makes a P-256 key that signs ES256.
func NewECDSA(kid string) (*Key, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate ECDSA key: %w", err)
	}
	return &Key{ID: kid, Method: jwt.SigningMethodES256, Private: k}, nil
}

// NewEd25519 makes an Ed25519 key that signs EdDSA.
func NewEd25519(kid string) (*Key, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate Ed25519 key: %w", err)
	}
	return &Key{ID: kid, Method: jwt.SigningMethodEdDSA, Private: k}, nil
}

// Sign returns a compact JWT of claims signed by k, with kid and any extra
// header parameters in its header; a nil value removes a parameter.
func (k *Key) Sign(claims jwt.MapClaims, header map[string]any) (string, error) {
	t := jwt.NewWithClaims(k.Method, claims)
	t.Header["kid"] = k.ID
	for name, v := range header {
		if v == nil {
			delete(t.Header, name)
			continue
		}
		t.Header[name] = v
	}
	s, err := t.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("jwttest: sign: %w", err)
	}
	return s, nil
}

// Public returns the public half of k.
func (k *Key) Public() crypto.PublicKey { return k.Private.Public() }

// PublicPEM returns the public key as a PKIX "PUBLIC KEY" PEM block.
func (k *Key) PublicPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return nil, fmt.Errorf("jwttest: marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// PrivatePEM returns the private key as a PKCS #8 "PRIVATE KEY" PEM block.
func (k *Key) PrivatePEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("jwttest: marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// JWKS returns a JWK set holding the public halves of keys, each with its
// kid, alg and use "sig", as a provider would publish it.
func JWKS(keys ...*Key) ([]byte, error) {
	var set jwkset.JWKSMarshal
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.Public(), jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{
				ALG: jwkset.ALG(k.Method.Alg()),
				KID: k.ID,
				USE: jwkset.UseSig,
			},
		})
		if err != nil {
			return nil, fmt.Errorf("jwttest: JWK for %q: %w", k.ID, err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	doc, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("jwttest: marshal JWKS: %w", err)
	}
	return append(doc, '\n'), nil
}

// ServeJWKS starts a server that answers every GET with doc as a JWK set.
// The caller closes it.
func ServeJWKS(doc []byte) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(doc)
	}))
}
