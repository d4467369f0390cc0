// Package jwtinfo decodes, verifies and describes JSON Web Tokens, chiefly
// the ID tokens an OpenID provider such as Pydio Cells issues.
//
// [Parse] reads a token without trusting it, for showing to people; [Verify]
// checks its signature against a key from [KeyfuncFromJWKS] or
// [KeyfuncFromPEM], and its issuer, audience and times. Only asymmetric
// algorithms are accepted when verifying: "none" and the HMAC family are
// refused whatever key is offered, which closes the door to tokens signed
// with a public key used as an HMAC secret.
//
// Every string taken from a token is printed by [Token.Describe] and
// [Token.JSON] with control characters escaped, so a hostile token cannot
// drive the terminal it is shown on.
//
// Errors match the sentinels in this package through [errors.Is]: every
// reason a token must not be used matches [ErrInvalid]; expiry and
// not-yet-valid match [ErrExpired] and [ErrNotYetValid] instead.
package jwtinfo
