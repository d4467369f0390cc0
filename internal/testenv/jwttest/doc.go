// Package jwttest mints signing keys, tokens and JWK sets for tests. Every
// key it makes is synthetic and must never sign anything real.
package jwttest
