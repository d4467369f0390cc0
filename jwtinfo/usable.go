package jwtinfo

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/MicahParks/jwkset"
)

// usableKeys returns the JWK set doc with only the keys that can verify a
// signature, as RFC 7517 section 5 asks of a set's reader: "implementations
// SHOULD ignore JWKs within a JWK Set that use "kty" (key type) values that
// are not understood by them, that are missing required members, or for
// which values are out of the supported ranges". A provider adding a
// post-quantum key (kty AKP), an RSA key given only by its x5c chain or an
// EC key off its curve, beside the key that signs, must not stop the
// signature from being checked. Keys for encryption (use other than sig,
// or key_ops without verify) and symmetric keys, which no accepted
// algorithm uses, go too.
//
// A doc that is no JWK set at all is returned as it is, for the library
// to refuse; a set whose every key goes is an error matching ErrSignature.
func usableKeys(doc []byte) ([]byte, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(doc, &set) != nil || len(set.Keys) == 0 {
		return doc, nil
	}
	kept := set.Keys[:0:0]
	var firstWhy string
	for _, raw := range set.Keys {
		why := unusable(raw)
		if why == "" {
			kept = append(kept, raw)
		} else if firstWhy == "" {
			firstWhy = why
		}
	}
	switch {
	case len(kept) == len(set.Keys):
		return doc, nil
	case len(kept) == 0:
		return nil, fmt.Errorf("%w: the JWKS holds no key that can verify a signature (of %d, the first %s)", ErrSignature, len(set.Keys), firstWhy)
	}
	return json.Marshal(map[string][]json.RawMessage{"keys": kept})
}

// unusable says why the JWK raw cannot verify a signature here, or "" when
// it can.
func unusable(raw json.RawMessage) string {
	var m jwkset.JWKMarshal
	if err := json.Unmarshal(raw, &m); err != nil {
		return "is not a JSON Web Key"
	}
	name := "key"
	if m.KID != "" {
		name = fmt.Sprintf("key %q", escape(m.KID))
	}
	switch {
	case m.KTY != jwkset.KtyRSA && m.KTY != jwkset.KtyEC && m.KTY != jwkset.KtyOKP:
		return fmt.Sprintf("%s is of kind (kty) %q, which cannot verify a signature here", name, escape(string(m.KTY)))
	case m.USE != "" && m.USE != jwkset.UseSig:
		return fmt.Sprintf("%s is for %q, not for signatures", name, escape(string(m.USE)))
	case m.KEYOPS != nil && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify):
		return fmt.Sprintf("%s is not for verifying (key_ops)", name)
	}
	// What the library makes of a set, one key at a time: its public
	// members only, checked.
	if _, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{}); err != nil {
		return fmt.Sprintf("%s has missing or invalid members", name)
	}
	return ""
}
