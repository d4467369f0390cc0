package cellsop

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// signingKey is the RSA key that signs ID tokens with RS256.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is what the JWKS endpoint publishes of a signingKey.
type publicKey struct{ *signingKey }

var _ op.Key = publicKey{}

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func newSigningKey() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("cellsop: generate signing key: %w", err)
	}
	return &signingKey{id: randomString(12), key: key}, nil
}

// sharedKey is generated once per process: a 2048-bit key costs enough under
// the race detector that a test suite starting dozens of servers feels it.
var sharedKey = sync.OnceValues(newSigningKey)
