package jwtinfo

import "errors"

// Errors returned by this package. Every failure that makes a token
// unusable also matches ErrInvalid, except expiry and not-yet-valid, which
// callers usually treat apart; so test for the precise reason first.
var (
	// ErrInvalid matches every error that means the token must not be used.
	ErrInvalid = errors.New("invalid token")
	// ErrExpired means the token's exp is in the past (beyond the leeway).
	ErrExpired = errors.New("token is expired")
	// ErrNotYetValid means the token's nbf is in the future.
	ErrNotYetValid = errors.New("token is not valid yet")

	// ErrMalformed means the input is not a JWT at all, or a part of it does
	// not decode. It matches ErrInvalid.
	ErrMalformed = invalid("malformed token")
	// ErrEncrypted means the input is a five-part JWE, which this package
	// cannot read without the recipient's key. It matches ErrInvalid.
	ErrEncrypted = invalid("encrypted token (JWE), cannot be decoded")
	// ErrAlgorithm means the token's alg is not one this package accepts
	// when verifying (none and the HMAC family never are). It matches
	// ErrInvalid.
	ErrAlgorithm = invalid("signing algorithm not allowed")
	// ErrSignature means no key verifies the signature, including when no
	// key matches the token's kid. It matches ErrInvalid.
	ErrSignature = invalid("signature does not verify")
	// ErrUnknownKey means the JWKS holds no key with the token's kid: the
	// provider may have rotated its keys since the set was fetched, and a
	// caller may fetch it again. It matches ErrSignature and ErrInvalid.
	ErrUnknownKey error = &reasonError{msg: "signature does not verify: no key in the JWKS matches kid", parent: ErrSignature}
	// ErrIssuer means iss is missing or not the expected issuer. It matches
	// ErrInvalid.
	ErrIssuer = invalid("wrong issuer")
	// ErrAudience means aud is missing or does not name the expected
	// audience. It matches ErrInvalid.
	ErrAudience = invalid("wrong audience")
)

// reasonError is a sentinel for one precise reason that is also ErrInvalid
// (through parent, when it refines another reason), so that exit codes need
// only ErrInvalid while tests can be exact.
type reasonError struct {
	msg    string
	parent error
}

func invalid(msg string) error { return &reasonError{msg: msg} }

func (e *reasonError) Error() string { return e.msg }

func (e *reasonError) Unwrap() error {
	if e.parent != nil {
		return e.parent
	}
	return ErrInvalid
}
