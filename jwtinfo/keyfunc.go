package jwtinfo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/golang-jwt/jwt/v5"
)

// KeyfuncFromJWKS returns a Keyfunc that picks the key named by a token's
// kid from the JWK set doc (every key in turn when the token has no kid).
// A kid the set does not hold is an error matching ErrUnknownKey (and so
// ErrSignature). Keys that cannot verify a signature here (see usableKeys)
// are skipped; a set holding only such keys is an error matching
// ErrSignature.
func KeyfuncFromJWKS(doc []byte) (jwt.Keyfunc, error) {
	if len(doc) > MaxSize {
		return nil, errors.New("JWKS is larger than 1 MiB")
	}
	doc, err := usableKeys(doc)
	if err != nil {
		return nil, err
	}
	set, err := keyfunc.NewJWKSetJSON(doc)
	if err != nil {
		// The library's errors are joined over several lines.
		return nil, fmt.Errorf("read JWKS: %s", escape(oneLine(err)))
	}
	lookup := set.Keyfunc
	return func(jt *jwt.Token) (any, error) {
		key, err := lookup(jt)
		if err != nil {
			kid, _ := jt.Header["kid"].(string)
			if errors.Is(err, jwkset.ErrKeyNotFound) {
				return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
			}
			return nil, fmt.Errorf("%w: key %q: %s", ErrSignature, kid, escape(strings.TrimPrefix(oneLine(err), keyfunc.ErrKeyfunc.Error()+": ")))
		}
		if all, ok := key.(jwt.VerificationKeySet); ok && len(all.Keys) == 0 {
			return nil, fmt.Errorf("%w: the JWKS holds no keys", ErrSignature)
		}
		return key, nil
	}, nil
}

// KeyfuncFromPEM returns a Keyfunc that always offers the one public key in
// data: a PKIX "PUBLIC KEY", a PKCS #1 "RSA PUBLIC KEY" or a "CERTIFICATE",
// holding an RSA, ECDSA or Ed25519 key.
func KeyfuncFromPEM(data []byte) (jwt.Keyfunc, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block in the key file")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE") {
			return nil, fmt.Errorf("the key file holds a %s: give the public key instead", block.Type)
		}
		return nil, fmt.Errorf("the key file holds a %q PEM block, not a public key or certificate", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", block.Type, err)
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("%T keys cannot verify a JWT here", key)
	}
	return func(*jwt.Token) (any, error) { return key, nil }, nil
}

// oneLine flattens the multi-line messages errors.Join makes.
func oneLine(err error) string { return termsafe.OneLine(err.Error()) }
