// Package decode is the decode command's work: a JWT from the command
// line, stdin or the current profile, shown as text or JSON, and verified
// on demand against a JWKS URL, a PEM key file or the profile's keys.
package decode
