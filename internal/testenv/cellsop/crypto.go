package cellsop

import (
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// tokenCrypto is the library's AES-GCM token encryption, taught one more
// thing: a personal access token, which is no encryption at all, decrypts to
// the access token it stands for. That is how userinfo and revocation, which
// only know how to decrypt, come to accept personal access tokens.
type tokenCrypto struct {
	op.Crypto
	store *storage
}

func (c tokenCrypto) Decrypt(s string) (string, error) {
	if plain, ok := c.store.personalToken(s); ok {
		return plain, nil
	}
	return c.Crypto.Decrypt(s)
}

// accessTokenID returns the id behind an access token this provider issued,
// whatever its form.
func (c tokenCrypto) accessTokenID(token string) (string, bool) {
	plain, err := c.Decrypt(token)
	if err != nil {
		return "", false
	}
	id, _, ok := strings.Cut(plain, ":")
	return id, ok
}
