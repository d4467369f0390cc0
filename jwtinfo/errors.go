package jwtinfo

import "errors"

// Errors returned by this package. Every failure that makes a token
// unusable also matches ErrInvalid, except expiry and not-yet-valid, which
// callers usually treat apart.
var (
	// ErrInvalid matches every error that means the token must not be used.
	ErrInvalid = errors.New("invalid token")
	// ErrExpired means the token's exp is in the past (beyond the leeway).
	ErrExpired = errors.New("token is expired")
	// ErrNotYetValid means the token's nbf is in the future.
	ErrNotYetValid = errors.New("token is not valid yet")
)
