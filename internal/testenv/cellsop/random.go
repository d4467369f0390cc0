package cellsop

import (
	"crypto/rand"
	"encoding/base64"
)

// randomString returns n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails since Go 1.24; it crashes the program instead.
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hydraToken shapes a token like Ory Hydra's (Cells' provider): a prefix,
// then two 43-character parts joined by a dot.
func hydraToken(prefix string) string {
	return prefix + randomString(32) + "." + randomString(32)
}
